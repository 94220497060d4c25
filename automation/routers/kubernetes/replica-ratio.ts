// Weight by replica counts: one Service selects the pods of both Deployments, so the canary's
// share is its share of the ready pods. Ready counts (status) are what the Service spreads over;
// the desired counts (spec) say whether the split has settled yet.
import type { RouterDescriptor } from "../../../components/core/contract";
import { writeAndVerify } from "../brake";
import { type Deadline, type RouterControl, type RouterControlOptions, unverified } from "../types";
import { type KubeApis, kubeCall, kubeContext, kubePatch, ref } from "./client";

/** A Deployment's counts, as read from the API. */
export interface ReplicaCounts {
  /** `spec.replicas`. @default 1 (Kubernetes) */
  readonly desired?: number;
  /** `status.readyReplicas`. @default 0 (the API leaves it out when none is ready) */
  readonly ready?: number;
  /** `metadata.generation`, compared with `status.observedGeneration` to spot an unseen spec. */
  readonly generation?: number;
  readonly observedGeneration?: number;
}

/** The canary's share from the two Deployments' counts, or why the split is not settled. */
export function replicaRatioWeight(
  stable: ReplicaCounts,
  canary: ReplicaCounts,
): { readonly weight: number; readonly detail: string } | { readonly reason: string } {
  const count = (c: ReplicaCounts) => ({ desired: c.desired ?? 1, ready: c.ready ?? 0 });
  const s = count(stable);
  const c = count(canary);
  const counts = `stable ${s.ready}/${s.desired} ready, canary ${c.ready}/${c.desired} ready`;
  for (const [role, r] of [
    ["stable", stable],
    ["canary", canary],
  ] as const) {
    if (r.generation !== undefined && (r.observedGeneration ?? 0) < r.generation) {
      return { reason: `the ${role} Deployment has not acted on its latest spec yet (${counts})` };
    }
  }
  if (s.ready !== s.desired || c.ready !== c.desired) {
    return { reason: `not every desired replica is ready yet (${counts})` };
  }
  if (s.ready + c.ready === 0) return { reason: `no replica is ready (${counts})` };
  return { weight: Math.round((100 * c.ready) / (s.ready + c.ready)), detail: counts };
}

type ReplicaDescriptor = Extract<RouterDescriptor, { kind: "kubernetes-replica-ratio" }>;

/** Control of a replica-ratio canary (two Deployments behind one Service). */
export function replicaRatioControl(d: ReplicaDescriptor, o: RouterControlOptions = {}): RouterControl {
  const kube = kubeContext(o);
  const names = {
    stable: `Deployment ${ref(d.namespace, d.stableDeployment)}`,
    canary: `Deployment ${ref(d.namespace, d.canaryDeployment)}`,
    both: `Deployments ${ref(d.namespace, d.stableDeployment)} (stable) and ${d.canaryDeployment} (canary)`,
  };
  const counts = async (apis: KubeApis, dl: Deadline, name: string, what: string): Promise<ReplicaCounts> => {
    const dep = await kubeCall(apis, dl, what, (opts) =>
      apis.apps.readNamespacedDeployment({ name, namespace: d.namespace }, opts),
    );
    return {
      ...(dep.spec?.replicas !== undefined ? { desired: dep.spec.replicas } : {}),
      ...(dep.status?.readyReplicas !== undefined ? { ready: dep.status.readyReplicas } : {}),
      ...(dep.metadata?.generation !== undefined ? { generation: dep.metadata.generation } : {}),
      ...(dep.status?.observedGeneration !== undefined
        ? { observedGeneration: dep.status.observedGeneration }
        : {}),
    };
  };

  return {
    kind: "kubernetes-replica-ratio",

    read(_expect, signal) {
      return kube.read(signal, async (apis, dl) => {
        const stable = await counts(apis, dl, d.stableDeployment, `read ${names.stable}`);
        const canary = await counts(apis, dl, d.canaryDeployment, `read ${names.canary}`);
        const w = replicaRatioWeight(stable, canary);
        if ("reason" in w) return unverified(`${names.both}: ${w.reason}`);
        return { verified: true, candidateWeight: w.weight, detail: w.detail };
      });
    },

    sendAllToStable(_target, _candidateVersion, signal) {
      return kube.brake(signal, (apis, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            // Scaling the canary away with no stable pod ready would leave nothing serving at all.
            const stable = await counts(apis, dl, d.stableDeployment, `read ${names.stable}`);
            if ((stable.ready ?? 0) === 0) {
              return `${names.stable} has no ready replica; scaling the canary to 0 would stop the service`;
            }
            await kubePatch(apis, dl, `scale ${names.canary} to 0`, (opts) =>
              apis.apps.patchNamespacedDeployment(
                { name: d.canaryDeployment, namespace: d.namespace, body: { spec: { replicas: 0 } } },
                opts,
              ),
            );
            return undefined;
          },
          read: () => counts(apis, dl, d.canaryDeployment, `read ${names.canary} back`),
          // The spec is what was written; its pods stop over their grace period, which `read` reports.
          wrong: (after) =>
            after.desired === 0
              ? undefined
              : `${names.canary} read back has spec.replicas ${after.desired ?? "unset (1)"}, not 0`,
        }),
      );
    },
  };
}
