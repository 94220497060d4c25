// Traffic weights (integer percentages sent to the candidate) and PercentOrCount values
// (maxSurge, maxUnavailable, disruption budgets). Every platform this project targets takes
// integer percentages (ingress-nginx, Gateway API, ECS/ALB, Cloud Run, Container Apps), so the
// model uses integers too.

import { type Problem, problem, validated } from "./problems";

/** An integer percentage of traffic from 0 to 100. */
export type WeightInput = number;

/** True for an integer from 0 to 100. */
export function isWeight(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 100;
}

/** Clamps and rounds any number to the nearest valid weight; NaN becomes 0. */
export function clampWeight(value: number): number {
  if (!Number.isFinite(value)) return value > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, Math.round(value)));
}

/** Validates a weight field; pushes a problem and returns undefined when it is invalid. */
export function checkWeight(value: unknown, path: string, problems: Problem[]): number | undefined {
  if (isWeight(value)) return value;
  const suggestion = typeof value === "number" ? clampWeight(value) : 50;
  problems.push(
    problem(path, value, "must be an integer from 0 to 100", `use a weight such as ${suggestion}`),
  );
  return undefined;
}

/** Weight helpers: `Weight.percent(10)` validates and returns 10. */
export const Weight = {
  percent(value: number): number {
    return validated("weight", (problems) => checkWeight(value, "weight", problems) ?? 0);
  },
  none: 0,
  all: 100,
} as const;

/** What a traffic router can do with weights; used to reject steps it cannot carry out. */
export interface WeightSupport {
  /** Names the router in messages, e.g. `the replica-ratio router with 4 replicas`. */
  readonly description: string;
  /** Weights it can represent, ascending; undefined when it can represent every integer 0-100. */
  readonly weights?: readonly number[];
  /** Extra advice appended to the fix, e.g. `or use an ingress router`. */
  readonly alternative?: string;
}

/** The representable weight closest to `weight` (the lower one on a tie). */
export function nearestWeight(weight: number, weights: readonly number[]): number {
  let best = weights[0] ?? 0;
  for (const w of weights) if (Math.abs(w - weight) < Math.abs(best - weight)) best = w;
  return best;
}

/** Pushes a problem when `support` cannot represent `weight`; returns whether it can. */
export function checkWeightSupported(
  weight: number,
  support: WeightSupport,
  path: string,
  problems: Problem[],
): boolean {
  if (support.weights === undefined || support.weights.includes(weight)) return true;
  const nearest = nearestWeight(weight, support.weights);
  const alternative = support.alternative ? `, ${support.alternative}` : "";
  problems.push(
    problem(
      path,
      weight,
      `${support.description} cannot send ${weight}% of traffic to the candidate (it can do ${support.weights.join("/")})`,
      `use ${nearest}, the nearest weight it can${alternative}`,
    ),
  );
  return false;
}

/** An absolute count (2) or a percentage string ("25%") of the desired replicas. */
export type PercentOrCount = number | `${number}%`;

/** Parsed PercentOrCount. */
export type ParsedPercentOrCount =
  | { readonly kind: "count"; readonly value: number }
  | { readonly kind: "percent"; readonly value: number };

/** Parses 2 or "25%"; undefined when it is not a non-negative integer count or an integer percent 0-100. */
export function parsePercentOrCount(input: unknown): ParsedPercentOrCount | undefined {
  if (typeof input === "number") {
    return Number.isInteger(input) && input >= 0 ? { kind: "count", value: input } : undefined;
  }
  if (typeof input !== "string") return undefined;
  const match = /^(\d+)%$/.exec(input.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  return value <= 100 ? { kind: "percent", value } : undefined;
}

/** Validates a PercentOrCount field; pushes a problem and returns undefined when it is invalid. */
export function checkPercentOrCount(
  input: unknown,
  path: string,
  problems: Problem[],
): ParsedPercentOrCount | undefined {
  const parsed = parsePercentOrCount(input);
  if (parsed) return parsed;
  problems.push(
    problem(
      path,
      input,
      "must be a whole number of instances or a whole percentage from 0% to 100%",
      'use a count such as 1 or a percentage such as "25%"',
    ),
  );
  return undefined;
}

/**
 * The number of instances a PercentOrCount stands for out of `total`; percentages round up
 * (maxSurge) or down (maxUnavailable), as Kubernetes does.
 */
export function scalePercentOrCount(value: PercentOrCount, total: number, roundUp: boolean): number {
  const parsed = parsePercentOrCount(value);
  if (!parsed) throw new RangeError(`not a count or percentage: ${String(value)}`);
  if (parsed.kind === "count") return parsed.value;
  const exact = (parsed.value * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** PercentOrCount helpers: `PercentOrCount.percent(25)` = "25%", `PercentOrCount.count(2)` = 2. */
export const PercentOrCount = {
  percent(value: number): PercentOrCount {
    return `${value}%`;
  },
  count(value: number): PercentOrCount {
    return value;
  },
  parse: parsePercentOrCount,
} as const;
