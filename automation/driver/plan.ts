// The release plan: the traffic states the driver will apply, in order, with the pauses and checks
// between them, and the revert target. Pure: computed from the resolved strategy and the stack's
// current traffic state; `plan` prints it and changes nothing.
import {
  type Check,
  checksSeconds,
  formatCondition,
  promotionSequence,
  type ResolvedStrategy,
  retireIdle,
  switchColors,
  type TrafficState,
} from "../../components/core";
import { ReleaseError } from "./errors";

/** Where an analysis sends its HTTP checks. */
export type CheckTarget = "candidate" | "preview" | "active";

export type PlanAction =
  | { readonly kind: "deploy"; readonly traffic: TrafficState; readonly description: string }
  | { readonly kind: "setWeight"; readonly weight: number; readonly traffic: TrafficState }
  | { readonly kind: "pause"; readonly seconds?: number }
  | { readonly kind: "analysis"; readonly checks: readonly Check[]; readonly target: CheckTarget }
  | { readonly kind: "promote"; readonly traffic: TrafficState; readonly description: string }
  | { readonly kind: "switch"; readonly traffic: TrafficState }
  | { readonly kind: "scaleDown"; readonly afterSeconds: number; readonly traffic: TrafficState };

export interface ReleasePlan {
  readonly stack: string;
  readonly version: string;
  readonly previousVersion: string;
  readonly strategy: ResolvedStrategy;
  readonly actions: readonly PlanAction[];
  /** The state a revert goes back to: the traffic before the release. */
  readonly revertTarget: TrafficState;
  /**
   * Who moves the traffic when it is not the driver, e.g. "ECS (CANARY)" for an ECS-managed
   * service: the driver deploys, watches and stops; the steps are what that controller applies.
   * @default the driver
   */
  readonly managedBy?: string;
  /** Set when the release rolls out a feature flag's variant: the plan speaks of users, not slots. @default a service */
  readonly flag?: string;
  /** Things to know before running it (the program's strategy differs from the deployed one...). @default none */
  readonly notes?: readonly string[];
}

/** A service's plan in a flag's words: variants and shares of users instead of slots and traffic. */
export function asFlagPlan(plan: ReleasePlan, flag: string): ReleasePlan {
  const v = plan.version;
  const words = (a: PlanAction): PlanAction => {
    if (a.kind === "deploy")
      return {
        ...a,
        description: `add ${v} to flag ${flag}, given to no user yet (${plan.previousVersion} for everyone)`,
      };
    if (a.kind !== "promote") return a;
    if (a.traffic.stableVersion === v && a.traffic.candidateVersion === undefined)
      return { ...a, description: `the split removed: ${v} for everyone` };
    if (a.traffic.stableVersion === v)
      return { ...a, description: `${v} becomes the flag's default variant` };
    return { ...a, description: `every user gets ${v}` };
  };
  return { ...plan, flag, actions: plan.actions.map(words) };
}

/** The checks an analysis step names (all of the strategy's when it names none). */
function pick(all: readonly Check[], names: readonly string[]): Check[] {
  return names.length === 0 ? [...all] : all.filter((c) => names.includes(c.name));
}

/** Builds the plan; rejects a version that already serves. */
export function buildPlan(
  stack: string,
  strategy: ResolvedStrategy,
  current: TrafficState,
  version: string,
): ReleasePlan {
  if (version === current.stableVersion) {
    throw new ReleaseError(
      "sameVersion",
      `version ${version} already serves stack ${stack}; give the new version to release (rollback to an older one with progressive rollback)`,
    );
  }
  const revertTarget: TrafficState = {
    stableVersion: current.stableVersion,
    candidateWeight: 0,
    ...(current.activeColor ? { activeColor: current.activeColor } : {}),
  };
  const S = current.stableVersion;
  const actions: PlanAction[] = [];
  switch (strategy.kind) {
    case "canary": {
      actions.push({
        kind: "deploy",
        traffic: { stableVersion: S, candidateVersion: version, candidateWeight: 0 },
        description: `deploy ${version} beside ${S} with no traffic`,
      });
      for (const step of strategy.steps) {
        if (step.kind === "setWeight" && step.weight < 100) {
          actions.push({
            kind: "setWeight",
            weight: step.weight,
            traffic: { stableVersion: S, candidateVersion: version, candidateWeight: step.weight },
          });
        } else if (step.kind === "pause") {
          actions.push({
            kind: "pause",
            ...(step.durationSeconds !== undefined ? { seconds: step.durationSeconds } : {}),
          });
        } else if (step.kind === "analysis") {
          actions.push({ kind: "analysis", checks: pick(strategy.checks, step.checks), target: "candidate" });
        }
      }
      const [all, swap, settle] = promotionSequence({
        stableVersion: S,
        candidateVersion: version,
        candidateWeight: 0,
      });
      if (all) actions.push({ kind: "promote", traffic: all, description: `all traffic to ${version}` });
      if (swap)
        actions.push({
          kind: "promote",
          traffic: swap,
          description: `stable slot takes ${version} while it has no traffic`,
        });
      if (settle)
        actions.push({
          kind: "promote",
          traffic: settle,
          description: `traffic back to the stable slot, candidate slot removed`,
        });
      break;
    }
    case "blueGreen": {
      const active = current.activeColor ?? "blue";
      const deployed: TrafficState = {
        stableVersion: S,
        candidateVersion: version,
        candidateWeight: 0,
        activeColor: active,
      };
      actions.push({
        kind: "deploy",
        traffic: deployed,
        description: `deploy ${version} on the idle colour (preview)`,
      });
      if (strategy.prePromotionChecks.length > 0)
        actions.push({ kind: "analysis", checks: strategy.prePromotionChecks, target: "preview" });
      if (!strategy.autoPromote) actions.push({ kind: "pause" });
      const switched = switchColors(deployed);
      actions.push({ kind: "switch", traffic: switched });
      if (strategy.postPromotionChecks.length > 0)
        actions.push({ kind: "analysis", checks: strategy.postPromotionChecks, target: "active" });
      actions.push({
        kind: "scaleDown",
        afterSeconds: strategy.scaleDownDelaySeconds,
        traffic: retireIdle(switched),
      });
      break;
    }
    case "rolling":
    case "recreate": {
      actions.push({
        kind: "deploy",
        traffic: { stableVersion: version, candidateWeight: 0 },
        description: `${strategy.kind === "rolling" ? "roll" : "recreate"} every instance to ${version}`,
      });
      break;
    }
  }
  return { stack, version, previousVersion: S, strategy, actions, revertTarget };
}

function stepsText(s: ResolvedStrategy): string {
  if (s.kind !== "canary") return "";
  return s.steps
    .map((x) =>
      x.kind === "setWeight"
        ? `${x.weight}%`
        : x.kind === "pause"
          ? `pause${x.durationSeconds === undefined ? "" : ` ${x.durationSeconds}s`}`
          : "analysis",
    )
    .join(", ");
}

/**
 * How the program's strategy differs from the deployed one, in a few words (`steps: 5%, ... -> 20%,
 * 100%`, `kind: canary -> blueGreen`, or the fields that differ); undefined when they are the same.
 */
export function strategyDifference(
  deployed: ResolvedStrategy,
  program: ResolvedStrategy,
): string | undefined {
  if (JSON.stringify(deployed) === JSON.stringify(program)) return undefined;
  if (deployed.kind !== program.kind) return `kind: ${deployed.kind} -> ${program.kind}`;
  const a = deployed as unknown as Record<string, unknown>;
  const b = program as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
  return fields
    .map((k) => (k === "steps" ? `steps: ${stepsText(deployed)} -> ${stepsText(program)}` : `${k} differs`))
    .join("; ");
}

/** One line per action, for `progressive plan` and the release display (`flag`: in a flag's words). */
export function describeAction(a: PlanAction, flag?: string): string {
  switch (a.kind) {
    case "deploy":
    case "promote":
      return `${a.kind === "deploy" ? "deploy" : "promote"}: ${a.description}`;
    case "setWeight":
      return flag
        ? `share: ${a.weight}% of users get ${a.traffic.candidateVersion}`
        : `set weight: ${a.weight}% to ${a.traffic.candidateVersion}`;
    case "pause":
      return a.seconds === undefined ? "pause: wait for `progressive promote`" : `pause: ${a.seconds}s`;
    case "analysis":
      return `analysis on ${a.target}: ${a.checks.map(describeCheck).join("; ") || "no checks"}`;
    case "switch":
      return `switch: traffic to the ${a.traffic.activeColor} colour (${a.traffic.stableVersion})`;
    case "scaleDown":
      return `scale down: after ${a.afterSeconds}s, retire the idle colour`;
  }
}

export function describeCheck(c: Check): string {
  if (c.kind === "http")
    return `${c.name} (GET ${c.path}, ${c.successThreshold} ok / ${c.failureThreshold} failures)`;
  if (c.sequential)
    return `${c.name} (${c.provider}:${c.query} by the sequential test, alpha ${c.sequential.alpha}; polled every ${c.intervalSeconds}s, at most ${c.count}x, reverting as soon as it rejects)`;
  const cond = [
    c.successCondition && `ok ${formatCondition(c.successCondition)}`,
    c.failureCondition && `fail ${formatCondition(c.failureCondition)}`,
  ]
    .filter(Boolean)
    .join(", ");
  return `${c.name} (${c.provider}:${c.query} ${cond}; ${c.count}x every ${c.intervalSeconds}s)`;
}

/**
 * The least time a plan takes when every check passes, in seconds: its timed pauses, its analyses
 * (each as long as its slowest check) and the blue-green scale-down delay. `up`s and manual pauses
 * come on top.
 */
export function planSeconds(p: ReleasePlan): number {
  let total = 0;
  for (const a of p.actions) {
    if (a.kind === "pause") total += a.seconds ?? 0;
    else if (a.kind === "analysis") total += checksSeconds(a.checks);
    else if (a.kind === "scaleDown") total += a.afterSeconds;
  }
  return total;
}

function minutes(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/** The plan as text. */
export function renderPlan(p: ReleasePlan): string {
  const least = planSeconds(p);
  const manual = p.actions.some((a) => a.kind === "pause" && a.seconds === undefined);
  const lines = [
    p.flag
      ? `roll out variant ${p.version} of flag ${p.flag} on stack ${p.stack}, replacing ${p.previousVersion}`
      : `release ${p.version} to stack ${p.stack} (${p.strategy.kind}), replacing ${p.previousVersion}`,
    ...(p.managedBy
      ? [
          `  traffic moved by ${p.managedBy}: the driver deploys, finds the deployment, runs the checks while the new version has traffic and stops it with a rollback on a failure; the steps below are the strategy ${p.managedBy} applies (its bakes for the pauses), not driver steps`,
        ]
      : []),
    ...p.actions.map((a, i) => `  ${String(i + 1).padStart(2)}. ${describeAction(a, p.flag)}`),
    p.flag
      ? `  revert target: ${p.revertTarget.stableVersion} for every user`
      : `  revert target: ${p.revertTarget.stableVersion} with all traffic${p.revertTarget.activeColor ? ` on ${p.revertTarget.activeColor}` : ""}`,
    `  takes at least ${minutes(least)} when every check passes (pauses and analysis windows${manual ? ", plus the wait at each manual pause" : ""}; each step's up comes on top)`,
    ...(p.notes ?? []).map((n) => `  ! ${n}`),
  ];
  return lines.join("\n");
}
