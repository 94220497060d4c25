// Rolling updates on Cloud Run. Cloud Run has no instances to replace one by one: a new revision
// starts beside the old one and traffic moves between them. So a rolling update is modelled as
// linear traffic steps with a bake time between them, generated from the rolling options:
//
//   step size  = the larger of maxSurge and maxUnavailable, as a share of traffic, at least 1 %
//                (counts of instances mean nothing here: the components reject them);
//   weights    = step, 2 x step, ... below 100, then 100;
//   bake time  = readinessDelay, as a pause after each weight below 100 (none when it is 0);
//   deadline   = progressDeadline, unchanged.
//
// Defaults (25 %, 25 %, 30 s) give 25 -> 50 -> 75 -> 100 % with 30 s between steps. The result is
// a canary strategy without checks and without header routing: the release driver plans and
// walks it like any canary (deploy at 0 %, each weight, promotion), and its revert brake is a
// traffic write. Recreate stays recreate: 100 % to the new revision at once.

import { type CanaryStep, type CanaryStrategy, parsePercentOrCount, type RollingStrategy } from "../core";

/** Share of traffic one rolling step moves, in percent (1-100); counts count as 0. */
export function rollingStepPercent(strategy: Pick<RollingStrategy, "maxSurge" | "maxUnavailable">): number {
  const percent = (value: unknown): number => {
    const parsed = parsePercentOrCount(value);
    return parsed?.kind === "percent" ? parsed.value : 0;
  };
  const step = Math.max(percent(strategy.maxSurge), percent(strategy.maxUnavailable));
  return Math.min(100, Math.max(1, step));
}

/** The weights a rolling update walks through, ending at 100. */
export function rollingWeights(stepPercent: number): number[] {
  const step = Math.min(100, Math.max(1, Math.floor(stepPercent)));
  const weights: number[] = [];
  for (let w = step; w < 100; w += step) weights.push(w);
  weights.push(100);
  return weights;
}

/**
 * The canary strategy the driver plans for a rolling update on Cloud Run (see the file comment
 * for the mapping). Registered as the `strategy` of the release, with `kind: "rolling"`.
 */
export function rollingAsCanary(strategy: RollingStrategy): CanaryStrategy {
  const bake = strategy.readinessDelaySeconds;
  const steps: CanaryStep[] = rollingWeights(rollingStepPercent(strategy)).flatMap((weight): CanaryStep[] =>
    weight < 100 && bake > 0
      ? [
          { kind: "setWeight", weight },
          { kind: "pause", durationSeconds: bake },
        ]
      : [{ kind: "setWeight", weight }],
  );
  return { kind: "canary", steps, checks: [], progressDeadlineSeconds: strategy.progressDeadlineSeconds };
}
