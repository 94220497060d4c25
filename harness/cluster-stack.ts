// Stacks of the cluster tier's program (test/cluster/fixtures/workloads) on the test cluster, and
// what the tests read back from the API server: ready pods, the objects left in a namespace.
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { openTarget } from "../automation/driver/commands";
import type { StackTarget } from "../automation/driver/stack";
import type { RouterDescriptor } from "../components/core/contract";
import type { TestCluster } from "./cluster";
import { configJson } from "./demo-config";
import { type EngineInfo, type TestBackend, withTestStack } from "./engine";
import type { FakePrometheus } from "./fake-prometheus";
import { type KubeApi, type KubeObject, WORKLOAD_KINDS } from "./kube-api";

export const WORKLOADS = path.join(__dirname, "..", "test", "cluster", "fixtures", "workloads");
const PROJECT = "cluster-workloads";

/** A service of the fixture program, as its `services` config lists it. */
export interface ServiceConfig {
  readonly name: string;
  readonly kind: "canary" | "blueGreen" | "rolling" | "recreate";
  readonly router?: "replicaRatio" | "nginx" | "gatewayApi";
  readonly replicas?: number;
  readonly traffic?: Record<string, string | number>;
  readonly version?: string;
  readonly strategy?: Record<string, unknown>;
}

/** Config values of a fixture stack (release settings as `progressive:<key>`). */
export function workloadConfig(
  namespace: string,
  services: readonly ServiceConfig[],
  extra: Record<string, unknown> = {},
): string {
  return configJson(PROJECT, JSON.parse(JSON.stringify({ namespace, services, ...extra })));
}

/**
 * Runs `body` with a stack of the fixture program on the cluster, in a fresh namespace; the stack
 * is destroyed and removed after (withTestStack), whatever `body` did.
 */
export async function withClusterStack<T>(
  engine: EngineInfo,
  cluster: TestCluster,
  o: { readonly stackName: string; readonly namespace: string },
  body: (stack: Stack, backend: TestBackend) => Promise<T>,
): Promise<T> {
  await cluster.createNamespace(o.namespace);
  return withTestStack(engine, { workDir: WORKLOADS, stackName: o.stackName, env: cluster.stackEnv() }, body);
}

const conditionTrue = (obj: KubeObject, type: string): boolean =>
  (
    (obj.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []
  ).some((c) => c.type === type && c.status === "True");

/** Pods of the namespace by Deployment-like name prefix, counted Ready (kwok writes the condition). */
export async function readyPods(api: KubeApi, namespace: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const pod of await api.list("Pod", namespace)) {
    if (!conditionTrue(pod, "Ready") || (pod.metadata as { deletionTimestamp?: string }).deletionTimestamp)
      continue;
    const owner = (pod.metadata as { labels?: Record<string, string> }).labels ?? {};
    const key = pod.metadata.generateName?.toString().replace(/-[a-z0-9]+-$/, "") ?? owner.app ?? "?";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** A Deployment's desired, ready and updated counts, and its pod template's image. */
export async function deploymentState(
  api: KubeApi,
  namespace: string,
  name: string,
): Promise<{ replicas: number; ready: number; updated: number; image: string; strategy: unknown }> {
  const d = await api.get("Deployment", namespace, name);
  if (!d) throw new Error(`no Deployment ${namespace}/${name}`);
  const spec = d.spec as {
    replicas: number;
    strategy: unknown;
    template: { spec: { containers: Array<{ image: string }> } };
  };
  const status = d.status as { readyReplicas?: number; updatedReplicas?: number };
  return {
    replicas: spec.replicas,
    ready: status.readyReplicas ?? 0,
    updated: status.updatedReplicas ?? 0,
    image: spec.template.spec.containers[0]?.image ?? "",
    strategy: spec.strategy,
  };
}

/**
 * Waits until a Deployment's rollout is complete as the controller reports it (observed generation
 * current, every replica updated, ready and available, no old pod left); returns the milliseconds
 * waited (0 when it already was).
 */
export async function rolledOut(
  api: KubeApi,
  namespace: string,
  name: string,
  timeoutMs = 60_000,
): Promise<number> {
  const started = performance.now();
  await api.waitFor(
    `Deployment ${namespace}/${name} rolled out`,
    async () => {
      const d = await api.must("Deployment", namespace, name);
      const generation = (d.metadata as { generation?: number }).generation;
      const want = (d.spec as { replicas?: number }).replicas ?? 1;
      const s = d.status as {
        observedGeneration?: number;
        replicas?: number;
        updatedReplicas?: number;
        readyReplicas?: number;
        availableReplicas?: number;
      };
      const done =
        s.observedGeneration === generation &&
        (s.replicas ?? 0) === want &&
        (s.updatedReplicas ?? 0) === want &&
        (s.readyReplicas ?? 0) === want &&
        (s.availableReplicas ?? 0) === want;
      return done ? true : undefined;
    },
    timeoutMs,
  );
  return Math.round(performance.now() - started);
}

/**
 * What is left in a namespace of the kinds the components create, as `Kind/name`; waits up to
 * `timeoutMs` for garbage collection (ReplicaSets, pods) to finish. The ConfigMap the controller
 * manager publishes in every namespace (kube-root-ca.crt) is not counted.
 */
export async function leftovers(api: KubeApi, namespace: string, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left: string[] = [];
    for (const kind of WORKLOAD_KINDS) {
      for (const obj of await api.list(kind, namespace)) {
        if (kind === "ConfigMap" && obj.metadata.name === "kube-root-ca.crt") continue;
        left.push(`${kind}/${obj.metadata.name}`);
      }
    }
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The canary's weight as the live objects hold it, read with the test's own client (not the
 * routers under test): the canary Ingress's canary-weight, the HTTPRoute's canary backendRef share
 * (every rule that reaches stable the same, else undefined), or for a replica ratio the canary Deployment's desired
 * share (the brake writes spec.replicas, the ready count follows as pods terminate).
 */
export async function liveWeight(api: KubeApi, d: RouterDescriptor): Promise<number | undefined> {
  switch (d.kind) {
    case "kubernetes-nginx": {
      const ing = await api.get("Ingress", d.namespace, d.canaryIngress);
      const a = (ing?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
      const w = a?.["nginx.ingress.kubernetes.io/canary-weight"];
      return w === undefined ? undefined : Number(w);
    }
    case "kubernetes-gateway-api": {
      const route = await api.get("HTTPRoute", d.namespace, d.httpRoute);
      const rules = (
        route?.spec as { rules?: Array<{ backendRefs?: Array<{ name: string; weight?: number }> }> }
      )?.rules;
      // Rules that reach stable split the traffic; a tester-header rule reaches only the canary.
      const splitting = (rules ?? []).filter((r) => r.backendRefs?.some((b) => b.name === d.stableService));
      const shares = splitting.map((r) => {
        const refs = r.backendRefs ?? [];
        const w = (name: string) =>
          refs.find((b) => b.name === name)?.weight ?? (refs.some((b) => b.name === name) ? 1 : 0);
        const total = w(d.stableService) + w(d.canaryService);
        return total === 0 ? 0 : Math.round((100 * w(d.canaryService)) / total);
      });
      return shares.length > 0 && shares.every((s) => s === shares[0]) ? shares[0] : undefined;
    }
    case "kubernetes-replica-ratio": {
      const replicas = async (name: string) =>
        ((await api.get("Deployment", d.namespace, name))?.spec as { replicas?: number } | undefined)
          ?.replicas;
      const stable = await replicas(d.stableDeployment);
      const canary = await replicas(d.canaryDeployment);
      if (stable === undefined || canary === undefined) return undefined;
      return stable + canary === 0 ? 0 : Math.round((100 * canary) / (stable + canary));
    }
    default:
      return undefined;
  }
}

/** A canary at 50 % (the replica ratio can show it with 2 replicas), an analysis on the fake Prometheus (failed above 0.5), then 100 %. */
export const CLUSTER_CANARY = {
  kind: "canary",
  steps: [{ setWeight: 50 }, { analysis: {} }, { setWeight: 100 }],
  checks: [
    {
      kind: "metric",
      name: "error-rate",
      provider: "prometheus",
      query: 'error_rate{version="{{version}}"}',
      failureCondition: "> 0.5",
      interval: "1s",
      count: 2,
    },
  ],
};

/** Release settings of a stack on the test cluster: the fake Prometheus, the kubeconfig, no drift preview. */
export function releaseSettings(cluster: TestCluster, prometheus: FakePrometheus): Record<string, unknown> {
  return {
    "progressive:metrics": { prometheus: { url: prometheus.url } },
    "progressive:kubernetes": { kubeconfig: cluster.kubeconfigPath },
    "progressive:release": { drift: "off" },
  };
}

/** The driver's target for one service of a fixture stack. */
export function targetOf(stack: Stack, backend: TestBackend, service: string): StackTarget {
  return { workDir: stack.workspace.workDir, stackName: stack.name, env: backend.envVars, service };
}

/** The router descriptor a service registered in the release contract, read from the stack's state. */
export async function descriptorOf(
  stack: Stack,
  backend: TestBackend,
  service: string,
): Promise<RouterDescriptor> {
  return (await openTarget(targetOf(stack, backend, service))).service.release.router;
}
