// Analysis outcomes and the default gates of the seed document. No data is Inconclusive, never
// Successful: a candidate that receives no traffic has not been shown to work.

import type { MetricCheck, MetricCheckInput } from "./checks";
import { meetsCondition } from "./conditions";

/** The four outcomes of one measurement. */
export type Outcome = "Successful" | "Failed" | "Inconclusive" | "Error";

/** The outcomes as constants, for code that prefers names over string literals. */
export const Outcome = {
  Successful: "Successful",
  Failed: "Failed",
  Inconclusive: "Inconclusive",
  Error: "Error",
} as const satisfies Record<Outcome, Outcome>;

/** One measurement of a metric, as a provider returns it. */
export interface Measurement {
  /** The candidate's value; undefined, null or NaN means the query returned no data. */
  readonly value?: number | null;
  /** The stable version's value of the same query, for conditions relative to the baseline. */
  readonly baseline?: number | null;
  /** Set when the query itself failed (provider unreachable, bad query). */
  readonly error?: string;
}

/** The classification of a measurement and why. */
export interface Classification {
  readonly outcome: Outcome;
  /** Human-readable reason, e.g. `no data`. */
  readonly reason: string;
}

function hasValue(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/**
 * Classifies one measurement, in this order: a query error is Error; no data is Inconclusive;
 * meeting the failure condition is Failed; meeting the success condition is Successful; when only a
 * success condition is set, missing it is Failed; when only a failure condition is set, missing it
 * is Successful; when both are set and neither is met, Inconclusive. A relative condition without
 * a baseline value is Inconclusive.
 */
export function classifyMeasurement(
  m: Measurement,
  check: Pick<MetricCheck, "successCondition" | "failureCondition">,
): Classification {
  if (m.error !== undefined) return { outcome: "Error", reason: `query failed: ${m.error}` };
  if (!hasValue(m.value)) return { outcome: "Inconclusive", reason: "no data" };
  const failed = check.failureCondition ? meetsCondition(check.failureCondition, m.value, m.baseline) : false;
  const passed = check.successCondition
    ? meetsCondition(check.successCondition, m.value, m.baseline)
    : undefined;
  if (failed === undefined || (check.successCondition && passed === undefined)) {
    return { outcome: "Inconclusive", reason: "no baseline data to compare with" };
  }
  if (failed) return { outcome: "Failed", reason: "failure condition met" };
  if (passed === true) return { outcome: "Successful", reason: "success condition met" };
  if (passed === false && !check.failureCondition)
    return { outcome: "Failed", reason: "success condition not met" };
  if (passed === false) return { outcome: "Inconclusive", reason: "neither condition met" };
  return { outcome: "Successful", reason: "failure condition not met" };
}

/** Where an analysis stands after some measurements. */
export type AnalysisPhase = "Running" | Outcome;

/** The verdict of an analysis run and why. */
export interface AnalysisVerdict {
  readonly phase: AnalysisPhase;
  readonly reason: string;
}

/**
 * The verdict of a run of measurements (Argo Rollouts' rules): more Errors in a row than
 * consecutiveErrorLimit is Error; more Failed than failureLimit is Failed; more Inconclusive than
 * inconclusiveLimit is Inconclusive; `count` measurements without any of these is Successful.
 */
export function analysisVerdict(
  outcomes: readonly Outcome[],
  limits: Pick<MetricCheck, "count" | "failureLimit" | "inconclusiveLimit" | "consecutiveErrorLimit">,
): AnalysisVerdict {
  let failed = 0;
  let inconclusive = 0;
  let errorsInARow = 0;
  for (const outcome of outcomes) {
    errorsInARow = outcome === "Error" ? errorsInARow + 1 : 0;
    if (outcome === "Failed") failed++;
    if (outcome === "Inconclusive") inconclusive++;
    if (errorsInARow > limits.consecutiveErrorLimit) {
      return {
        phase: "Error",
        reason: `${errorsInARow} query errors in a row (limit ${limits.consecutiveErrorLimit})`,
      };
    }
    if (failed > limits.failureLimit) {
      return { phase: "Failed", reason: `${failed} failed measurements (limit ${limits.failureLimit})` };
    }
    if (inconclusive > limits.inconclusiveLimit) {
      return {
        phase: "Inconclusive",
        reason: `${inconclusive} inconclusive measurements, no data included (limit ${limits.inconclusiveLimit})`,
      };
    }
  }
  const measured = outcomes.filter((o) => o !== "Error").length;
  if (measured >= limits.count)
    return { phase: "Successful", reason: `${measured} measurements within limits` };
  return { phase: "Running", reason: `${measured} of ${limits.count} measurements taken` };
}

/** Provider name of the platform's own request metrics (each platform's driver knows how to read them). */
export const BUILTIN_PROVIDER = "builtin";

/**
 * Queries the builtin provider understands for any version. Throughput is requests per second per
 * unit of traffic weight, so a candidate at 5 % is comparable with a stable version at 95 %.
 */
export const BuiltinMetric = {
  errorRate: "errorRate",
  http5xxRate: "http5xxRate",
  meanLatency: "meanLatency",
  throughput: "throughput",
} as const;

/** Promotion gate: the candidate's error rate stays below 110 % of the stable version's. */
export const DEFAULT_ERROR_RATE_GATE: MetricCheckInput = {
  kind: "metric",
  name: "error-rate",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.errorRate,
  successCondition: "< 110% of baseline",
};

/** Promotion gate: the candidate's mean latency stays below 120 % of the stable version's. */
export const DEFAULT_LATENCY_GATE: MetricCheckInput = {
  kind: "metric",
  name: "mean-latency",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.meanLatency,
  successCondition: "< 120% of baseline",
};

/** Rollback trigger: more than 5 % of the candidate's responses are 5xx. */
export const DEFAULT_5XX_TRIGGER: MetricCheckInput = {
  kind: "metric",
  name: "http-5xx-rate",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.http5xxRate,
  failureCondition: "> 0.05",
};

/** Rollback trigger: the candidate's latency is above 200 % of the stable version's. */
export const DEFAULT_LATENCY_TRIGGER: MetricCheckInput = {
  kind: "metric",
  name: "latency-spike",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.meanLatency,
  failureCondition: "> 200% of baseline",
};

/** Rollback trigger: the candidate's throughput is below 50 % of the stable version's. */
export const DEFAULT_THROUGHPUT_TRIGGER: MetricCheckInput = {
  kind: "metric",
  name: "throughput-drop",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.throughput,
  failureCondition: "< 50% of baseline",
};

/** The seed's promotion gates. */
export const DEFAULT_PROMOTION_GATES: readonly MetricCheckInput[] = [
  DEFAULT_ERROR_RATE_GATE,
  DEFAULT_LATENCY_GATE,
];

/** The seed's rollback triggers. */
export const DEFAULT_ROLLBACK_TRIGGERS: readonly MetricCheckInput[] = [
  DEFAULT_5XX_TRIGGER,
  DEFAULT_LATENCY_TRIGGER,
  DEFAULT_THROUGHPUT_TRIGGER,
];

/** The checks a canary analyses by default: promotion gates, then rollback triggers. */
export const DEFAULT_CANARY_CHECKS: readonly MetricCheckInput[] = [
  ...DEFAULT_PROMOTION_GATES,
  ...DEFAULT_ROLLBACK_TRIGGERS,
];
