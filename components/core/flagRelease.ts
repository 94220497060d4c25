// What every platform's FeatureFlag shares: its arguments, their validation (the flag, the
// strategy, the traffic state whose versions are variant names) and the release contract's
// outputs. A flag rollout is a canary between variants, so the driver releases it like a service.

import * as pulumi from "@pulumi/pulumi";
import { ProgressiveComponent, type ProgressiveType } from "./component";
import type { PlatformName, ReleaseSecrets } from "./contract";
import type { MetricsDescriptor, RouterDescriptor } from "./descriptors";
import { checkFlag, DEFAULT_TARGETING_KEY, type FlagRule, type FlagSpec, type FlagValue } from "./flags";
import { type Problem, problem } from "./problems";
import { type ArgNames, type Release, TRAFFIC_ARG_NAMES, validateRelease } from "./release";
import { type CanaryStrategyInput, Strategy } from "./strategy";
import type { TrafficArgs } from "./trafficConfig";

/** Where the application's per-variant request metrics are, for `provider: "builtin"` checks. */
export interface FlagMetricsArgs {
  /** Counter of requests with the labels `flag`, `variant` and `status`. @default "flag_requests_total" */
  readonly requests?: string;
  /**
   * Base name of a summary or histogram of request durations in seconds (`_sum`, `_count`), labels
   * `flag` and `variant`; false when the application exports none (latency checks then fail to run).
   * @default "flag_request_duration_seconds"
   */
  readonly duration?: string | false;
}

/** Defaults of {@link FlagMetricsArgs}: what the sample app (examples/local-app) exports. */
export const FLAG_METRICS_DEFAULTS = {
  requests: "flag_requests_total",
  duration: "flag_request_duration_seconds",
} as const;

/** Arguments of a FeatureFlag on any platform. */
export interface FeatureFlagArgs extends TrafficArgs {
  /** The flag's key in the store (what the application asks for). @default the component's name */
  readonly key?: string;
  /** Variant name -> JSON value; names are labels such as "on", "off", "blue-button". */
  readonly variants: Readonly<Record<string, FlagValue>>;
  /**
   * The variant everyone gets before any rollout (the "stable version"); read only on the first
   * deploy, like `version`. @default `version`, else "off" when there is such a variant
   */
  readonly defaultVariant?: string;
  /**
   * The variant `progressive release-flag <flag>` rolls out when given no `--variant`.
   * @default the only variant other than the default one, when there are two
   */
  readonly rolloutVariant?: string;
  /** Field of the evaluation context users are bucketed by. @default "targetingKey" */
  readonly targetingKey?: string;
  /** Rules tried before the percentage split (testers, internal users). @default [] */
  readonly rules?: readonly FlagRule[];
  /** Steps and checks. @default Strategy.canary(): 5, 10, 25, 50, 100 % with an analysis after each step */
  readonly strategy?: CanaryStrategyInput;
  /** The application's per-variant metrics in Prometheus, or false for none. @default FLAG_METRICS_DEFAULTS */
  readonly metrics?: FlagMetricsArgs | false;
}

/** The names of {@link FeatureFlagArgs}: each platform's FeatureFlag adds its own to these. */
export const FEATURE_FLAG_ARG_NAMES = {
  ...TRAFFIC_ARG_NAMES,
  key: true,
  variants: true,
  defaultVariant: true,
  rolloutVariant: true,
  targetingKey: true,
  rules: true,
  strategy: true,
  metrics: true,
} as const satisfies ArgNames<FeatureFlagArgs>;

/** A validated flag: its spec, release (strategy, traffic) and the variant to roll out. */
export interface ResolvedFlag {
  readonly spec: FlagSpec & { readonly targetingKey: string };
  readonly release: Release;
  readonly rolloutVariant?: string;
  /** The variant of the first deploy: what the kill switch goes back to after a promotion. */
  readonly offVariant?: string;
  readonly metrics: MetricsDescriptor;
}

/** The first deploy's variant: `version`, `defaultVariant`, else "off" when the flag has one. */
function firstVariant(args: FeatureFlagArgs): string | undefined {
  if (args.version !== undefined) return args.version;
  if (args.defaultVariant !== undefined) return args.defaultVariant;
  return args.variants && Object.hasOwn(args.variants, "off") ? "off" : undefined;
}

/**
 * Validates a FeatureFlag's arguments (flag, strategy, traffic entry) and claims its key on the
 * platform; throws one error listing every problem. `more` adds the platform's own checks.
 */
export function resolveFeatureFlag(
  subject: string,
  name: string,
  args: FeatureFlagArgs,
  platform: PlatformName,
  scope?: unknown,
  more?: (flag: FlagSpec, problems: Problem[]) => void,
  /** Every argument name of the platform's flag args: an unknown key is an error. @default not checked */
  argNames?: Readonly<Record<string, true>>,
): ResolvedFlag {
  const key = args.key ?? name;
  const targetingKey = args.targetingKey ?? DEFAULT_TARGETING_KEY;
  const spec: ResolvedFlag["spec"] = {
    key,
    variants: args.variants,
    targetingKey,
    ...(args.rules ? { rules: args.rules } : {}),
  };
  const version = firstVariant(args);
  const release = validateRelease(
    subject,
    {
      strategy: args.strategy ?? Strategy.canary({ headerRoute: false }),
      ...(argNames ? { args: { value: args, names: argNames } } : {}),
      kinds: ["canary"],
      name,
      traffic: args.traffic,
      ...(version !== undefined ? { version } : {}),
      // A flag's version is the variant of its first deploy; rollouts go through release-flag.
      versionDeclared: false,
      replicas: 1,
    },
    { platform: `${platform}-flag`, ...(scope !== undefined ? { scope } : {}), name: key },
    (r, problems) => {
      const path = r.trafficSource === "config" ? `progressive:traffic.${name}` : "traffic";
      checkFlag(spec, r.traffic, path, problems);
      const names = args.variants && typeof args.variants === "object" ? Object.keys(args.variants) : [];
      for (const field of ["defaultVariant", "rolloutVariant"] as const) {
        const v = args[field];
        if (v !== undefined && !names.includes(v))
          problems.push(
            problem(field, v, "is not one of the flag's variants", `use one of ${names.join(", ")}`),
          );
      }
      more?.(spec, problems);
    },
  );
  const stable = release.traffic.stableVersion;
  const others = Object.keys(args.variants).filter((v) => v !== stable);
  const rolloutVariant = args.rolloutVariant ?? (others.length === 1 ? others[0] : undefined);
  const m = args.metrics === undefined ? {} : args.metrics;
  const metrics: MetricsDescriptor =
    m === false
      ? { kind: "none" }
      : {
          kind: "prometheus-flag",
          flag: key,
          requests: m.requests ?? FLAG_METRICS_DEFAULTS.requests,
          ...(m.duration === false ? {} : { duration: m.duration ?? FLAG_METRICS_DEFAULTS.duration }),
        };
  return {
    spec,
    release,
    ...(rolloutVariant !== undefined ? { rolloutVariant } : {}),
    ...(version !== undefined ? { offVariant: version } : {}),
    metrics,
  };
}

/** Where a FeatureFlag's platform stores the flag. */
export interface FlagStore {
  /** Where the flag lives, as a URI (file://, configmap://, appconfig://...). */
  readonly endpoint: pulumi.Input<string>;
  readonly router: pulumi.Input<RouterDescriptor>;
  /** The resources holding the flag's state. */
  readonly trafficResources: readonly pulumi.Resource[];
  /** @default {} */
  readonly secrets?: pulumi.Input<ReleaseSecrets>;
  /** The component's own outputs. @default {} */
  readonly outputs?: Readonly<Record<string, pulumi.Input<unknown>>>;
}

/** The base of every platform's FeatureFlag: a canary between variants, stepped by the driver. */
export abstract class FeatureFlagComponent extends ProgressiveComponent {
  /** Percentage of users who get the candidate variant. */
  declare readonly candidateWeight: pulumi.Output<number>;
  /** The validated flag: spec, release and variants. */
  protected readonly resolved: ResolvedFlag;

  /** Call with what {@link resolveFeatureFlag} returned: the flag is validated before anything is registered. */
  protected constructor(
    type: ProgressiveType,
    name: string,
    resolved: ResolvedFlag,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, resolved.release, opts);
    this.resolved = resolved;
    this.candidateWeight = pulumi.output(resolved.release.traffic.candidateWeight);
  }

  /**
   * Registers the release: versions are variants, the store is the router, the variant metrics
   * are the metrics, and the flag itself is `release.flag`.
   */
  protected registerFlag(store: FlagStore): void {
    const { spec, rolloutVariant, offVariant, metrics } = this.resolved;
    this.registerRelease({
      service: spec.key,
      endpoint: store.endpoint,
      router: store.router,
      metrics,
      trafficResources: store.trafficResources,
      flag: {
        key: spec.key,
        variants: spec.variants,
        targetingKey: spec.targetingKey,
        ...(rolloutVariant !== undefined ? { rolloutVariant } : {}),
        ...(offVariant !== undefined ? { offVariant } : {}),
      },
      ...(store.secrets !== undefined ? { secrets: store.secrets } : {}),
      ...(store.outputs !== undefined ? { outputs: store.outputs } : {}),
    });
  }
}
