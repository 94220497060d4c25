// What an ECS deployment means for the checks: which traffic the new revision has at a lifecycle
// stage (test or production), the checks a strategy runs in each window, the metrics descriptor
// of one deployment (target groups by the role running the new revision), and how long the
// deployment may run.
import { type Check, checksSeconds, type MetricsDescriptor } from "../../../components/core";
import type { ReleasePlan } from "../../driver/plan";
import {
  type EcsServiceDeployment,
  isFinished,
  isRollback,
  requestedWeight,
} from "../../routers/aws/ecs-deployment";

/** When the checks of a strategy run: while the new revision has test traffic, or production traffic. */
export type EcsTrafficWindow = "test" | "production";

const PRODUCTION_STAGES = ["PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME"];
// PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage only: a deployment never reports it.
const TEST_STAGES = ["POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT"];

/** Which traffic the new revision has in `dep`: production, test only, or none yet (or any more). */
export function trafficWindow(dep: EcsServiceDeployment): EcsTrafficWindow | undefined {
  if (isFinished(dep.status) || isRollback(dep.status) || dep.status === "STOP_REQUESTED") return undefined;
  const stage = dep.lifecycleStage ?? "";
  if ((requestedWeight(dep) ?? 0) > 0 || PRODUCTION_STAGES.includes(stage)) return "production";
  if (TEST_STAGES.includes(stage)) return "test";
  return undefined;
}

/** The checks a strategy runs in a window, and what their HTTP requests go to. */
export function checksFor(
  strategy: ReleasePlan["strategy"],
  window: EcsTrafficWindow,
): { checks: readonly Check[]; target: "candidate" | "active" } {
  if (strategy.kind === "blueGreen")
    return window === "test"
      ? { checks: strategy.prePromotionChecks, target: "candidate" }
      : { checks: strategy.postPromotionChecks, target: "active" };
  if (strategy.kind !== "canary" || window === "test") return { checks: [], target: "candidate" };
  // Every check an analysis step names (a step naming none runs them all), once each.
  const named = new Set<string>();
  for (const step of strategy.steps) {
    if (step.kind !== "analysis") continue;
    for (const c of step.checks.length === 0
      ? strategy.checks
      : strategy.checks.filter((x) => step.checks.includes(x.name)))
      named.add(c.name);
  }
  return { checks: strategy.checks.filter((c) => named.has(c.name)), target: "candidate" };
}

/**
 * The metrics descriptor the builtin checks read during one deployment: the component registers
 * its target groups by ECS role ("primary"/"alternate"), and which role runs the new revision
 * changes with each deployment, so the slots become "canary" (the new revision's role) and
 * "stable" (the other). An unknown role names no slot: the builtin checks then read no data.
 */
export function deploymentMetrics(
  metrics: MetricsDescriptor,
  candidateRole: string | undefined,
): MetricsDescriptor {
  if (metrics.kind !== "cloudwatch-alb") return metrics;
  const roles = Object.keys(metrics.targetGroups);
  const other = roles.find((r) => r !== candidateRole);
  const canary = candidateRole !== undefined ? metrics.targetGroups[candidateRole] : undefined;
  const stable = other !== undefined ? metrics.targetGroups[other] : undefined;
  return {
    ...metrics,
    targetGroups: canary !== undefined && stable !== undefined ? { canary, stable } : {},
  };
}

/** The role of the target group running the new revision, from the production rule at the start. */
export function candidateRoleOf(
  shares: Readonly<Record<string, number>>,
  dep: EcsServiceDeployment,
): string | undefined {
  const roles = Object.keys(shares);
  // Before the production shift all traffic is on the old revision's group.
  const serving = roles.find((r) => shares[r] === 100);
  if (serving !== undefined) return roles.find((r) => r !== serving);
  // Mid-shift (a resume without the record): the group holding exactly ECS's asked weight.
  const w = requestedWeight(dep);
  if (w === undefined || w === 50) return undefined;
  return roles.find((r) => shares[r] === w);
}

/** How long a deployment of `strategy` may run, in seconds (before the margin). */
export function deploymentBudgetSeconds(strategy: ReleasePlan["strategy"]): number {
  const seconds = checksSeconds;
  if (strategy.kind === "canary") {
    const pauses = strategy.steps.reduce(
      (sum, s) =>
        sum +
        (s.kind === "pause"
          ? (s.durationSeconds ?? 0)
          : s.kind === "analysis"
            ? seconds(
                s.checks.length === 0
                  ? strategy.checks
                  : strategy.checks.filter((c) => s.checks.includes(c.name)),
              )
            : 0),
      0,
    );
    return pauses + strategy.progressDeadlineSeconds;
  }
  if (strategy.kind === "blueGreen")
    return (
      strategy.scaleDownDelaySeconds +
      seconds(strategy.prePromotionChecks) +
      seconds(strategy.postPromotionChecks) +
      strategy.progressDeadlineSeconds
    );
  return strategy.progressDeadlineSeconds;
}
