// The release driver on a real Kubernetes API: canary releases of three services (one per router)
// through the release contract, every weight read back from the live objects, checks against a
// metric endpoint the test controls. A good release is promoted; a failed check reverts, the
// brake's write (Ingress annotation, HTTPRoute weights, canary Deployment scale) on the API server
// before the `up` that records it; a service reverted that way is released again.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { releaseCommand } from "../../automation/driver/commands";
import type { DriverEvent } from "../../automation/driver/events";
import {
  CLUSTER_CANARY,
  deploymentState,
  descriptorOf,
  liveWeight,
  releaseSettings,
  type ServiceConfig,
  targetOf,
  withClusterStack,
  workloadConfig,
} from "../../harness/cluster-stack";
import { type FakePrometheus, startFakePrometheus } from "../../harness/fake-prometheus";
import { requireCluster, type TestCluster } from "../support/cluster";
import { type EngineInfo, requireEngine } from "../support/engine";

interface Run {
  readonly events: DriverEvent[];
  /** The live weight read (with the test's own client) when the revert's `up` was about to start. */
  weightBeforeRevertUp?: Promise<number | undefined>;
}

describe("cluster: the release driver on a real Kubernetes API", function () {
  this.timeout(900_000);
  let engine: EngineInfo;
  let cluster: TestCluster;
  let prometheus: FakePrometheus;

  before(async function () {
    this.timeout(180_000);
    engine = requireEngine(this);
    cluster = await requireCluster(this);
    prometheus = await startFakePrometheus(0);
  });

  after(async () => {
    await prometheus?.close();
  });

  it("promotes with the Gateway API router, reverts with ingress-nginx and replica ratio, weights read back live", async () => {
    const namespace = "driver";
    const services: ServiceConfig[] = ["web-gw:gatewayApi", "web-nginx:nginx", "web-rr:replicaRatio"].map(
      (s) => {
        const [name, router] = s.split(":") as [string, ServiceConfig["router"]];
        return { name, kind: "canary", router, replicas: 2, version: "v1", strategy: CLUSTER_CANARY };
      },
    );
    await withClusterStack(engine, cluster, { stackName: "driver", namespace }, async (stack, backend) => {
      await stack.workspace.setAllConfigJson(
        stack.name,
        workloadConfig(namespace, services, releaseSettings(cluster, prometheus)),
      );
      await stack.up();
      const stateDir = path.join(backend.dir, "progressive");
      const release = async (
        service: string,
        version: string,
      ): Promise<Run & { result: Awaited<ReturnType<typeof releaseCommand>> }> => {
        const descriptor = await descriptorOf(stack, backend, service);
        const run: Run = { events: [] };
        const onEvent = (e: DriverEvent) => {
          run.events.push(e);
          if (e.type === "trafficApplying" && /revert: all traffic to stable/.test(e.why)) {
            run.weightBeforeRevertUp = liveWeight(cluster.api, descriptor);
          }
        };
        const result = await releaseCommand(targetOf(stack, backend, service), version, {
          stateDir,
          onEvent,
        });
        return { ...run, result };
      };

      // A good release: every step's weight verified from the HTTPRoute, then promoted.
      prometheus.value = 0;
      const good = await release("web-gw", "v2");
      assert.equal(good.result.outcome, "promoted", JSON.stringify(good.result));
      const applied = good.events.flatMap((e) => (e.type === "trafficApplied" ? [e] : []));
      assert.ok(applied.length >= 3, `weights applied: ${applied.map((e) => e.effectiveWeight).join(", ")}`);
      for (const e of applied) assert.ok(e.verified, `unverified step: ${e.unverifiedReason}`);
      assert.ok(
        applied.some((e) => e.effectiveWeight === 50),
        "the 50 % step was read back from the HTTPRoute",
      );
      assert.deepEqual(good.result.traffic, { stableVersion: "v2", candidateWeight: 0 });
      const gw = await descriptorOf(stack, backend, "web-gw");
      assert.equal(await liveWeight(cluster.api, gw), 0);
      assert.equal(
        (await deploymentState(cluster.api, namespace, "web-gw-stable")).image,
        "ghcr.io/acme/web:v2",
      );

      // Failed checks: each router's brake is written and read back before the `up` records it.
      prometheus.value = 1;
      for (const service of ["web-nginx", "web-rr"]) {
        const bad = await release(service, "v2");
        assert.equal(bad.result.outcome, "reverted", JSON.stringify(bad.result));
        assert.match(bad.result.reason ?? "", /analysis failed/);
        assert.ok(
          bad.events.some((e) => e.type === "checkResult" && e.measurement.outcome === "Failed"),
          "a failed measurement",
        );
        const at50 = bad.events.find((e) => e.type === "trafficApplied" && e.effectiveWeight === 50);
        assert.ok(
          at50 && at50.type === "trafficApplied" && at50.verified,
          `${service}: 50 % verified before the check`,
        );
        const order = (pred: (e: DriverEvent) => boolean) => bad.events.findIndex(pred);
        const brake = order((e) => e.type === "log" && /written and read back/.test(e.message));
        const revertUp = order(
          (e) => e.type === "trafficApplying" && /revert: all traffic to stable/.test(e.why),
        );
        assert.ok(
          brake >= 0 && brake < revertUp,
          `${service}: the brake (${brake}) before the revert's up (${revertUp})`,
        );
        assert.equal(
          await bad.weightBeforeRevertUp,
          0,
          `${service}: weight 0 on the API server before that up`,
        );
        assert.deepEqual(bad.result.traffic, { stableVersion: "v1", candidateWeight: 0 });
        const descriptor = await descriptorOf(stack, backend, service);
        assert.equal(await liveWeight(cluster.api, descriptor), 0);
        assert.equal(
          (await deploymentState(cluster.api, namespace, `${service}-stable`)).image,
          "ghcr.io/acme/web:v1",
        );
        console.log(
          `      ${service}: reverted, ${bad.result.timeToRevertMs} ms from the failed check to weight 0 read back`,
        );
        assert.ok((bad.result.timeToRevertMs ?? Number.POSITIVE_INFINITY) < 15_000, "revert under 15 s");
      }

      // Released again after its revert: the `up`s take back the fields the brake wrote (without
      // pulumi.com/patchForce they failed here with a server-side apply field conflict).
      prometheus.value = 0;
      const again = await release("web-nginx", "v3");
      assert.equal(again.result.outcome, "promoted", JSON.stringify(again.result));
      assert.equal(
        (await deploymentState(cluster.api, namespace, "web-nginx-stable")).image,
        "ghcr.io/acme/web:v3",
      );
    });
  });
});
