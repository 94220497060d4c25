// Analysis outcomes and the default gates of the seed document. No data is Inconclusive, never
// Successful: a candidate that receives no traffic has not been shown to work.

import { BUILTIN_PROVIDER, BuiltinMetric, floorOf } from "./builtin-metrics";
import type { MetricCheck, MetricCheckInput } from "./checks";
import { type Judgement, judgeCondition } from "./conditions";
import { ALPHA, type Evidence } from "./evidence";

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
  /** The request counts behind the values, when the provider reports them. @default none: the values decide alone */
  readonly evidence?: Evidence;
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
 * a baseline value is Inconclusive. Relative conditions use the check's floor (see
 * {@link floorOf}), and a value whose request counts do not show it on the bad side is judged on
 * the good side (see {@link judgeCondition}).
 */
export function classifyMeasurement(
  measurement: Measurement,
  check: Pick<MetricCheck, "successCondition" | "failureCondition"> &
    Partial<Pick<MetricCheck, "floor" | "provider" | "query">>,
): Classification {
  if (measurement.error !== undefined)
    return { outcome: "Error", reason: `query failed: ${measurement.error}` };
  if (!hasValue(measurement.value)) return { outcome: "Inconclusive", reason: "no data" };
  const observed = {
    value: measurement.value,
    baseline: measurement.baseline,
    ...(measurement.evidence ? { evidence: measurement.evidence } : {}),
  };
  const floor = floorOf(check);
  const failure = check.failureCondition
    ? judgeCondition(check.failureCondition, "failure", observed, floor)
    : { met: false };
  const success = check.successCondition
    ? judgeCondition(check.successCondition, "success", observed, floor)
    : undefined;
  const passed = success?.met;
  if (failure.met === undefined || (success && passed === undefined)) {
    return { outcome: "Inconclusive", reason: "no baseline data to compare with" };
  }
  if (failure.met) return { outcome: "Failed", reason: `failure condition met${pOf(failure)}` };
  if (passed === true)
    return {
      outcome: "Successful",
      reason: success?.noise
        ? `the value misses the success condition, but ${success.noise}`
        : "success condition met",
    };
  if (passed === false && !check.failureCondition)
    return { outcome: "Failed", reason: `success condition not met${pOf(success)}` };
  if (passed === false) return { outcome: "Inconclusive", reason: "neither condition met" };
  return {
    outcome: "Successful",
    reason: failure.noise
      ? `the value meets the failure condition, but ${failure.noise}`
      : "failure condition not met",
  };
}

const pOf = (j: Judgement | undefined) =>
  j?.pValue === undefined ? "" : ` (p ${Number(j.pValue.toPrecision(2))} < ${ALPHA})`;

/** Where an analysis stands after some measurements. */
export type AnalysisPhase = "Running" | Outcome;

/** The verdict of an analysis run and why. */
export interface AnalysisVerdict {
  readonly phase: AnalysisPhase;
  readonly reason: string;
}

/**
 * The verdict of a run of measurements (Argo Rollouts' rules, but for `count`): more Errors in a
 * row than consecutiveErrorLimit is Error; more Failed than failureLimit is Failed; more
 * Inconclusive than inconclusiveLimit is Inconclusive; `count` conclusive measurements (Successful
 * or Failed) without any of these is Successful. Unlike Argo, an Inconclusive measurement (a window
 * without data) does not count toward `count`: a tolerated quiet window lengthens the analysis, so
 * a Successful verdict always rests on `count` measured windows.
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
  const measured = outcomes.filter((o) => o === "Successful" || o === "Failed").length;
  const quiet = inconclusive > 0 ? ` (and ${inconclusive} inconclusive, within the limit)` : "";
  if (measured >= limits.count)
    return { phase: "Successful", reason: `${measured} measurements within limits${quiet}` };
  return { phase: "Running", reason: `${measured} of ${limits.count} measurements taken${quiet}` };
}

export { BUILTIN_FLOORS, BUILTIN_PROVIDER, BuiltinMetric, floorOf, isCountedShare } from "./builtin-metrics";

/**
 * Windows without data each default check tolerates per analysis (Argo's default is 0): at 5 %
 * a quiet minute is normal for a service with a few requests a minute, and with routing that is
 * random rather than exact (replica ratio, weighted load balancers) one window in twenty holds no
 * candidate request at three expected. No data still never passes: the analysis waits for `count`
 * measured windows and ends Inconclusive after the third window without any.
 */
export const DEFAULT_CHECK_INCONCLUSIVE_LIMIT = 2;

/** Promotion gate: the candidate's error rate stays below 110 % of the stable version's. */
export const DEFAULT_ERROR_RATE_GATE: MetricCheckInput = {
  kind: "metric",
  name: "error-rate",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.errorRate,
  successCondition: "< 110% of baseline",
  inconclusiveLimit: DEFAULT_CHECK_INCONCLUSIVE_LIMIT,
};

/** Promotion gate: the candidate's mean latency stays below 120 % of the stable version's. */
export const DEFAULT_LATENCY_GATE: MetricCheckInput = {
  kind: "metric",
  name: "mean-latency",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.meanLatency,
  successCondition: "< 120% of baseline",
  inconclusiveLimit: DEFAULT_CHECK_INCONCLUSIVE_LIMIT,
};

/** Rollback trigger: more than 5 % of the candidate's responses are 5xx. */
export const DEFAULT_5XX_TRIGGER: MetricCheckInput = {
  kind: "metric",
  name: "http-5xx-rate",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.http5xxRate,
  failureCondition: "> 0.05",
  inconclusiveLimit: DEFAULT_CHECK_INCONCLUSIVE_LIMIT,
};

/** Rollback trigger: the candidate's latency is above 200 % of the stable version's. */
export const DEFAULT_LATENCY_TRIGGER: MetricCheckInput = {
  kind: "metric",
  name: "latency-spike",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.meanLatency,
  failureCondition: "> 200% of baseline",
  inconclusiveLimit: DEFAULT_CHECK_INCONCLUSIVE_LIMIT,
};

/** Rollback trigger: the candidate's throughput is below 50 % of the stable version's. */
export const DEFAULT_THROUGHPUT_TRIGGER: MetricCheckInput = {
  kind: "metric",
  name: "throughput-drop",
  provider: BUILTIN_PROVIDER,
  query: BuiltinMetric.throughput,
  failureCondition: "< 50% of baseline",
  inconclusiveLimit: DEFAULT_CHECK_INCONCLUSIVE_LIMIT,
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
