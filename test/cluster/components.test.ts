// Each Kubernetes component through `pulumi up` with the real provider on a real API server: the
// objects as the server stores them (defaulted, validated), the Deployments rolled out by the
// controller manager with pods made Ready by kwok, the weights read back through the release
// contract by the routers the driver uses, no drift after `refresh`, nothing left after `destroy`.
import * as assert from "node:assert/strict";
import type { Stack } from "@pulumi/pulumi/automation";
import { routerControl } from "../../automation/routers";
import { LABEL_COLOR } from "../../components/kubernetes/pods";
import {
  deploymentState,
  descriptorOf,
  leftovers,
  readyPods,
  rolledOut,
  type ServiceConfig,
  withClusterStack,
  workloadConfig,
} from "../../harness/cluster-stack";
import { requireCluster, type TestCluster } from "../support/cluster";
import { type EngineInfo, requireEngine } from "../support/engine";

/** `refresh` finds the live objects as recorded, and a preview after it plans nothing. */
async function assertNoDrift(stack: Stack): Promise<string> {
  const refresh = await stack.refresh();
  const changes = refresh.summary.resourceChanges ?? {};
  assert.equal(refresh.summary.result, "succeeded");
  assert.equal(changes.delete ?? 0, 0, `refresh found objects gone: ${JSON.stringify(changes)}`);
  // expectNoChanges fails the preview on any planned create, update, replace or delete.
  const preview = await stack.preview({ expectNoChanges: true });
  const planned = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
  assert.deepEqual(planned, [], "no drift after refresh");
  return JSON.stringify(changes);
}

/** Destroys the stack and returns what is left in the namespace (should be nothing). */
async function destroyAndList(stack: Stack, cluster: TestCluster, namespace: string): Promise<string[]> {
  await stack.destroy();
  return leftovers(cluster.api, namespace);
}

describe("cluster: Kubernetes components through pulumi up on a real API server", function () {
  this.timeout(600_000);
  let engine: EngineInfo;
  let cluster: TestCluster;

  before(async function () {
    this.timeout(180_000);
    engine = requireEngine(this);
    cluster = await requireCluster(this);
  });

  it("CanaryService with each router at 25 %: replica ratio, ingress-nginx annotations, HTTPRoute weights", async () => {
    const namespace = "canary-routers";
    const traffic = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 25 };
    const services: ServiceConfig[] = [
      { name: "web-rr", kind: "canary", router: "replicaRatio", replicas: 3, traffic },
      { name: "web-nginx", kind: "canary", router: "nginx", replicas: 3, traffic },
      { name: "web-gw", kind: "canary", router: "gatewayApi", replicas: 3, traffic },
    ];
    await withClusterStack(engine, cluster, { stackName: "canary", namespace }, async (stack, backend) => {
      await stack.workspace.setAllConfigJson(stack.name, workloadConfig(namespace, services));
      const started = performance.now();
      await stack.up();
      console.log(
        `      up of three canary services: ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      const api = cluster.api;

      // Every slot rolled out by the controllers, every pod Ready through kwok.
      for (const svc of ["web-rr", "web-nginx", "web-gw"]) {
        const stable = await deploymentState(api, namespace, `${svc}-stable`);
        const canary = await deploymentState(api, namespace, `${svc}-canary`);
        assert.deepEqual([stable.ready, stable.replicas], [3, 3], `${svc}-stable ready`);
        assert.equal(canary.ready, canary.replicas, `${svc}-canary ready`);
        assert.equal(stable.image, "ghcr.io/acme/web:v1");
        assert.equal(canary.image, "ghcr.io/acme/web:v2");
      }
      const pods = await readyPods(api, namespace);
      assert.deepEqual(pods, {
        "web-rr-stable": 3,
        "web-rr-canary": 1,
        "web-nginx-stable": 3,
        "web-nginx-canary": 1,
        "web-gw-stable": 3,
        "web-gw-canary": 1,
      });

      // ingress-nginx: the canary Ingress as stored, with the class the cluster has.
      const canaryIngress = await api.must("Ingress", namespace, "web-nginx-canary");
      const annotations =
        (canaryIngress.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      assert.equal(annotations["nginx.ingress.kubernetes.io/canary"], "true");
      assert.equal(annotations["nginx.ingress.kubernetes.io/canary-weight"], "25");
      assert.equal((canaryIngress.spec as { ingressClassName?: string }).ingressClassName, "nginx");

      // Gateway API: the HTTPRoute as the CRD stored it, weights 75/25.
      const route = await api.must("HTTPRoute", namespace, "web-gw");
      const rules = (
        route.spec as { rules: Array<{ backendRefs?: Array<{ name: string; weight?: number }> }> }
      ).rules;
      const weighted = rules.at(-1)?.backendRefs?.map((b) => [b.name, b.weight]);
      assert.deepEqual(weighted, [
        ["web-gw-stable", 75],
        ["web-gw-canary", 25],
      ]);

      // The driver's view: each router reads its weight back from the live objects.
      for (const [svc, expected] of [
        ["web-rr", 25],
        ["web-nginx", 25],
        ["web-gw", 25],
      ] as const) {
        const descriptor = await descriptorOf(stack, backend, svc);
        const reading = await routerControl(descriptor, {}, { kubeconfig: cluster.kubeconfigPath }).read(
          traffic,
        );
        assert.ok(reading.verified, `${svc}: ${reading.verified ? "" : reading.reason}`);
        assert.equal(reading.candidateWeight, expected, `${svc}: ${reading.detail}`);
      }

      const refreshed = await assertNoDrift(stack);
      console.log(`      refresh: ${refreshed}`);
      assert.deepEqual(
        await destroyAndList(stack, cluster, namespace),
        [],
        "destroy leaves the namespace empty",
      );
    });
  });

  it("BlueGreenService switches the active and preview selectors; RollingService rolls (RollingUpdate) and recreates", async () => {
    const namespace = "bluegreen-rolling";
    const v1 = { stableVersion: "v1", candidateWeight: 0 };
    const services = (step: 1 | 2): ServiceConfig[] => [
      {
        name: "web-bg",
        kind: "blueGreen",
        traffic:
          step === 1
            ? v1
            : { stableVersion: "v2", candidateVersion: "v1", candidateWeight: 0, activeColor: "green" },
      },
      {
        name: "web-roll",
        kind: "rolling",
        traffic: step === 1 ? v1 : { stableVersion: "v2", candidateWeight: 0 },
      },
      {
        name: "web-re",
        kind: "recreate",
        traffic: step === 1 ? v1 : { stableVersion: "v2", candidateWeight: 0 },
      },
    ];
    await withClusterStack(engine, cluster, { stackName: "bgroll", namespace }, async (stack) => {
      const api = cluster.api;
      const selectorOf = async (name: string) =>
        ((await api.must("Service", namespace, name)).spec as { selector: Record<string, string> }).selector[
          LABEL_COLOR
        ];

      await stack.workspace.setAllConfigJson(stack.name, workloadConfig(namespace, services(1)));
      await stack.up();
      assert.equal(await selectorOf("web-bg"), "blue");
      assert.equal(await selectorOf("web-bg-preview"), "green");
      const roll1 = await deploymentState(api, namespace, "web-roll");
      assert.deepEqual(roll1.strategy, {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
      assert.deepEqual((await deploymentState(api, namespace, "web-re")).strategy, { type: "Recreate" });

      await stack.workspace.setAllConfigJson(stack.name, workloadConfig(namespace, services(2)));
      await stack.up();
      // The switch: the entry Service now selects green (v2, ready), the preview Service blue (v1).
      assert.equal(await selectorOf("web-bg"), "green");
      assert.equal(await selectorOf("web-bg-preview"), "blue");
      const green = await deploymentState(api, namespace, "web-bg-green");
      assert.deepEqual([green.image, green.ready], ["ghcr.io/acme/web:v2", 2]);
      for (const name of ["web-roll", "web-re"]) {
        // `up` can return while the controller is still replacing pods (seen with RollingUpdate: 3
        // ready, 1 updated); the rollout itself must complete.
        const after = await rolledOut(api, namespace, name);
        if (after > 250) console.log(`      ${name}: rollout completed ${after} ms after up returned`);
        const d = await deploymentState(api, namespace, name);
        assert.deepEqual([d.image, d.ready, d.updated], ["ghcr.io/acme/web:v2", 2, 2], name);
      }
      // Each rolled out to a new ReplicaSet; the v1 one is scaled to 0 and kept for rollback.
      for (const name of ["web-roll", "web-re"]) {
        const sets = (await api.list("ReplicaSet", namespace)).filter((rs) =>
          String(rs.metadata.name).startsWith(`${name}-`),
        );
        const sizes = sets.map((rs) => (rs.spec as { replicas: number }).replicas).sort();
        assert.deepEqual(
          sizes,
          [0, 2],
          `${name}: ReplicaSets ${sets.map((rs) => rs.metadata.name).join(", ")}`,
        );
      }
      const pods = await readyPods(api, namespace);
      assert.equal(pods["web-roll"], 2);
      assert.equal(pods["web-re"], 2);

      await assertNoDrift(stack);
      assert.deepEqual(
        await destroyAndList(stack, cluster, namespace),
        [],
        "destroy leaves the namespace empty",
      );
    });
  });
});
