// Metric conditions: "< 0.05" (absolute) or "< 110% of baseline" (candidate relative to stable).
// They are data, not code, so stack config (YAML) can hold them and every provider reads them alike.

import { type Problem, problem } from "./problems";

/** A comparison operator of a condition. */
export type Comparator = "<" | "<=" | ">" | ">=";

/** A resolved condition. */
export interface Condition {
  /** How the measured value compares to `value`. */
  readonly operator: Comparator;
  /** The threshold; a ratio of the baseline (1.1 = 110 %) when `relativeToBaseline`. */
  readonly value: number;
  /** Compare the candidate's value with the stable version's value of the same query. */
  readonly relativeToBaseline: boolean;
}

/** A condition as written: `"< 0.05"`, `">= 99"`, `"< 110% of baseline"`, or a {@link Condition}. */
export type ConditionInput = string | Condition;

const PATTERN = /^(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(%\s*(?:of\s+)?baseline)?$/i;

/** Parses a condition string; undefined when it does not match `<op> <number>[% of baseline]`. */
export function parseCondition(input: ConditionInput): Condition | undefined {
  if (typeof input !== "string") {
    const ok =
      typeof input === "object" &&
      input !== null &&
      ["<", "<=", ">", ">="].includes(input.operator) &&
      Number.isFinite(input.value);
    return ok ? { ...input, relativeToBaseline: input.relativeToBaseline === true } : undefined;
  }
  const match = PATTERN.exec(input.trim());
  if (!match) return undefined;
  const relative = match[3] !== undefined;
  const number = Number(match[2]);
  return {
    operator: match[1] as Comparator,
    value: relative ? number / 100 : number,
    relativeToBaseline: relative,
  };
}

/** Validates a condition field; pushes a problem and returns undefined when it is invalid. */
export function checkCondition(input: unknown, path: string, problems: Problem[]): Condition | undefined {
  const parsed =
    typeof input === "string" || (typeof input === "object" && input !== null)
      ? parseCondition(input as ConditionInput)
      : undefined;
  if (parsed) return parsed;
  problems.push(
    problem(
      path,
      input,
      "is not a condition",
      'write an operator and a number, such as "< 0.05", or a share of the baseline, such as "< 110% of baseline"',
    ),
  );
  return undefined;
}

/** Renders a condition back to its string form. */
export function formatCondition(c: Condition): string {
  if (!c.relativeToBaseline) return `${c.operator} ${c.value}`;
  return `${c.operator} ${Math.round(c.value * 10000) / 100}% of baseline`;
}

/**
 * Whether `value` meets the condition. Relative conditions compare value/baseline with the ratio;
 * 0/0 counts as a ratio of 1 (same as the baseline) and x/0 as infinity. Returns undefined when a
 * relative condition has no baseline to compare with.
 */
export function meetsCondition(c: Condition, value: number, baseline?: number | null): boolean | undefined {
  let left = value;
  if (c.relativeToBaseline) {
    if (baseline === undefined || baseline === null || !Number.isFinite(baseline)) return undefined;
    if (baseline === 0) left = value === 0 ? 1 : Number.POSITIVE_INFINITY;
    else left = value / baseline;
  }
  switch (c.operator) {
    case "<":
      return left < c.value;
    case "<=":
      return left <= c.value;
    case ">":
      return left > c.value;
    case ">=":
      return left >= c.value;
  }
}
