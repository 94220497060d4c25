// The constraint check: every resource the mocks record is run through its cloud's table of
// documented limits (name lengths and characters, numeric ranges, enum values, tag rules,
// uniqueness). Mocks accept anything; a cloud does not. A row names one input path of one
// resource type, its rule, and the documentation the rule comes from.

import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** Resource inputs as the mocks record them (untyped JSON). */
// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
export type Inputs = Record<string, any>;

/** What a resource looks like to the check. */
export interface CheckedResource {
  readonly type: string;
  /** Pulumi logical name. */
  readonly name: string;
  readonly inputs: Inputs;
}

/** Tag (or label) rules of a cloud. */
export interface TagRules {
  readonly maxCount: number;
  readonly maxKeyLength: number;
  readonly maxValueLength: number;
  /** Characters a key may use (the whole key must match). */
  readonly key: RegExp;
  /** Characters a value may use (the whole value must match). */
  readonly value: RegExp;
  /** Key prefixes the cloud reserves. */
  readonly reservedPrefixes?: readonly string[];
}

/** How the provider names a resource when the name input is not given. */
export interface AutoName {
  /** Between the logical name and the random part ("-" on AWS, "" on Azure). */
  readonly separator: string;
  /** Random characters the provider appends. */
  readonly random: number;
}

/** One documented limit of one input of one resource type. */
export interface Row {
  readonly type: string;
  /**
   * Input path: `.` between keys, `*` for every element of a list (or value of a map), `@json` to
   * parse a JSON string (task definitions, policies). `name` of an auto-named resource is checked
   * as the provider would build it.
   */
  readonly path: string;
  /** The rule in words, as the documentation states it. */
  readonly rule: string;
  /** Where the rule is documented. */
  readonly source: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** The whole value must match. */
  readonly pattern?: RegExp;
  /** Numeric range, inclusive (numeric strings are read as numbers). */
  readonly range?: readonly [number, number];
  readonly integer?: boolean;
  readonly oneOf?: readonly (string | number)[];
  /** Length range of a list. */
  readonly count?: readonly [number, number];
  readonly tags?: TagRules;
  /** The provider's naming when the input is absent. */
  readonly autoName?: AutoName;
  /** The value must be present. */
  readonly required?: boolean;
  /** Where the value must be unique (documentation text), and the key of that scope from the inputs. */
  readonly unique?: { readonly scope: string; readonly key: (inputs: Inputs) => string };
  /** A rule across fields: the reason it is broken, or undefined. */
  readonly check?: (value: unknown, inputs: Inputs, resource: CheckedResource) => string | undefined;
}

/** The row of a cloud's tag rules on the `tags` input of `type`. */
export function tagRow(type: string, tags: TagRules, rule: string, source: string): Row {
  return { type, path: "tags", tags, rule, source };
}

/** One input outside its documented limit. */
export interface Violation {
  readonly type: string;
  readonly name: string;
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
  readonly source: string;
  /** What exactly is wrong. */
  readonly problem: string;
}

/** The text of a violation: resource, field, value, rule and its source. */
export function describeViolation(v: Violation): string {
  return `${v.type} "${v.name}": ${v.field} = ${JSON.stringify(v.value)} ${v.problem} (rule: ${v.rule}; ${v.source})`;
}

/** The plain value of a recorded input: Pulumi secrets unwrapped. */
export function plain(value: unknown): unknown {
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[specialSigKey] === specialSecretSig) return plain(o.value);
    if (Array.isArray(value)) return value.map(plain);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Every value at `path` in `inputs`, with its concrete path (`traffics[1].tag`). */
export function valuesAt(inputs: unknown, path: string): { field: string; value: unknown }[] {
  let found: { field: string; value: unknown }[] = [{ field: "", value: inputs }];
  for (const segment of path.split(".")) {
    const next: { field: string; value: unknown }[] = [];
    for (const { field, value } of found) {
      if (value === undefined || value === null) continue;
      if (segment === "@json") {
        if (typeof value !== "string") continue;
        try {
          next.push({ field, value: JSON.parse(value) });
        } catch {
          next.push({ field, value: Symbol.for("invalid JSON") });
        }
      } else if (segment === "*") {
        const entries = Array.isArray(value)
          ? value.map((v, i) => ({ field: `${field}[${i}]`, value: v }))
          : typeof value === "object"
            ? Object.entries(value).map(([k, v]) => ({ field: `${field}.${k}`, value: v }))
            : [];
        next.push(...entries);
      } else if (typeof value === "object") {
        next.push({
          field: field === "" ? segment : `${field}.${segment}`,
          value: (value as Record<string, unknown>)[segment],
        });
      }
    }
    found = next;
  }
  return found;
}

/** The random part the mocks stand in for when a provider names a resource. */
const RANDOM = "0a1b2c3d4e5f6a7b";

function number(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

function tagProblems(tags: unknown, rules: TagRules): string | undefined {
  if (typeof tags !== "object" || tags === null) return "is not a map of tags";
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > rules.maxCount) return `has ${entries.length} tags, more than ${rules.maxCount}`;
  for (const [key, raw] of entries) {
    const value = String(raw ?? "");
    if (key.length === 0 || key.length > rules.maxKeyLength)
      return `has a tag key ${JSON.stringify(key)} of ${key.length} characters (1-${rules.maxKeyLength})`;
    if (!rules.key.test(key)) return `has a tag key ${JSON.stringify(key)} with characters the cloud refuses`;
    const reserved = rules.reservedPrefixes?.find((p) => key.toLowerCase().startsWith(p));
    if (reserved) return `has a tag key ${JSON.stringify(key)} in the reserved prefix "${reserved}"`;
    if (value.length > rules.maxValueLength)
      return `has a value of ${value.length} characters for tag ${JSON.stringify(key)} (at most ${rules.maxValueLength})`;
    if (!rules.value.test(value))
      return `has a value ${JSON.stringify(value)} for tag ${JSON.stringify(key)} with characters the cloud refuses`;
  }
  return undefined;
}

/** What is wrong with one value under one row; undefined when nothing is. */
function problemOf(row: Row, value: unknown, inputs: Inputs, resource: CheckedResource): string | undefined {
  if (value === undefined || value === null) return row.required ? "is missing" : undefined;
  if (typeof value === "symbol") return "is not valid JSON";
  if (row.tags) return tagProblems(value, row.tags);
  if (row.count && Array.isArray(value)) {
    const [min, max] = row.count;
    if (value.length < min || value.length > max) return `has ${value.length} entries (${min}-${max})`;
  }
  if (typeof value === "string") {
    if (row.minLength !== undefined && value.length < row.minLength)
      return `is ${value.length} characters, fewer than ${row.minLength}`;
    if (row.maxLength !== undefined && value.length > row.maxLength)
      return `is ${value.length} characters, more than ${row.maxLength}`;
    if (row.pattern && !row.pattern.test(value)) return `does not match ${row.pattern}`;
  }
  if (row.oneOf && !row.oneOf.includes(value as string | number))
    return `is not one of ${row.oneOf.join(", ")}`;
  if (row.range) {
    const n = number(value);
    if (n === undefined) return "is not a number";
    if (n < row.range[0] || n > row.range[1]) return `is outside ${row.range[0]}-${row.range[1]}`;
    if (row.integer && !Number.isInteger(n)) return "is not a whole number";
  }
  return row.check?.(value, inputs, resource);
}

/** The value a row reads: the input, or for an auto-named resource the name the provider builds. */
function rowValues(row: Row, resource: CheckedResource): { field: string; value: unknown }[] {
  const values = valuesAt(resource.inputs, row.path);
  if (row.autoName && (values.length === 0 || values.every((v) => v.value === undefined))) {
    const { separator, random } = row.autoName;
    return [
      { field: `${row.path} (auto-named)`, value: `${resource.name}${separator}${RANDOM.slice(0, random)}` },
    ];
  }
  return values;
}

/** Every violation of one resource against the rows of its type (uniqueness aside). */
export function checkResource(rows: readonly Row[], resource: CheckedResource): Violation[] {
  const inputs = plain(resource.inputs) as Inputs;
  const subject: CheckedResource = { ...resource, inputs };
  const out: Violation[] = [];
  for (const row of rows) {
    if (row.type !== resource.type) continue;
    for (const { field, value } of rowValues(row, subject)) {
      const problem = problemOf(row, value, inputs, subject);
      if (problem !== undefined) {
        out.push({
          type: resource.type,
          name: resource.name,
          field: field || row.path,
          value,
          rule: row.rule,
          source: row.source,
          problem,
        });
      }
    }
  }
  return out;
}

/** Violations of uniqueness among the resources of one program. */
export function checkUnique(rows: readonly Row[], resources: readonly CheckedResource[]): Violation[] {
  const out: Violation[] = [];
  for (const row of rows) {
    if (!row.unique) continue;
    const seen = new Map<string, string>();
    for (const resource of resources) {
      if (resource.type !== row.type) continue;
      const inputs = plain(resource.inputs) as Inputs;
      for (const { field, value } of rowValues(row, { ...resource, inputs })) {
        if (typeof value !== "string" || field.endsWith("(auto-named)")) continue;
        const key = `${row.unique.key(inputs)}\u0000${value.toLowerCase()}`;
        const first = seen.get(key);
        if (first !== undefined) {
          out.push({
            type: resource.type,
            name: resource.name,
            field,
            value,
            rule: `unique within ${row.unique.scope}`,
            source: row.source,
            problem: `is also the ${row.path} of "${first}"`,
          });
        } else seen.set(key, resource.name);
      }
    }
  }
  return out;
}
