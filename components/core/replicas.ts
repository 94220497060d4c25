// Replica maths. Stable stays at full size during a canary, so abort is a single weight write
// (Argo Rollouts' default, utils/replicaset/canary.go).

/** Instances of each slot. */
export interface ReplicaCounts {
  readonly stable: number;
  readonly canary: number;
}

/**
 * For routers that split traffic by weight (ingress, Gateway API, load balancers): stable at full
 * size; the candidate gets its share of `replicas`, rounded up, and at least one instance while it
 * exists so header routing and analysis can reach it. No candidate: no candidate instances.
 */
export function weightedReplicaCounts(replicas: number, weight: number, candidate: boolean): ReplicaCounts {
  if (!candidate) return { stable: replicas, canary: 0 };
  return { stable: replicas, canary: Math.max(1, Math.ceil((replicas * weight) / 100)) };
}

/** The share of traffic, 0-100, that `canary` instances get next to `stable` instances behind one balancer. */
export function replicaRatioWeight(counts: ReplicaCounts): number {
  const total = counts.stable + counts.canary;
  return total === 0 ? 0 : (100 * counts.canary) / total;
}

/**
 * For a router that splits by instance count behind one balancer: stable keeps `replicas`, the
 * candidate gets 0..replicas instances (never more than stable, so capacity at most doubles);
 * weight 100 is the exception: the candidate gets `replicas` and stable 0, since no count can
 * reach 100 % otherwise. Picks the count whose share is closest to `weight`.
 */
export function replicaRatioCounts(replicas: number, weight: number): ReplicaCounts {
  if (weight >= 100) return { stable: 0, canary: replicas };
  let best = 0;
  for (let c = 1; c <= replicas; c++) {
    const distance = Math.abs(replicaRatioWeight({ stable: replicas, canary: c }) - weight);
    if (distance < Math.abs(replicaRatioWeight({ stable: replicas, canary: best }) - weight)) best = c;
  }
  return { stable: replicas, canary: best };
}

/** The integer weights a replica-ratio router can represent with `replicas` stable instances (rounded shares). */
export function replicaRatioWeights(replicas: number): number[] {
  const weights = new Set<number>([0, 100]);
  for (let c = 1; c <= replicas; c++)
    weights.add(Math.round(replicaRatioWeight({ stable: replicas, canary: c })));
  return [...weights].sort((a, b) => a - b);
}

/**
 * Maps a list of weights onto the ones a router can represent: each to its nearest, dropping 0 and
 * repeats; the last is always 100. Used for default plans only; explicit steps are validated.
 */
export function snapWeights(weights: readonly number[], representable: readonly number[]): number[] {
  const out: number[] = [];
  for (const w of weights) {
    let best = representable[0] ?? 100;
    for (const r of representable) if (Math.abs(r - w) < Math.abs(best - w)) best = r;
    if (best > 0 && best > (out[out.length - 1] ?? 0)) out.push(best);
  }
  if (out[out.length - 1] !== 100) out.push(100);
  return out;
}

/**
 * Blue-green instances: the active colour at full size; the idle colour at `idleReplicas` when
 * given (the driver sets 0 after the scale-down delay), else full size while it holds a candidate
 * (preview, warm rollback) and 0 when it does not.
 */
export function blueGreenReplicaCounts(
  replicas: number,
  candidate: boolean,
  idleReplicas?: number,
): { readonly active: number; readonly idle: number } {
  return { active: replicas, idle: idleReplicas ?? (candidate ? replicas : 0) };
}
