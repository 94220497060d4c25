// Everything a platform component validates before it creates anything: strategy, traffic state,
// health checks, replica count, the router's weights and the name. One call, one error that lists
// every problem.

import * as pulumi from "@pulumi/pulumi";
import type { ReleaseOutputs } from "./contract";
import { type Health, type HealthInput, resolveHealth } from "./health";
import { checkKnownKeys, type Problem, problem, throwIfProblems } from "./problems";
import { claimServiceName, type ServiceKey, serviceNameProblem } from "./registry";
import { hasAnalysis, hasManualPause } from "./steps";
import { type ResolvedStrategy, resolveStrategy, type StrategyInput, type StrategyKind } from "./strategy";
import { checkTraffic, type TrafficEntry } from "./traffic";
import { CONFIG_NAMESPACE, resolveTraffic, TRAFFIC_KEY, type TrafficArgs } from "./trafficConfig";
import { checkWeightSupported, isWeight, type WeightSupport } from "./weight";

/**
 * Every argument name of a component's args type, as an object TypeScript checks is complete (a
 * missing or extra name does not compile), so the list the runtime checks cannot drift from the type.
 */
export type ArgNames<T> = { readonly [K in keyof Required<T>]: true };

/** The names of {@link TrafficArgs}, for components' {@link ArgNames}. */
export const TRAFFIC_ARG_NAMES = { traffic: true, version: true } as const satisfies ArgNames<TrafficArgs>;

/** What a component hands to {@link validateRelease}. */
export interface ReleaseInput {
  /**
   * The component's args as given and every name its type allows: an unknown key (a typo that a
   * spread or plain JavaScript let through) is an error, not silently ignored. @default not checked
   */
  readonly args?: { readonly value: object; readonly names: Readonly<Record<string, true>> };
  /** The strategy as written (the component passes its default when the user gave none). */
  readonly strategy: StrategyInput;
  /** Strategy kinds this component implements. */
  readonly kinds: readonly StrategyKind[];
  /**
   * The explicit traffic state. When undefined and `name` is set, the component's entry of the
   * `progressive:traffic` config is used, else `{ stableVersion: version }`.
   */
  readonly traffic: TrafficEntry | undefined;
  /** The component's Pulumi name, the key of its `progressive:traffic` entry. @default no config entry read */
  readonly name?: string;
  /**
   * The version the program declares: deployed first when there is neither `traffic` nor a config
   * entry; afterwards a version to release (`progressive sync`) when it is not the one running.
   */
  readonly version?: string;
  /**
   * Whether `version` is the program's desired version. False for a feature flag, whose `version`
   * is only the variant of the first deploy. @default true
   */
  readonly versionDeclared?: boolean;
  /** Health checks. @default none */
  readonly health?: HealthInput;
  /** Desired instances. @default 2 */
  readonly replicas?: number;
  /** What the traffic router can do with `replicas` instances; canary only. @default every weight */
  readonly weightSupport?: (replicas: number) => WeightSupport;
}

/** What every service's args give {@link ReleaseInput}. */
export interface ServiceReleaseArgs {
  /** A rolling service's entry may leave out `candidateWeight`: it passes its own `traffic` after these fields. */
  readonly traffic?: Partial<TrafficEntry>;
  readonly version?: string;
  readonly health?: HealthInput;
  readonly replicas?: number;
}

/**
 * The fields of {@link ReleaseInput} a service takes from its args as given: the names it allows,
 * its Pulumi name (the key of its traffic entry), `traffic`, `version`, `health` and `replicas`.
 */
export function serviceReleaseInput(
  name: string,
  args: ServiceReleaseArgs,
  names: Readonly<Record<string, true>>,
): Pick<ReleaseInput, "args" | "name" | "traffic" | "version" | "health" | "replicas"> {
  return {
    args: { value: args, names },
    name,
    // Checked by resolveRelease (checkTraffic) like every traffic state.
    traffic: args.traffic as TrafficEntry | undefined,
    ...(args.version !== undefined ? { version: args.version } : {}),
    ...(args.health !== undefined ? { health: args.health } : {}),
    ...(args.replicas !== undefined ? { replicas: args.replicas } : {}),
  };
}

/** A validated release with every default filled. */
export interface Release {
  readonly strategy: ResolvedStrategy;
  readonly traffic: TrafficEntry;
  /** Where the traffic state came from. */
  readonly trafficSource: ReleaseOutputs["trafficSource"];
  readonly health: Health;
  readonly replicas: number;
  /** The version the program declares, when it declares one (see {@link ReleaseInput.version}). */
  readonly declaredVersion?: string;
}

/** Default instance count: two, so one can restart while the other serves. */
export const DEFAULT_REPLICAS = 2;

const KIND_FACTORY: Record<StrategyKind, string> = {
  canary: "Strategy.canary()",
  blueGreen: "Strategy.blueGreen()",
  rolling: "Strategy.rolling()",
  recreate: "Strategy.recreate()",
};

function checkAutoPromotion(strategy: ResolvedStrategy, health: Health, problems: Problem[]): void {
  if (health.readiness) return;
  if (strategy.kind === "blueGreen" && strategy.autoPromote && strategy.prePromotionChecks.length === 0) {
    problems.push(
      problem(
        "strategy.autoPromote",
        true,
        "switches colours without any check (no prePromotionChecks and no health.readiness)",
        "add strategy.prePromotionChecks or health.readiness, or set autoPromote to false",
      ),
    );
  }
  if (strategy.kind === "canary" && !hasManualPause(strategy.steps) && !hasAnalysis(strategy.steps)) {
    problems.push(
      problem(
        "strategy.steps",
        strategy.steps.length,
        "promotes to 100% without any check (no analysis step, no manual pause and no health.readiness)",
        "add an analysis step, a pause without duration, or health.readiness",
      ),
    );
  }
}

/** Validates a release and fills its defaults; pushes every problem found. */
export function resolveRelease(input: ReleaseInput, problems: Problem[]): Release {
  if (input.args) checkKnownKeys(input.args.value, Object.keys(input.args.names), "", problems);
  const replicas = input.replicas ?? DEFAULT_REPLICAS;
  if (!Number.isInteger(replicas) || replicas < 1) {
    problems.push(
      problem(
        "replicas",
        replicas,
        "must be a whole number of at least 1",
        `use ${DEFAULT_REPLICAS} or more`,
      ),
    );
  }
  const kind = input.strategy?.kind;
  if (kind in KIND_FACTORY && !input.kinds.includes(kind)) {
    const expected = input.kinds.map((k) => KIND_FACTORY[k]).join(" or ");
    problems.push(
      problem("strategy.kind", kind, `is not a strategy this component implements`, `use ${expected}`),
    );
  }
  const support = input.weightSupport?.(
    Number.isInteger(replicas) && replicas >= 1 ? replicas : DEFAULT_REPLICAS,
  );
  const resolved = resolveStrategy(
    input.strategy,
    "strategy",
    problems,
    support ? { weightSupport: support } : {},
  );
  // An unknown kind is reported above; check the rest against the component's own kind.
  const strategy =
    resolved ?? (resolveStrategy({ kind: input.kinds[0] ?? "recreate" }, "", []) as ResolvedStrategy);
  const health = resolveHealth(input.health, "health", problems);
  const before = problems.length;
  const resolvedTraffic =
    input.name !== undefined
      ? resolveTraffic(
          input.name,
          {
            ...(input.traffic ? { traffic: input.traffic } : {}),
            ...(input.version !== undefined ? { version: input.version } : {}),
          },
          problems,
        )
      : { traffic: input.traffic, source: "arg" as const };
  const traffic = resolvedTraffic.traffic as TrafficEntry;
  const trafficPath = resolvedTraffic.source === "config" ? `progressive:traffic.${input.name}` : "traffic";
  if (problems.length === before) checkTraffic(traffic, strategy.kind, trafficPath, problems);
  checkAutoPromotion(strategy, health, problems);
  const weight = traffic?.candidateWeight;
  if (support && strategy.kind === "canary" && isWeight(weight)) {
    checkWeightSupported(weight, support, `${trafficPath}.candidateWeight`, problems);
  }
  const declared =
    input.name !== undefined && input.versionDeclared !== false && resolvedTraffic.source !== "arg"
      ? input.version
      : undefined;
  return {
    strategy,
    traffic,
    trafficSource: resolvedTraffic.source,
    health,
    replicas,
    ...(declared !== undefined ? { declaredVersion: declared } : {}),
  };
}

/**
 * Resolves a release, runs the platform's own checks (`more`), checks the name is free, and throws
 * one ValidationError naming `subject` (e.g. `CanaryService "web"`) when anything is wrong.
 * Claims the name on success.
 */
export function validateRelease(
  subject: string,
  input: ReleaseInput,
  key: ServiceKey,
  more?: (release: Release, problems: Problem[]) => void,
): Release {
  const problems: Problem[] = [];
  const release = resolveRelease(input, problems);
  more?.(release, problems);
  const clash = serviceNameProblem(key);
  if (clash) problems.push(clash);
  throwIfProblems(subject, problems);
  claimServiceName(key, subject);
  const undeployed = undeployedVersionWarning(subject, input.name, release);
  if (undeployed) void pulumi.log.warn(undeployed);
  return release;
}

/**
 * The warning a preview or `up` gives when the program declares a version that does not run (the
 * traffic entry is the truth after the first deploy, so editing `version` alone releases nothing):
 * it names the command that releases it. Undefined when the declared version runs or is the
 * candidate of a release in progress.
 */
export function undeployedVersionWarning(
  subject: string,
  name: string | undefined,
  release: Release,
): string | undefined {
  const declared = release.declaredVersion;
  const t = release.traffic;
  if (declared === undefined || name === undefined || release.trafficSource !== "config") return undefined;
  if (t.stableVersion === declared || t.candidateVersion === declared) return undefined;
  const stack = pulumi.getStack();
  return (
    `${subject} declares version ${declared}, but ${t.stableVersion} runs (${CONFIG_NAMESPACE}:${TRAFFIC_KEY}.${name}); ` +
    `editing version does not release it: run progressive sync --stack ${stack} (or progressive release ${declared} --stack ${stack} --service ${name})`
  );
}
