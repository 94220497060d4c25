// A check judged by the anytime-valid sequential test (components/core/sequential.ts): polled every
// interval, each poll's request and error (or slow request) counts per version added to the test; the analysis fails
// as soon as the test says the candidate is worse, without waiting for the window's end, and
// passes when the window ends without evidence. A split that does not follow the weight makes it
// Inconclusive (the routing or the metric is wrong, so the errors cannot be compared).
import type { MetricCheck } from "../../components/core";
import { formatDuration } from "../../components/core/duration";
import { CanaryErrorTest } from "../../components/core/sequential";
import type { CheckMeasurement } from "./events";
import type { AnalysisOptions, AnalysisResult, MetricReading } from "./types";

/** The requests and errors (or slow requests) of each version in one poll's window; zeros when the window had none. */
function countsOf(r: MetricReading) {
  const e = r.evidence;
  const trials = e?.kind === "proportion" ? e.trials : 0;
  const baselineTrials = e?.kind === "proportion" ? (e.baselineTrials ?? 0) : 0;
  return {
    candidateRequests: trials,
    candidateErrors: Math.round((r.value ?? 0) * trials),
    stableRequests: baselineTrials,
    stableErrors: Math.round((r.baseline ?? 0) * baselineTrials),
  };
}

/** Runs one sequential check to its verdict. */
export async function runSequential(
  check: MetricCheck,
  judge: NonNullable<MetricCheck["sequential"]>,
  candidateWeight: number,
  poll: () => Promise<MetricReading>,
  o: AnalysisOptions,
  stop: AbortSignal,
): Promise<AnalysisResult> {
  const measurements: CheckMeasurement[] = [];
  const condition = `sequential test, alpha ${judge.alpha}`;
  const done = (outcome: AnalysisResult["outcome"], reason: string, at?: Date): AnalysisResult => ({
    outcome,
    reason: `${check.name}: ${reason}`,
    measurements,
    ...(at ? { firstFailureAt: at } : {}),
  });
  if (candidateWeight <= 0 || candidateWeight >= 100)
    return done(
      "Inconclusive",
      `the sequential test compares two versions, and the candidate's weight is ${candidateWeight} %`,
    );
  const slowerThan = check.query === "slowRate" ? check.slowerThanSeconds : undefined;
  const test = new CanaryErrorTest({
    weight: candidateWeight / 100,
    ...(slowerThan !== undefined ? { events: `slow requests (over ${formatDuration(slowerThan)})` } : {}),
    alpha: judge.alpha,
    k: judge.concentration,
    ...(judge.promoteEarly ? { notWorseMargin: judge.promoteEarly.margin } : {}),
  });
  let errorsInARow = 0;
  let pValue = 1;
  for (let polls = 0; polls < check.count; polls++) {
    if (stop.aborted) return done("Successful", "stopped");
    const r = await poll();
    if (r.error !== undefined) {
      errorsInARow++;
      const m: CheckMeasurement = { check: check.name, outcome: "Error", reason: r.error, condition };
      measurements.push(m);
      o.onMeasurement?.(m);
      if (r.fatal) return done("Error", `${r.error} (a configuration error: not retried)`, new Date());
      if (errorsInARow > check.consecutiveErrorLimit)
        return done(
          "Error",
          `${errorsInARow} query errors in a row (limit ${check.consecutiveErrorLimit})`,
          new Date(),
        );
      continue;
    }
    errorsInARow = 0;
    const v = test.update(countsOf(r));
    pValue = v.pValue;
    const outcome =
      v.decision === "worse" ? "Failed" : v.decision === "notWorse" ? "Successful" : "Inconclusive";
    const m: CheckMeasurement = {
      check: check.name,
      outcome,
      reason: v.reason,
      ...(r.value !== undefined ? { value: r.value } : {}),
      ...(r.baseline !== undefined ? { baseline: r.baseline } : {}),
      requests: test.candidateRequests,
      condition,
    };
    measurements.push(m);
    o.onMeasurement?.(m);
    if (v.decision === "worse")
      return done("Failed", `${v.reason}, after ${test.candidateRequests} candidate requests`, new Date());
    if (v.decision === "mismatch") return done("Inconclusive", v.reason, new Date());
    if (v.decision === "notWorse")
      return done(
        "Successful",
        `${v.reason}: the step ends early, after ${test.candidateRequests} candidate requests`,
      );
  }
  if (test.candidateRequests === 0)
    return done(
      "Inconclusive",
      `the candidate served no request in ${check.count} polls: no data never passes`,
    );
  return done(
    "Successful",
    `no evidence that the candidate is worse in ${test.candidateRequests} candidate requests over ${check.count} polls (p ${pValue.toPrecision(2)} >= ${judge.alpha})`,
  );
}
