// Metric conditions: "< 0.05" (absolute) or "< 110% of baseline" (candidate relative to stable).
// They are data, not code, so stack config (YAML) can hold them and every provider reads them alike.

import { ALPHA, binomialPValue, type Evidence, type Side } from "./evidence";
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

/** Renders a condition back to its string form; a relative condition's floor after it, when there is one. */
export function formatCondition(condition: Condition, floor = 0): string {
  if (!condition.relativeToBaseline) return `${condition.operator} ${condition.value}`;
  const text = `${condition.operator} ${Math.round(condition.value * 10000) / 100}% of baseline`;
  return floor > 0 ? `${text} (floor ${floor})` : text;
}

/**
 * Whether `value` meets the condition. Relative conditions compare value/baseline with the ratio;
 * 0/0 counts as a ratio of 1 (same as the baseline) and x/0 as infinity. A value within `floor` of
 * the baseline counts as the baseline itself (ratio 1): at millisecond latencies 2.3 ms against
 * 1.8 ms is a ratio of 1.28 but no regression. Returns undefined when a relative condition has no
 * baseline to compare with.
 */
export function meetsCondition(
  condition: Condition,
  value: number,
  baseline?: number | null,
  floor = 0,
): boolean | undefined {
  let left = value;
  if (condition.relativeToBaseline) {
    if (baseline === undefined || baseline === null || !Number.isFinite(baseline)) return undefined;
    if (floor > 0 && Math.abs(value - baseline) <= floor) left = 1;
    else if (baseline === 0) left = value === 0 ? 1 : Number.POSITIVE_INFINITY;
    else left = value / baseline;
  }
  return compare(condition.operator, left, condition.value);
}

function compare(operator: Comparator, left: number, right: number): boolean {
  switch (operator) {
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
  }
}

/** What a condition is to a measurement: a success condition must be met, a failure condition must not. */
export type ConditionRole = "success" | "failure";

/** How a condition was judged. */
export interface Judgement {
  /** Whether the condition holds, after the count test; undefined without a baseline to compare with. */
  readonly met: boolean | undefined;
  /** The count test's p-value, when counts were there to test the bad side. */
  readonly pValue?: number;
  /** Why a value on the bad side was let pass: its counts do not show it, e.g. `1 of 20 requests ... is within noise (p 0.055 >= 0.01)`. */
  readonly noise?: string;
}

/** The point value, its baseline and the counts behind them. */
export interface Observed {
  readonly value: number;
  readonly baseline?: number | null;
  readonly evidence?: Evidence;
}

/** The side of the threshold that tells against the candidate. */
function badSide(c: Condition, role: ConditionRole): Side {
  const below = c.operator === "<" || c.operator === "<=";
  return below === (role === "failure") ? "below" : "above";
}

/** The one-sided p-value of the candidate's counts being on `side` of the condition's threshold. */
function countPValue(c: Condition, o: Observed, floor: number, side: Side): number | undefined {
  const e = o.evidence;
  const b = o.baseline ?? undefined;
  if (!e) return undefined;
  const beyondFloor = (test: (threshold: number) => number): number =>
    floor > 0 && b !== undefined ? test(side === "above" ? b + floor : b - floor) : 0;
  if (e.kind === "proportion") {
    const n = e.trials;
    const x = Math.round(o.value * n);
    if (!c.relativeToBaseline) return binomialPValue(n, x, c.value, side);
    if (b === undefined) return undefined;
    let ratio: number;
    if (e.baselineTrials !== undefined) {
      // Conditional on all errors of both versions, the candidate's share of them is binomial
      // under "candidate rate = ratio x stable rate": the stable rate's own noise is accounted for.
      const xs = Math.round(b * e.baselineTrials);
      const q = (c.value * n) / (c.value * n + e.baselineTrials);
      ratio = binomialPValue(x + xs, x, q, side);
    } else ratio = binomialPValue(n, x, c.value * b, side);
    return Math.max(
      ratio,
      beyondFloor((t) => binomialPValue(n, x, t, side)),
    );
  }
  // Throughput per unit of weight: the candidate's share of all requests, against the share it
  // would have at the threshold's ratio.
  const w = e.candidateWeight;
  if (!c.relativeToBaseline || b === undefined || !(w > 0 && w < 1)) return undefined;
  const n = e.candidate + e.stable;
  const shareAt = (ratio: number) => (Math.max(0, ratio) * w) / (Math.max(0, ratio) * w + 1 - w);
  return Math.max(
    binomialPValue(n, e.candidate, shareAt(c.value), side),
    b > 0 ? beyondFloor((t) => binomialPValue(n, e.candidate, shareAt(t / b), side)) : 0,
  );
}

/**
 * Judges a condition on a measurement. The point value decides (with the floor), except that a
 * value on the bad side of the threshold whose counts do not show it at {@link ALPHA} is held to
 * be on the good side: a check fails a candidate on evidence of a regression, not on noise.
 */
export function judgeCondition(
  condition: Condition,
  role: ConditionRole,
  observed: Observed,
  floor = 0,
): Judgement {
  const met = meetsCondition(condition, observed.value, observed.baseline, floor);
  if (met === undefined) return { met };
  const bad = role === "failure" ? met : !met;
  if (!bad) return { met };
  const pValue = countPValue(condition, observed, floor, badSide(condition, role));
  if (pValue === undefined || Number.isNaN(pValue)) return { met };
  if (pValue < ALPHA) return { met, pValue };
  return {
    met: !met,
    pValue,
    noise: `${describeCounts(observed)} is within noise (p ${round(pValue)} >= ${ALPHA})`,
  };
}

const round = (p: number) => Number(p.toPrecision(2));

function describeCounts(o: Observed): string {
  const e = o.evidence as Evidence;
  if (e.kind === "share") return `${e.candidate} requests against ${e.stable} for the stable version`;
  const x = Math.round(o.value * e.trials);
  if (e.baselineTrials === undefined || o.baseline === undefined || o.baseline === null)
    return `${x} of ${e.trials} requests`;
  return `${x} of ${e.trials} requests against ${Math.round(o.baseline * e.baselineTrials)} of ${e.baselineTrials} for the stable version`;
}
