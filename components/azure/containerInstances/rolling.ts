// Rolling and recreate maths on Container Instances, pure. A roll of N groups (one per replica)
// walks batches of groups; each batch takes two states: "drain" (its groups, still on the old
// version, disabled in the traffic layer) and "replace" (its groups replaced by new ones on the new
// version, enabled again). The driver walks those states as canary weights, so each state is one
// `up`: a group is never replaced in the `up` that takes it out of the layer, and the drain delay
// (cached DNS answers, Front Door propagation) passes in between.
//
//   weight 0            drain batch 1 (the driver's "deploy")
//   weights 1-99        replace 1, drain 2, replace 2, ..., drain B (increasing)
//   weight 100          replace B: every group runs the new version (the driver's promotion)
//
// A middle weight is the new version's real share of the enabled groups, rounded and nudged to
// keep the weights strictly increasing (the last drain serves only new groups, 100 %, shown as 99).

import {
  type CanaryStepInput,
  type CanaryStrategyInput,
  type PercentOrCount,
  type Problem,
  problem,
  type RollingStrategy,
  scalePercentOrCount,
  type TrafficState,
} from "../../core";

/** Most batches a roll can have: its 2B-2 middle states need distinct weights from 1 to 99. */
export const MAX_BATCHES = 50;

/** One state of a roll: the first `replaced` groups run the new version, the next `drained` are out of the layer. */
export interface RollPhase {
  readonly kind: "drain" | "replace";
  /** Batch number, from 1. */
  readonly batch: number;
  /** Groups (from index 0) that run the new version. */
  readonly replaced: number;
  /** Groups after those that still run the old version but are disabled in the layer. */
  readonly drained: number;
  /** The candidate weight that names this state. */
  readonly weight: number;
}

/** What one group runs in a state. */
export interface GroupLayout {
  readonly version: string;
  /** Whether the traffic layer sends it traffic. */
  readonly enabled: boolean;
}

/**
 * Groups replaced per step of a rolling update: maxSurge of the groups (rounded up), or
 * maxUnavailable (rounded down) when maxSurge is 0, as on Container Apps; at least 1, and at most
 * groups - 1 so some group always serves.
 */
export function groupsPerStep(
  strategy: Pick<RollingStrategy, "maxSurge" | "maxUnavailable">,
  groups: number,
) {
  const surge = scalePercentOrCount(strategy.maxSurge, groups, true);
  const unavailable = scalePercentOrCount(strategy.maxUnavailable, groups, false);
  const step = surge > 0 ? surge : unavailable;
  return Math.max(1, Math.min(groups - 1, step));
}

/** The states of a roll of `groups` groups, `perStep` at a time (perStep = groups: recreate). */
export function rollPhases(groups: number, perStep: number): RollPhase[] {
  const batches = Math.ceil(groups / perStep);
  const raw: Omit<RollPhase, "weight">[] = [];
  for (let b = 1; b <= batches; b++) {
    const before = Math.min(groups, (b - 1) * perStep);
    const after = Math.min(groups, b * perStep);
    raw.push({ kind: "drain", batch: b, replaced: before, drained: after - before });
    raw.push({ kind: "replace", batch: b, replaced: after, drained: 0 });
  }
  const middle = raw.length - 2;
  let previous = 0;
  return raw.map((p, i) => {
    if (i === 0) return { ...p, weight: 0 };
    if (i === raw.length - 1) return { ...p, weight: 100 };
    const share = Math.round((100 * p.replaced) / (groups - p.drained));
    const k = i - 1;
    const weight = Math.min(99 - (middle - 1 - k), Math.max(previous + 1, share));
    previous = weight;
    return { ...p, weight };
  });
}

/** Each group's version and layer state for a traffic state; undefined when the weight is not a state of the roll. */
export function rollLayout(state: TrafficState, groups: number, perStep: number): GroupLayout[] | undefined {
  const next = state.candidateVersion;
  if (next === undefined || next === state.stableVersion) {
    return Array.from({ length: groups }, () => ({ version: state.stableVersion, enabled: true }));
  }
  const phase = rollPhases(groups, perStep).find((p) => p.weight === state.candidateWeight);
  if (!phase) return undefined;
  return Array.from({ length: groups }, (_, i) =>
    i < phase.replaced
      ? { version: next, enabled: true }
      : { version: state.stableVersion, enabled: i >= phase.replaced + phase.drained },
  );
}

/**
 * The canary steps the driver walks for a roll: after each drain a pause of `drainSeconds` (the
 * deploy at weight 0 is the first drain), after each replace a pause of `bakeSeconds` (the
 * readiness delay); no analysis. The last step is weight 100 (the last replace).
 */
export function rollSteps(
  groups: number,
  perStep: number,
  drainSeconds: number,
  bakeSeconds: number,
  progressDeadlineSeconds: number,
): CanaryStrategyInput {
  const pause = (seconds: number): CanaryStepInput[] =>
    seconds > 0 ? [{ pause: { duration: Math.ceil(seconds) } }] : [];
  const phases = rollPhases(groups, perStep);
  const steps: CanaryStepInput[] = [];
  for (const p of phases) {
    if (p.weight > 0) steps.push({ setWeight: p.weight });
    if (p.weight < 100) steps.push(...pause(p.kind === "drain" ? drainSeconds : bakeSeconds));
  }
  return { kind: "canary", steps, checks: [], headerRoute: false, progressDeadline: progressDeadlineSeconds };
}

/** Problems of a rolling update's options on `groups` groups; `written` is the strategy as the user gave it. */
export function checkRolling(
  written: { readonly maxUnavailable?: PercentOrCount } | undefined,
  strategy: RollingStrategy,
  groups: number,
  problems: Problem[],
): void {
  if (groups < 2) {
    problems.push(
      problem(
        "replicas",
        groups,
        "must be at least 2 for a rolling update on Container Instances (a group leaves the traffic layer before it is replaced, so one group means downtime)",
        "use replicas: 2 or more, Strategy.recreate() to accept the downtime, or BlueGreenService",
      ),
    );
    return;
  }
  const unavailable = written?.maxUnavailable;
  if (unavailable !== undefined && scalePercentOrCount(unavailable, groups, false) === 0) {
    problems.push(
      problem(
        "strategy.maxUnavailable",
        unavailable,
        `is 0 of ${groups} groups, which Container Instances cannot honour: each step takes its groups out of the traffic layer before replacing them`,
        'use 1 (or a share such as "25%"), or BlueGreenService to replace without taking capacity out',
      ),
    );
  }
  const perStep = groupsPerStep(strategy, groups);
  const batches = Math.ceil(groups / perStep);
  if (batches > MAX_BATCHES) {
    problems.push(
      problem(
        "strategy.maxSurge",
        strategy.maxSurge,
        `replaces ${perStep} of ${groups} groups per step: ${batches} steps, more than the ${MAX_BATCHES} a roll can carry`,
        `use maxSurge ${Math.ceil(groups / MAX_BATCHES)} or more`,
      ),
    );
  }
}
