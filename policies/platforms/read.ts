// Reading resource properties safely. During `preview` the policy SDK wraps properties in a proxy
// that throws when a value is not known yet (an output of a resource still to be created); one
// such value must not stop a rule from checking everything else, so every read goes through `at`,
// which returns UNKNOWN instead.

/** A value that is not known during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** Resource properties as the policy SDK hands them over (plain JSON, possibly behind the proxy). */
export type Props = Readonly<Record<string, unknown>>;

/** What a mapper reads of a resource. */
export interface ResourceLike {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Props;
}

/** True for the policy SDK's error for a value that is not known during preview. */
export function isUnknownValueError(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.constructor.name === "UnknownValueError" || /can't be known during preview/.test(err.message))
  );
}

/** The value at `path` below `root`; undefined when a step is missing, UNKNOWN when one is not known. */
export function at(root: unknown, ...path: readonly (string | number)[]): unknown {
  let value: unknown = root;
  try {
    for (const key of path) {
      if (value === null || typeof value !== "object") return undefined;
      value = (value as Record<string | number, unknown>)[key];
    }
    return value;
  } catch (err) {
    if (isUnknownValueError(err)) return UNKNOWN;
    throw err;
  }
}

/** A string, or undefined (also when not known). */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A boolean, or undefined. */
export function bool(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

/** The elements of an array (each read safely), or [] when it is not an array. */
export function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [];
  const length = num(at(value, "length")) ?? 0;
  return Array.from({ length }, (_, i) => at(value, i));
}

/** The keys of an object, or [] when it is not one. */
export function keys(value: unknown): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  try {
    return Object.keys(value);
  } catch (err) {
    if (isUnknownValueError(err)) return [];
    throw err;
  }
}

/** True for a set (non-null) object; UNKNOWN counts as set, since it will be. */
export function present(value: unknown): boolean {
  return value === UNKNOWN || (value !== null && value !== undefined);
}

/** A string map (labels, annotations); entries that are not strings are left out. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys(value)) {
    const v = str(at(value, key));
    if (v !== undefined) out[key] = v;
  }
  return out;
}
