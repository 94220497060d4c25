// Durations: a number of seconds or a string such as "30s", "5m", "1h30m", "250ms".
// Resolved durations are plain numbers of seconds, which every platform can use.

import { type Problem, problem, validated } from "./problems";

/** A number of seconds, or a string of number+unit parts: `ms`, `s`, `m`, `h` ("1h30m", "2.5s"). */
export type DurationInput = number | string;

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

const FIX = 'use a number of seconds or a string such as "30s", "5m" or "1h30m"';

/** Seconds for a duration, or undefined when it is not a valid non-negative duration. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== "string") return undefined;
  const text = input.trim();
  if (BARE_NUMBER.test(text)) return Number(text);
  if (!WHOLE.test(text)) return undefined;
  let seconds = 0;
  for (const match of text.matchAll(PART)) {
    seconds += Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
  }
  // Round away float noise such as 0.1 + 0.2 from "100ms200ms".
  return Math.round(seconds * 1000) / 1000;
}

/** Options for {@link checkDuration}. */
export interface DurationLimits {
  /** Smallest allowed value in seconds. @default 0 */
  readonly min?: number;
  /** A positive duration is required (0 is rejected). @default false */
  readonly positive?: boolean;
}

/** Validates a duration field; pushes a problem and returns undefined when it is invalid. */
export function checkDuration(
  input: unknown,
  path: string,
  problems: Problem[],
  limits: DurationLimits = {},
): number | undefined {
  const negative =
    (typeof input === "number" && input < 0) || (typeof input === "string" && input.trim().startsWith("-"));
  if (negative) {
    const least = limits.positive ? "more than 0" : "0 or more";
    problems.push(problem(path, input, "must not be negative", `${FIX}, ${least}`));
    return undefined;
  }
  const seconds = parseDuration(input);
  if (seconds === undefined) {
    problems.push(problem(path, input, "is not a duration", FIX));
    return undefined;
  }
  if (limits.positive && seconds === 0) {
    problems.push(problem(path, input, "must be longer than 0", `${FIX}, more than 0`));
    return undefined;
  }
  if (limits.min !== undefined && seconds < limits.min) {
    const fix = `use ${formatDuration(limits.min)} or more`;
    problems.push(problem(path, input, `must be at least ${formatDuration(limits.min)}`, fix));
    return undefined;
  }
  return seconds;
}

/** Renders seconds as the shortest duration string: 90 -> "1m30s", 0.25 -> "250ms". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = Math.round(seconds * 1000);
  let out = "";
  for (const [unit, ms] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ] as const) {
    const n = Math.floor(rest / ms);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * ms;
  }
  return out;
}

/** Duration helpers: `Duration.parse("1h30m")` = 5400 (seconds); throws ValidationError when invalid. */
export const Duration = {
  parse(input: DurationInput): number {
    return validated("duration", (problems) => checkDuration(input, "duration", problems) ?? 0);
  },
  seconds(n: number): DurationInput {
    return `${n}s`;
  },
  minutes(n: number): DurationInput {
    return `${n}m`;
  },
  hours(n: number): DurationInput {
    return `${n}h`;
  },
  format: formatDuration,
} as const;
