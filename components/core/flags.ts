// Feature flags released like canaries: a flag's rollout is a traffic state whose "versions" are
// variant names (stableVersion = the variant everyone gets, candidateVersion = the variant being
// rolled out, candidateWeight = the share of users who get it). These pure functions turn that
// state into flagd's format and read a flagd definition back, so the driver can verify what a store
// serves. The AWS AppConfig and Azure App Configuration formats live with their platforms
// (aws/appConfig.ts, azure/appConfiguration.ts).
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

/** The percentage of users (outside the rules) a traffic state gives `variant`. */
export function variantShare(traffic: TrafficState, variant: string): number {
  if (isSplit(traffic)) {
    if (variant === traffic.candidateVersion) return traffic.candidateWeight;
    if (variant === traffic.stableVersion) return 100 - traffic.candidateWeight;
    return 0;
  }
  return servedVariant(traffic) === variant ? 100 : 0;
}
