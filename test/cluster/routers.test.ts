// The Kubernetes router cases of the unit tier (test/unit/routers/kubernetes-cases.ts), against a
// real API server: its own 404 messages, CRD defaulting and validation of the HTTPRoutes, and
// Deployments whose ready counts come from the controllers and kwok rather than from a status
// written by hand.

import type { KubeObject } from "../../harness/kube-api";
import { requireCluster, type TestCluster } from "../support/cluster";
import type { KubeObject as CaseObject, KubeTestCluster } from "../unit/routers/kube-cluster";
import { NS } from "../unit/routers/kube-cluster";
import { describeKubernetesRouters } from "../unit/routers/kubernetes-cases";

interface DeploymentSpec {
  replicas?: number;
  template: { spec: Record<string, unknown> & { containers: unknown[] } };
  selector: { matchLabels: Record<string, string> };
}

/**
 * The cases describe a Deployment by the ready count its status should show. A real cluster
 * computes status, so the count is made real instead: all ready (kwok readies what is scheduled),
 * none (a node selector no node has), or one (a required anti-affinity on the single node).
 */
function schedulable(obj: CaseObject): { obj: KubeObject; replicas: number; ready: number } {
  const spec = obj.spec as DeploymentSpec;
  const status = obj.status as { readyReplicas?: number } | undefined;
  const replicas = spec.replicas ?? 1;
  const ready = status?.readyReplicas ?? 0;
  const pod = { ...spec.template.spec };
  if (ready === 0) pod.nodeSelector = { "progressive.test/no-such-node": "true" };
  else if (ready === 1 && replicas > 1) {
    pod.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchLabels: spec.selector.matchLabels },
            topologyKey: "kubernetes.io/hostname",
          },
        ],
      },
    };
  } else if (ready !== replicas) {
    throw new Error(`the cluster tier can show 0, 1 or all ready replicas, not ${ready} of ${replicas}`);
  }
  const { status: _status, ...rest } = obj;
  const metadata = { name: obj.metadata.name, namespace: obj.metadata.namespace };
  return {
    obj: { ...rest, metadata, spec: { ...spec, template: { ...spec.template, spec: pod } } },
    replicas,
    ready,
  };
}

function adapter(cluster: TestCluster): KubeTestCluster {
  const { api } = cluster;
  const gone = (kind: string, name: string) =>
    api.waitFor(`${kind} ${NS}/${name} to be deleted`, async () =>
      (await api.get(kind, NS, name)) ? undefined : true,
    );
  return {
    kubeconfig: cluster.kubeconfig,
    async put(obj) {
      if (obj.kind !== "Deployment") {
        await api.put(obj);
        return;
      }
      // Replaced, not updated: a rolling update would keep the old pods ready meanwhile.
      await api.remove("Deployment", NS, obj.metadata.name);
      await gone("Deployment", obj.metadata.name);
      const { obj: real, replicas, ready } = schedulable(obj);
      await api.put(real);
      await api.waitFor(
        `Deployment ${NS}/${obj.metadata.name} at ${ready}/${replicas} ready`,
        async () => {
          const d = await api.get("Deployment", NS, obj.metadata.name);
          const s = d?.status as { replicas?: number; readyReplicas?: number; observedGeneration?: number };
          const generation = (d?.metadata as { generation?: number } | undefined)?.generation;
          return s?.observedGeneration === generation &&
            s?.replicas === replicas &&
            (s?.readyReplicas ?? 0) === ready
            ? true
            : undefined;
        },
        25_000,
      );
    },
    get: async (kind, namespace, name) => (await api.get(kind, namespace, name)) as CaseObject | undefined,
    async remove(kind, namespace, name) {
      await api.remove(kind, namespace, name);
      await gone(kind, name);
    },
    // The namespace goes with the run's cluster.
    close: async () => undefined,
  };
}

describe("cluster: kubernetes routers against a real API server", function () {
  this.timeout(120_000);
  let cluster: TestCluster;

  before(async function () {
    cluster = await requireCluster(this);
    await cluster.createNamespace(NS);
  });

  describeKubernetesRouters("the shared router cases", async () => adapter(cluster));
});
