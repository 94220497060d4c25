// Feature flags released like canaries: a flag's rollout is a traffic state whose "versions" are
// variant names (stableVersion = the variant everyone gets, candidateVersion = the variant being
// rolled out, candidateWeight = the share of users who get it). These pure functions turn that
// state into each store's format (flagd, AWS AppConfig, Azure App Configuration) and read a flagd
// definition back, so the driver can verify what a store serves.
//
// flagd's `fractional` buckets a user by murmur3(flagKey + targetingKey) into the cumulative
// weights in order, so listing the rollout variant FIRST means a user who had it at 10 % keeps it
// at 25 %: raising its weight only moves the boundary up.

import { joinPath, type Problem, problem } from "./problems";
import type { TrafficState } from "./traffic";
import { VERSION_PATTERN } from "./traffic";

/** A flag variant's value: any JSON value. */
export type FlagValue =
  | string
  | number
  | boolean
  | null
  | readonly FlagValue[]
  | { readonly [key: string]: FlagValue };

/** A JSONLogic expression (flagd's targeting language). */
export type JsonLogic = FlagValue;

/** A targeting rule tried before the percentage split: users matching `when` get `variant`. */
export interface FlagRule {
  /** JSONLogic condition over the evaluation context, e.g. `{"in": [{"var": "email"}, ["a@b.c"]]}`. */
  readonly when: JsonLogic;
  /** Variant the matching users get. */
  readonly variant: string;
}

/** A flag as the components take it, without its rollout state. */
export interface FlagSpec {
  /** The flag's key in the store and in the application's `getBooleanValue("<key>", ...)`. */
  readonly key: string;
  /** Variant name -> value. Names are version labels, as the traffic state names them. */
  readonly variants: Readonly<Record<string, FlagValue>>;
  /** Field of the evaluation context users are bucketed by. @default "targetingKey" */
  readonly targetingKey?: string;
  /** Rules tried in order before the split. @default [] */
  readonly rules?: readonly FlagRule[];
}

/** The evaluation-context field flagd's `fractional` reads when given no bucketing expression. */
export const DEFAULT_TARGETING_KEY = "targetingKey";

/** The flagd file's schema, named in every file written. */
export const FLAGD_SCHEMA = "https://flagd.dev/schema/v0/flags.json";

/** A flag key: 1-63 letters, digits, `.`, `_`, `-`, starting with a letter. */
export const FLAG_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,62}$/;

/** One flag in flagd's format. */
export interface FlagdFlag {
  readonly state: "ENABLED" | "DISABLED";
  readonly variants: Readonly<Record<string, FlagValue>>;
  readonly defaultVariant: string;
  readonly targeting?: JsonLogic;
}

/** A flagd flag file. */
export interface FlagdDocument {
  readonly $schema?: string;
  readonly flags: Readonly<Record<string, FlagdFlag>>;
}

/** The variant everyone outside the split gets: the candidate at 100 %, else the stable one. */
export function servedVariant(traffic: TrafficState): string {
  return traffic.candidateVersion !== undefined && traffic.candidateWeight >= 100
    ? traffic.candidateVersion
    : traffic.stableVersion;
}

/** Whether the state splits users between two variants (0 < weight < 100, with a candidate). */
export function isSplit(traffic: TrafficState): traffic is TrafficState & { candidateVersion: string } {
  return (
    traffic.candidateVersion !== undefined &&
    traffic.candidateVersion !== traffic.stableVersion &&
    traffic.candidateWeight > 0 &&
    traffic.candidateWeight < 100
  );
}

/**
 * flagd's `fractional` for a state: the rollout variant first (so users keep it as it grows),
 * bucketed by flagKey + targetingKey (flagd's default when the context field is `targetingKey`,
 * else the same concatenation spelled out).
 */
export function fractionalRule(
  spec: Pick<FlagSpec, "key" | "targetingKey">,
  traffic: TrafficState & { candidateVersion: string },
): JsonLogic {
  const field = spec.targetingKey ?? DEFAULT_TARGETING_KEY;
  const buckets: JsonLogic[] = [
    [traffic.candidateVersion, traffic.candidateWeight],
    [traffic.stableVersion, 100 - traffic.candidateWeight],
  ];
  if (field === DEFAULT_TARGETING_KEY) return { fractional: buckets };
  return { fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: field }] }, ...buckets] };
}

/** The flag in flagd's format for a traffic state: rules first, then the split (none at 0 % or 100 %). */
export function flagdFlag(spec: FlagSpec, traffic: TrafficState): FlagdFlag {
  const served = servedVariant(traffic);
  const split = isSplit(traffic) ? fractionalRule(spec, traffic) : undefined;
  const rules = spec.rules ?? [];
  let targeting: JsonLogic | undefined = split;
  if (rules.length > 0) {
    const chain: JsonLogic[] = rules.flatMap((r) => [r.when, r.variant]);
    // The last `if` branch: the split, or the served variant (a string is a variant name to flagd).
    chain.push(split ?? served);
    targeting = { if: chain };
  }
  return {
    state: "ENABLED",
    variants: spec.variants,
    defaultVariant: served,
    ...(targeting !== undefined ? { targeting } : {}),
  };
}

/** A flagd file holding the given flags. */
export function flagdDocument(flags: Readonly<Record<string, FlagdFlag>>): FlagdDocument {
  return { $schema: FLAGD_SCHEMA, flags };
}

/** The text of a flagd file: the document as indented JSON and a final newline. */
export function flagdText(doc: FlagdDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Finds the first `fractional` operator anywhere in a JSONLogic tree. */
function findFractional(logic: unknown): unknown[] | undefined {
  if (Array.isArray(logic)) {
    for (const item of logic) {
      const found = findFractional(item);
      if (found) return found;
    }
    return undefined;
  }
  if (logic && typeof logic === "object") {
    const o = logic as Record<string, unknown>;
    if (Array.isArray(o.fractional)) return o.fractional;
    for (const v of Object.values(o)) {
      const found = findFractional(v);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The percentage of users a flagd flag gives `variant` outside the rules: its share of the
 * `fractional` weights when there is a split, else 100 when it is the default variant and 0 when
 * not. A disabled flag gives 0. Throws when the document has no such flag.
 */
export function flagdRolloutPercent(doc: unknown, key: string, variant: string): number {
  const flags = (doc as { flags?: Record<string, unknown> } | null)?.flags;
  const flag = flags?.[key] as Partial<FlagdFlag> | undefined;
  if (!flag || typeof flag !== "object") throw new Error(`the flag file has no flag "${key}"`);
  if (flag.state === "DISABLED") return 0;
  const fractional = findFractional(flag.targeting);
  if (fractional) {
    let total = 0;
    let mine = 0;
    for (const entry of fractional) {
      if (!Array.isArray(entry)) continue; // the bucketing expression
      const weight = entry.length >= 2 && typeof entry[1] === "number" ? Math.max(0, entry[1]) : 1;
      total += weight;
      if (entry[0] === variant) mine += weight;
    }
    return total > 0 ? Math.round((mine / total) * 100) : 0;
  }
  return flag.defaultVariant === variant ? 100 : 0;
}

/** Validates a flag spec and the variants a traffic state names; pushes every problem found. */
export function checkFlag(
  spec: FlagSpec,
  traffic: TrafficState | undefined,
  trafficPath: string,
  problems: Problem[],
): void {
  if (typeof spec.key !== "string" || !FLAG_KEY_PATTERN.test(spec.key)) {
    problems.push(
      problem(
        "key",
        spec.key,
        "is not a flag key",
        'use 1-63 letters, digits, ".", "_" or "-", starting with a letter, e.g. "new-checkout"',
      ),
    );
  }
  const variants = spec.variants;
  if (!variants || typeof variants !== "object" || Array.isArray(variants)) {
    problems.push(problem("variants", variants, "must be an object", "pass { on: true, off: false }"));
    return;
  }
  const names = Object.keys(variants);
  if (names.length < 2) {
    problems.push(
      problem(
        "variants",
        names,
        "must name at least two variants (the default and the one rolled out)",
        "pass { on: true, off: false }",
      ),
    );
  }
  for (const name of names) {
    if (!VERSION_PATTERN.test(name)) {
      problems.push(
        problem(
          joinPath("variants", name),
          name,
          "is not a variant name",
          'use a label such as "on" or "blue-button" (letters, digits, ".", "_", "-"; at most 63 characters)',
        ),
      );
    }
  }
  if (
    spec.targetingKey !== undefined &&
    (typeof spec.targetingKey !== "string" || spec.targetingKey === "")
  ) {
    problems.push(
      problem("targetingKey", spec.targetingKey, "must be a field name", 'use "targetingKey" or "userId"'),
    );
  }
  (spec.rules ?? []).forEach((rule, i) => {
    if (!names.includes(rule?.variant)) {
      problems.push(
        problem(
          `rules[${i}].variant`,
          rule?.variant,
          "is not one of the flag's variants",
          `use one of ${names.join(", ")}`,
        ),
      );
    }
  });
  if (!traffic) return;
  for (const field of ["stableVersion", "candidateVersion"] as const) {
    const v = traffic[field];
    if (v !== undefined && !names.includes(v)) {
      problems.push(
        problem(
          joinPath(trafficPath, field),
          v,
          "is not one of the flag's variants",
          `use one of ${names.join(", ")}`,
        ),
      );
    }
  }
}

/** The AWS AppConfig feature-flag profile type. */
export const APPCONFIG_FEATURE_FLAGS = "AWS.AppConfig.FeatureFlags";

/** An AppConfig flag key: what `AWS.AppConfig.FeatureFlags` accepts. */
export const APPCONFIG_KEY_PATTERN = /^[a-z][a-zA-Z\d_-]{0,63}$/;

/**
 * The flag as an `AWS.AppConfig.FeatureFlags` document (schema version 1). AppConfig flags carry
 * attributes, not one JSON value, so each variant becomes the attributes `variant` (its name) and
 * `value` (its value as JSON text). A split is a multi-variant flag: the rollout variant first with
 * the rule `(split by::$<targetingKey> pct::<weight>)` (consistent hashing: the users inside a
 * smaller percentage stay inside a larger one), then the default variant, which has no rule. At 0 %
 * or 100 % the flag has one value and no variants. `_enabled` is false only for a variant whose
 * value is `false`, so boolean flags read naturally with AppConfig's own SDKs.
 */
export function appConfigFeatureFlags(spec: FlagSpec, traffic: TrafficState): Record<string, unknown> {
  const field = spec.targetingKey ?? DEFAULT_TARGETING_KEY;
  const attrs = (variant: string) => ({
    variant,
    value: JSON.stringify(spec.variants[variant] ?? null),
  });
  const enabled = (variant: string) => spec.variants[variant] !== false;
  const served = servedVariant(traffic);
  const value: Record<string, unknown> = { _enabled: enabled(served), ...attrs(served) };
  if (isSplit(traffic)) {
    value._variants = [
      {
        name: traffic.candidateVersion,
        enabled: enabled(traffic.candidateVersion),
        rule: `(split by::$${field} pct::${traffic.candidateWeight})`,
        attributeValues: attrs(traffic.candidateVersion),
      },
      {
        name: traffic.stableVersion,
        enabled: enabled(traffic.stableVersion),
        attributeValues: attrs(traffic.stableVersion),
      },
    ];
  }
  return {
    version: "1",
    flags: {
      [spec.key]: {
        name: spec.key,
        attributes: {
          variant: { constraints: { type: "string", enum: Object.keys(spec.variants) } },
          value: { constraints: { type: "string" } },
        },
      },
    },
    values: { [spec.key]: value },
  };
}

/** Key prefix of feature flags in Azure App Configuration. */
export const AZURE_FEATURE_FLAG_PREFIX = ".appconfig.featureflag/";
/** Content type of a feature flag in Azure App Configuration. */
export const AZURE_FEATURE_FLAG_CONTENT_TYPE = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";

/** The percentage of users (outside the rules) a traffic state gives `variant`. */
export function variantShare(traffic: TrafficState, variant: string): number {
  if (isSplit(traffic)) {
    if (variant === traffic.candidateVersion) return traffic.candidateWeight;
    if (variant === traffic.stableVersion) return 100 - traffic.candidateWeight;
    return 0;
  }
  return servedVariant(traffic) === variant ? 100 : 0;
}

/**
 * The flag as an Azure App Configuration feature flag (Microsoft feature management schema). Those
 * flags are on or off, so the flag is "enabled" for the users who get `onVariant`: at 0 % it is
 * disabled; in a split it is enabled with the `Microsoft.Targeting` filter at
 * `DefaultRolloutPercentage` = that share (the SDKs bucket by the targeting context's user id,
 * consistently); at 100 % it is enabled with no filter.
 */
export function azureFeatureFlag(
  spec: Pick<FlagSpec, "key">,
  traffic: TrafficState,
  onVariant: string,
): Record<string, unknown> {
  const share = variantShare(traffic, onVariant);
  const filters =
    share > 0 && share < 100
      ? [
          {
            name: "Microsoft.Targeting",
            parameters: { Audience: { Users: [], Groups: [], DefaultRolloutPercentage: share } },
          },
        ]
      : [];
  return {
    id: spec.key,
    description: "",
    enabled: share > 0,
    conditions: { client_filters: filters },
  };
}
