// Strategies: a closed union of four kinds, built by validating factories (`Strategy.canary()`)
// or written as plain objects with a `kind` (stack config). Components resolve them with
// `resolveStrategy`, which fills every default once and collects every problem.

import { DEFAULT_CANARY_CHECKS } from "./analysis";
import { type Check, type CheckInput, resolveChecks } from "./checks";
import { checkDuration, type DurationInput } from "./duration";
import { checkKnownKeys, joinPath, type Problem, problem, validated } from "./problems";
import { snapWeights } from "./replicas";
import {
  type CanaryStep,
  type CanaryStepInput,
  DEFAULT_CANARY_WEIGHTS,
  resolveSteps,
  stepsForWeights,
} from "./steps";
import { checkPercentOrCount, type PercentOrCount, type WeightSupport } from "./weight";

/** The strategy kinds. */
export type StrategyKind = "canary" | "blueGreen" | "rolling" | "recreate";

/** A header that sends a tester's request to the candidate whatever the weight. */
export interface HeaderRoute {
  /** Header name. @default "X-Canary" */
  readonly name?: string;
  /** Header value. @default "true" */
  readonly value?: string;
}

/** Options every strategy shares. */
interface CommonProps {
  /** Longest wait for new instances to become ready; the driver reverts when it passes. @default "300s" */
  readonly progressDeadline?: DurationInput;
}

/** Canary options. */
export interface CanaryProps extends CommonProps {
  /** Ordered steps. @default 5, 10, 25, 50, 100 with an analysis after each weight below 100 */
  readonly steps?: readonly CanaryStepInput[];
  /** Checks that analysis steps run, by name. @default DEFAULT_CANARY_CHECKS (seed gates and triggers) */
  readonly checks?: readonly CheckInput[];
  /** Header routing for testers, or false for none. @default { name: "X-Canary", value: "true" } */
  readonly headerRoute?: HeaderRoute | false;
}

/** Blue-green options. */
export interface BlueGreenProps extends CommonProps {
  /** Expose the idle colour on a preview endpoint. @default true */
  readonly previewService?: boolean;
  /** Switch colours as soon as the pre-promotion checks pass, without a manual promote. @default false */
  readonly autoPromote?: boolean;
  /** How long the old colour stays at full size after a switch, so rollback is one switch. @default "30s" */
  readonly scaleDownDelay?: DurationInput;
  /** Checks run against the preview before the switch. @default [] */
  readonly prePromotionChecks?: readonly CheckInput[];
  /** Checks run against the active colour after the switch; failure switches back. @default [] */
  readonly postPromotionChecks?: readonly CheckInput[];
}

/** Rolling update options. */
export interface RollingProps extends CommonProps {
  /** Instances above the desired count during the update. @default "25%" */
  readonly maxSurge?: PercentOrCount;
  /** Instances below the desired count during the update. @default "25%" */
  readonly maxUnavailable?: PercentOrCount;
  /** Time a new instance must stay ready before it counts as available. @default "30s" */
  readonly readinessDelay?: DurationInput;
}

/** Recreate options: stop every old instance, then start the new ones. */
export type RecreateProps = CommonProps;

/** A canary strategy as written. */
export type CanaryStrategyInput = { readonly kind: "canary" } & CanaryProps;
/** A blue-green strategy as written. */
export type BlueGreenStrategyInput = { readonly kind: "blueGreen" } & BlueGreenProps;
/** A rolling strategy as written. */
export type RollingStrategyInput = { readonly kind: "rolling" } & RollingProps;
/** A recreate strategy as written. */
export type RecreateStrategyInput = { readonly kind: "recreate" } & RecreateProps;
/** Any strategy as written. */
export type StrategyInput =
  | CanaryStrategyInput
  | BlueGreenStrategyInput
  | RollingStrategyInput
  | RecreateStrategyInput;

/** A resolved canary strategy: durations in seconds, defaults filled. */
export interface CanaryStrategy {
  readonly kind: "canary";
  readonly steps: readonly CanaryStep[];
  readonly checks: readonly Check[];
  readonly headerRoute?: { readonly name: string; readonly value: string };
  readonly progressDeadlineSeconds: number;
}
/** A resolved blue-green strategy. */
export interface BlueGreenStrategy {
  readonly kind: "blueGreen";
  readonly previewService: boolean;
  readonly autoPromote: boolean;
  readonly scaleDownDelaySeconds: number;
  readonly prePromotionChecks: readonly Check[];
  readonly postPromotionChecks: readonly Check[];
  readonly progressDeadlineSeconds: number;
}
/** A resolved rolling strategy. */
export interface RollingStrategy {
  readonly kind: "rolling";
  readonly maxSurge: PercentOrCount;
  readonly maxUnavailable: PercentOrCount;
  readonly readinessDelaySeconds: number;
  readonly progressDeadlineSeconds: number;
}
/** A resolved recreate strategy. */
export interface RecreateStrategy {
  readonly kind: "recreate";
  readonly progressDeadlineSeconds: number;
}
/** Any resolved strategy. */
export type ResolvedStrategy = CanaryStrategy | BlueGreenStrategy | RollingStrategy | RecreateStrategy;

/** Defaults from the seed document and Argo Rollouts. */
export const STRATEGY_DEFAULTS = {
  progressDeadline: 300,
  scaleDownDelay: 30,
  maxSurge: "25%",
  maxUnavailable: "25%",
  readinessDelay: 30,
  headerRoute: { name: "X-Canary", value: "true" },
} as const;

/** The fields each kind takes as written; any other key is a problem (a misspelt option would otherwise fall back to its default). */
const STRATEGY_FIELDS: Readonly<Record<StrategyKind, readonly string[]>> = {
  canary: ["kind", "steps", "checks", "headerRoute", "progressDeadline"],
  blueGreen: [
    "kind",
    "previewService",
    "autoPromote",
    "scaleDownDelay",
    "prePromotionChecks",
    "postPromotionChecks",
    "progressDeadline",
  ],
  rolling: ["kind", "maxSurge", "maxUnavailable", "readinessDelay", "progressDeadline"],
  recreate: ["kind", "progressDeadline"],
};

/** Options of {@link resolveStrategy}. */
export interface ResolveStrategyOptions {
  /**
   * What the traffic router can do: explicit canary weights it cannot represent are rejected, and
   * the default weights are moved to the nearest ones it can. @default every weight 0-100
   */
  readonly weightSupport?: WeightSupport;
}

function deadline(input: CommonProps, path: string, problems: Problem[]): number {
  const at = joinPath(path, "progressDeadline");
  return (
    checkDuration(input.progressDeadline ?? STRATEGY_DEFAULTS.progressDeadline, at, problems, {
      positive: true,
    }) ?? 0
  );
}

function resolveCanary(
  input: CanaryStrategyInput,
  path: string,
  problems: Problem[],
  o: ResolveStrategyOptions,
): CanaryStrategy {
  const checks = resolveChecks(input.checks ?? DEFAULT_CANARY_CHECKS, joinPath(path, "checks"), problems);
  const representable = o.weightSupport?.weights;
  const weights = representable ? snapWeights(DEFAULT_CANARY_WEIGHTS, representable) : DEFAULT_CANARY_WEIGHTS;
  const stepInputs = input.steps ?? stepsForWeights(weights);
  const names = checks.map((c) => c.name);
  const steps = resolveSteps(stepInputs, names, joinPath(path, "steps"), problems, o.weightSupport);
  let headerRoute: CanaryStrategy["headerRoute"];
  if (input.headerRoute !== false) {
    checkKnownKeys(input.headerRoute, ["name", "value"], joinPath(path, "headerRoute"), problems);
    headerRoute = { ...STRATEGY_DEFAULTS.headerRoute, ...(input.headerRoute ?? {}) };
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(headerRoute.name)) {
      const at = joinPath(path, "headerRoute.name");
      problems.push(
        problem(at, headerRoute.name, "is not a valid HTTP header name", 'use a name such as "X-Canary"'),
      );
    }
  }
  return {
    kind: "canary",
    steps,
    checks,
    ...(headerRoute ? { headerRoute } : {}),
    progressDeadlineSeconds: deadline(input, path, problems),
  };
}

function resolveBlueGreen(
  input: BlueGreenStrategyInput,
  path: string,
  problems: Problem[],
): BlueGreenStrategy {
  const delay = input.scaleDownDelay ?? STRATEGY_DEFAULTS.scaleDownDelay;
  return {
    kind: "blueGreen",
    previewService: input.previewService ?? true,
    autoPromote: input.autoPromote ?? false,
    scaleDownDelaySeconds: checkDuration(delay, joinPath(path, "scaleDownDelay"), problems) ?? 0,
    prePromotionChecks: resolveChecks(
      input.prePromotionChecks ?? [],
      joinPath(path, "prePromotionChecks"),
      problems,
    ),
    postPromotionChecks: resolveChecks(
      input.postPromotionChecks ?? [],
      joinPath(path, "postPromotionChecks"),
      problems,
    ),
    progressDeadlineSeconds: deadline(input, path, problems),
  };
}

function resolveRolling(input: RollingStrategyInput, path: string, problems: Problem[]): RollingStrategy {
  const maxSurge = input.maxSurge ?? STRATEGY_DEFAULTS.maxSurge;
  const maxUnavailable = input.maxUnavailable ?? STRATEGY_DEFAULTS.maxUnavailable;
  const surge = checkPercentOrCount(maxSurge, joinPath(path, "maxSurge"), problems);
  const unavailable = checkPercentOrCount(maxUnavailable, joinPath(path, "maxUnavailable"), problems);
  if (surge?.value === 0 && unavailable?.value === 0) {
    problems.push(
      problem(
        joinPath(path, "maxUnavailable"),
        maxUnavailable,
        "must not be 0 when maxSurge is also 0 (no instance could ever be replaced)",
        'set maxSurge or maxUnavailable above 0, such as "25%"',
      ),
    );
  }
  const readinessDelay = input.readinessDelay ?? STRATEGY_DEFAULTS.readinessDelay;
  const progressDeadlineSeconds = deadline(input, path, problems);
  const readinessDelaySeconds =
    checkDuration(readinessDelay, joinPath(path, "readinessDelay"), problems) ?? 0;
  if (readinessDelaySeconds >= progressDeadlineSeconds && progressDeadlineSeconds > 0) {
    problems.push(
      problem(
        joinPath(path, "progressDeadline"),
        input.progressDeadline ?? progressDeadlineSeconds,
        `must be longer than readinessDelay (${readinessDelaySeconds}s), or no update can finish in time`,
        "lengthen progressDeadline or shorten readinessDelay",
      ),
    );
  }
  return { kind: "rolling", maxSurge, maxUnavailable, readinessDelaySeconds, progressDeadlineSeconds };
}

/** Validates a strategy as written and fills its defaults; pushes every problem found. */
export function resolveStrategy(
  input: StrategyInput,
  path: string,
  problems: Problem[],
  options: ResolveStrategyOptions = {},
): ResolvedStrategy | undefined {
  if (Object.hasOwn(STRATEGY_FIELDS, input?.kind))
    checkKnownKeys(input, STRATEGY_FIELDS[input.kind], path, problems);
  switch (input?.kind) {
    case "canary":
      return resolveCanary(input, path, problems, options);
    case "blueGreen":
      return resolveBlueGreen(input, path, problems);
    case "rolling":
      return resolveRolling(input, path, problems);
    case "recreate":
      return { kind: "recreate", progressDeadlineSeconds: deadline(input, path, problems) };
    default: {
      const kind = (input as { kind?: unknown } | undefined)?.kind;
      const fix =
        "build it with Strategy.canary(), Strategy.blueGreen(), Strategy.rolling() or Strategy.recreate()";
      problems.push(
        problem(joinPath(path, "kind"), kind, 'must be "canary", "blueGreen", "rolling" or "recreate"', fix),
      );
      return undefined;
    }
  }
}

function build<T extends StrategyInput>(input: T): T {
  return Object.freeze(input);
}

/**
 * Strategy factories. A strategy is validated by the component that receives it, so every problem
 * is reported under that component's name (`invalid CanaryService "web": strategy.steps[1]...`)
 * with the component's own limits (its kinds, what its router can weigh); `Strategy.check`
 * validates one on its own.
 */
export const Strategy = {
  /** Validates a strategy outside any component; throws one ValidationError listing every problem. */
  check(strategy: StrategyInput): ResolvedStrategy {
    return validated(`${strategy?.kind ?? "unknown"} strategy`, (problems) =>
      resolveStrategy(strategy, "strategy", problems),
    ) as ResolvedStrategy;
  },
  canary(props: CanaryProps = {}): CanaryStrategyInput {
    return build({ kind: "canary", ...props });
  },
  blueGreen(props: BlueGreenProps = {}): BlueGreenStrategyInput {
    return build({ kind: "blueGreen", ...props });
  },
  rolling(props: RollingProps = {}): RollingStrategyInput {
    return build({ kind: "rolling", ...props });
  },
  recreate(props: RecreateProps = {}): RecreateStrategyInput {
    return build({ kind: "recreate", ...props });
  },
} as const;
