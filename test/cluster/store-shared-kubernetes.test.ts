// Two "machines" sharing a release store in the Kubernetes API (the cluster tier's real API server):
// the two-machine scenarios of test/support/shared-store.ts with journals in ConfigMaps and every
// lock a coordination.k8s.io/v1 Lease. The store going away is shown on S3 (the cluster is shared
// by the whole tier and is not stopped mid-run).
import { requireCluster } from "../support/cluster";
import { describeSharedStore } from "../support/shared-store";

describeSharedStore(
  "release state shared by two machines: the Kubernetes API (cluster tier)",
  async (ctx) => {
    const cluster = await requireCluster(ctx);
    const ns = `releases-${Math.random().toString(36).slice(2, 8)}`;
    await cluster.createNamespace(ns);
    return { url: `k8s://${ns}?kubeconfig=${cluster.kubeconfigPath}`, stop: async () => undefined };
  },
  ["pause", "kill", "race", "history", "flag"],
);
