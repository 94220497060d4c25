// Runs a step's checks against the live service and decides the step's outcome with the core's
// rules (four outcomes, each with its own limit; no data is Inconclusive). Checks run side by side;
// the first one that ends badly stops the others, so a bad canary is reverted as soon as it shows.
//
// A metric check's provider is `builtin` (the platform's own request metrics, found through the
// release contract's metrics descriptor) or a registry kind configured in `progressive:metrics`.
// A check whose provider or query cannot work ends at once with Error: retrying a configuration
// mistake only delays the revert. Preflight finds these earlier with unknownProviderProblems and
// metricQueryProblems.
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AnalysisVerdict,
  analysisVerdict,
  BUILTIN_PROVIDER,
  type Check,
  type Classification,
  classifyMeasurement,
  type Evidence,
  floorOf,
  formatCondition,
  type HttpCheck,
  isCountedShare,
  isExpectedStatus,
  type MetricCheck,
  type Outcome,
} from "../../components/core";
import { type BuiltinSource, createBuiltinSource, SLOW_RATE, type VersionPair } from "../metrics/builtin";
import { builtinMetric, providerProblem, queryObject } from "../metrics/check-providers";
import { healthAfter } from "../metrics/health-state";
import { checkHttp } from "../metrics/http";
import { createProvider, type ProviderSpec } from "../metrics/registry";
import { MissingPackageError } from "../metrics/sdk-call";
import { type SettingsKind, settingsProviderSpec } from "../metrics/settings";
import { type Measurement, MetricConfigError, type MetricProvider, noData, valuesOf } from "../metrics/types";
import { joinUrl } from "../shared/http";
import type { CheckMeasurement } from "./events";
import { runSequential } from "./sequential-check";
import type { AnalysisOptions, AnalysisResult, AnalysisTarget, MetricReading } from "./types";

// Preflight's questions about a check's provider and query live beside the providers.
export { knownProviders, metricQueryProblems, unknownProviderProblems } from "../metrics/check-providers";

export type { AnalysisOptions, AnalysisResult, AnalysisRunner, AnalysisTarget } from "./types";

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** Configuration mistakes: retrying them only delays the verdict. */
const isFatal = (err: unknown) => err instanceof MetricConfigError || err instanceof MissingPackageError;
/** Measures one metric check once; resolved from its provider before the first measurement. */
type Measure = (signal: AbortSignal) => Promise<MetricReading>;

/** The number of a measurement: undefined with a reason for no data; throws for several series. */
function numberOf(m: Measurement): { value?: number; noData?: string } {
  if (m.kind === "noData") return { noData: m.reason };
  const values = valuesOf(m);
  if (values.length !== 1) {
    throw new Error(
      `the query returned ${values.length} series; make it return one (aggregate with sum(...) or filter by a label)`,
    );
  }
  return { value: values[0] as number };
}

/** The reading of a candidate measurement and, for relative conditions, the stable one. */
function reading(candidate: Measurement, stable?: Measurement): MetricReading {
  const c = numberOf(candidate);
  const s = stable ? numberOf(stable) : {};
  return {
    ...(c.value !== undefined ? { value: c.value } : {}),
    ...(c.noData !== undefined ? { noData: c.noData } : {}),
    ...(s.value !== undefined ? { baseline: s.value } : {}),
  };
}

/** The number of requests a provider says a measurement comes from (`detail.requests`). */
function requestsOf(m: Measurement): number | undefined {
  const n = m.kind === "value" ? m.detail?.requests : undefined;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The request counts behind a builtin reading, where the source reports them (the local proxy,
 * CloudWatch, Cloud Monitoring): error rates are shares of the candidate's requests, throughput is
 * the candidate's share of all requests at its weight. Mean latency has none (no source reports
 * a spread): its floor alone stands against noise.
 */
function evidenceOf(
  metric: string,
  pair: { candidate: Measurement; stable: Measurement },
  candidateWeight: number,
): Evidence | undefined {
  const [candidate, stable] = [requestsOf(pair.candidate), requestsOf(pair.stable)];
  if (candidate === undefined) return undefined;
  if (isCountedShare(metric))
    return {
      kind: "proportion",
      trials: candidate,
      ...(stable !== undefined ? { baselineTrials: stable } : {}),
    };
  if (metric === "throughput" && stable !== undefined)
    return { kind: "share", candidate, stable, candidateWeight: candidateWeight / 100 };
  return undefined;
}

/** Builtin throughput is per unit of traffic weight, so a 5 % candidate compares with a 95 % stable. */
function perUnitOfWeight(m: Measurement, weightPercent: number): Measurement {
  if (m.kind !== "value") return m;
  if (weightPercent <= 0) return noData("the version has no traffic weight", m.at);
  return { ...m, value: m.value / (weightPercent / 100) };
}

/** Providers shared by the checks of one analysis, so each SDK client is built once. */
interface ProviderCache {
  readonly build: (spec: ProviderSpec) => MetricProvider;
  builtin?: BuiltinSource;
  readonly providers: Map<string, MetricProvider>;
}

/** Measures a builtin metric for both versions over one interval; slowRate needs the source's histogram. */
function pairMeasurer(
  check: MetricCheck,
  metric: ReturnType<typeof builtinMetric>,
  source: BuiltinSource,
  versions: VersionPair<string>,
): (signal: AbortSignal) => Promise<VersionPair<Measurement>> {
  if (metric !== SLOW_RATE)
    return (signal) => source.measure(metric, versions, check.intervalSeconds, signal);
  const slowerThan = check.slowerThanSeconds;
  const measureSlow = source.measureSlow?.bind(source);
  if (!measureSlow || slowerThan === undefined)
    throw new MetricConfigError(
      `check "${check.name}"`,
      "query",
      metric,
      `needs a latency histogram per version, which the builtin metrics of "${source.kind}" do not give`,
      "judge latency with meanLatency and a relative condition",
    );
  return (signal) => measureSlow(slowerThan, versions, check.intervalSeconds, signal);
}

/** How `check` is measured; throws MetricConfigError when its provider or query cannot work. */
function measurerFor(check: MetricCheck, t: AnalysisTarget, cache: ProviderCache): Measure {
  const p = providerProblem(check.provider, t.release, t.metrics);
  if (p) throw new MetricConfigError(`check "${check.name}"`, "provider", check.provider, p.problem, p.fix);
  if (check.provider === BUILTIN_PROVIDER) {
    const metric = builtinMetric(check);
    cache.builtin ??= createBuiltinSource(
      t.release.metrics,
      t.secrets,
      t.metrics,
      cache.build,
      t.release.traffic,
    );
    const source = cache.builtin;
    const pairOf = pairMeasurer(check, metric, source, { candidate: t.candidate, stable: t.stable });
    return async (signal) => {
      const pair = await pairOf(signal);
      const evidence = evidenceOf(metric, pair, t.candidateWeight);
      const r =
        metric === "throughput"
          ? reading(
              perUnitOfWeight(pair.candidate, t.candidateWeight),
              perUnitOfWeight(pair.stable, 100 - t.candidateWeight),
            )
          : reading(pair.candidate, pair.stable);
      return r.value !== undefined && evidence ? { ...r, evidence } : r;
    };
  }
  const kind = check.provider as SettingsKind;
  const provider =
    cache.providers.get(kind) ?? cache.build(settingsProviderSpec(kind, t.metrics) as ProviderSpec);
  cache.providers.set(kind, provider);
  // `{{version}}` makes one query per version (candidate, then stable as the baseline); a query
  // without it measures once and has no baseline, so a relative condition is Inconclusive.
  const perVersion = check.query.includes("{{version}}");
  const queryFor = (version: string) =>
    queryObject(check, kind, check.query.replaceAll("{{version}}", version));
  queryFor(t.candidate); // a query that is not JSON ends the check now, not after the first wait
  return async (signal) => {
    await sleep(check.intervalSeconds * 1000, undefined, { signal });
    if (!perVersion) return reading(await provider.query(queryFor(t.candidate), signal));
    const [candidate, stable] = await Promise.all([
      provider.query(queryFor(t.candidate), signal),
      provider.query(queryFor(t.stable), signal),
    ]);
    return reading(candidate, stable);
  };
}

/** One measurement; a failure becomes an Error reading, fatal when it is a configuration mistake. */
async function measureMetric(measure: Measure, signal: AbortSignal): Promise<MetricReading> {
  try {
    return await measure(signal);
  } catch (err) {
    if (signal.aborted) throw err;
    return { error: messageOf(err), fatal: isFatal(err) };
  }
}

/** One request of an HTTP check, with the candidate header when there is one. */
async function measureHttp(
  check: HttpCheck,
  t: AnalysisTarget,
  signal?: AbortSignal,
): Promise<Classification & { value?: number }> {
  const base = t.httpBaseUrl ?? t.release.endpoint;
  if (!base) return { outcome: "Error", reason: "the release has no endpoint to check" };
  const res = await checkHttp(
    {
      url: joinUrl(base, check.path),
      timeoutMs: check.timeoutSeconds * 1000,
      ...(t.candidateHeader ? { headers: { [t.candidateHeader.name]: t.candidateHeader.value } } : {}),
    },
    signal,
  );
  if (res.status === undefined) return { outcome: "Error", reason: res.error ?? "no response" };
  const ok = isExpectedStatus(res.status, check);
  return {
    outcome: ok ? "Successful" : "Failed",
    reason: `status ${res.status}`,
    value: res.status,
  };
}

/** The measurement record of a metric reading. */
function metricMeasurement(check: MetricCheck, r: MetricReading): CheckMeasurement {
  const cls = classifyMeasurement(r, check);
  // Said with its role: a failure condition met is a failure, so "> 0.05" alone beside a passing
  // value would read as the condition that passed.
  const floor = floorOf(check);
  const cond = [
    check.successCondition && `ok if ${formatCondition(check.successCondition, floor)}`,
    check.failureCondition && `fail if ${formatCondition(check.failureCondition, floor)}`,
  ]
    .filter(Boolean)
    .join(", ");
  const noDataReason = r.value === undefined && r.noData ? `no data: ${r.noData}` : undefined;
  const e = r.evidence;
  return {
    check: check.name,
    outcome: cls.outcome,
    reason: r.error ?? noDataReason ?? cls.reason,
    ...(r.value !== undefined ? { value: r.value } : {}),
    ...(r.baseline !== undefined ? { baseline: r.baseline } : {}),
    ...(e?.kind === "proportion" ? { requests: e.trials } : e ? { requests: e.candidate } : {}),
    ...(e?.kind === "proportion" && e.baselineTrials !== undefined
      ? { baselineRequests: e.baselineTrials }
      : e?.kind === "share"
        ? { baselineRequests: e.stable }
        : {}),
    ...(cond ? { condition: cond } : {}),
  };
}

/**
 * The verdict of an HTTP check, with probe semantics: Successful after `successThreshold`
 * successes in a row, Failed (or Error, when the last request got no response) after
 * `failureThreshold` failures in a row. A check that keeps flapping gives up as Inconclusive
 * after 3 × (successThreshold + failureThreshold) requests.
 */
function httpVerdict(outcomes: readonly Outcome[], check: HttpCheck): AnalysisVerdict {
  const health = healthAfter(
    outcomes.map((o) => o === "Successful"),
    check,
  );
  const last = outcomes[outcomes.length - 1];
  if (health.status === "healthy")
    return { phase: "Successful", reason: `${health.consecutiveSuccesses} successful requests in a row` };
  if (health.status === "unhealthy")
    return {
      phase: last === "Error" ? "Error" : "Failed",
      reason: `${health.consecutiveFailures} failed requests in a row (threshold ${check.failureThreshold})`,
    };
  const cap = 3 * (check.successThreshold + check.failureThreshold);
  if (outcomes.length >= cap)
    return {
      phase: "Inconclusive",
      reason: `no ${check.successThreshold} successes in a row in ${cap} requests`,
    };
  return { phase: "Running", reason: `${outcomes.length} requests` };
}

/** Runs one check to its verdict. */
async function runCheck(
  check: Check,
  t: AnalysisTarget,
  cache: ProviderCache,
  o: AnalysisOptions,
  stop: AbortSignal,
): Promise<AnalysisResult> {
  const outcomes: Outcome[] = [];
  const measurements: CheckMeasurement[] = [];
  let firstFailureAt: Date | undefined;
  let measure: Measure | undefined;
  let fatal: string | undefined;
  if (check.kind === "metric") {
    try {
      measure = measurerFor(check, t, cache);
    } catch (err) {
      fatal = messageOf(err);
    }
    const m = measure;
    if (check.sequential && m)
      return runSequential(check, check.sequential, t.candidateWeight, () => measureMetric(m, stop), o, stop);
  }
  for (;;) {
    if (stop.aborted) return { outcome: "Successful", reason: "stopped", measurements };
    let c: CheckMeasurement;
    if (check.kind === "metric") {
      const r =
        fatal !== undefined ? { error: fatal, fatal: true } : await measureMetric(measure as Measure, stop);
      c = metricMeasurement(check, r);
      fatal = r.fatal ? r.error : undefined;
    } else {
      if (outcomes.length > 0) await sleep(check.intervalSeconds * 1000, undefined, { signal: stop });
      const r = await measureHttp(check, t, stop);
      c = {
        check: check.name,
        outcome: r.outcome,
        reason: r.reason,
        ...(r.value !== undefined ? { value: r.value } : {}),
      };
    }
    measurements.push(c);
    outcomes.push(c.outcome);
    o.onMeasurement?.(c);
    if (c.outcome !== "Successful" && !firstFailureAt) firstFailureAt = new Date();
    const at = firstFailureAt ? { firstFailureAt } : {};
    if (fatal !== undefined) {
      return {
        outcome: "Error",
        reason: `${check.name}: ${fatal} (a configuration error: not retried)`,
        measurements,
        ...at,
      };
    }
    if (o.failFast && c.outcome !== "Successful") {
      return { outcome: c.outcome, reason: `${check.name}: ${c.reason} (fail fast)`, measurements, ...at };
    }
    const verdict = check.kind === "metric" ? analysisVerdict(outcomes, check) : httpVerdict(outcomes, check);
    if (verdict.phase !== "Running") {
      return {
        outcome: verdict.phase,
        reason: `${check.name}: ${verdict.reason}; last: ${c.reason}`,
        measurements,
        ...at,
      };
    }
  }
}

const SEVERITY: Readonly<Record<Outcome, number>> = { Successful: 0, Inconclusive: 1, Error: 2, Failed: 3 };

/** Runs `checks` side by side; the first that ends badly stops the rest. */
export async function runAnalysis(
  checks: readonly Check[],
  target: AnalysisTarget,
  o: AnalysisOptions = {},
): Promise<AnalysisResult> {
  if (checks.length === 0) return { outcome: "Successful", reason: "no checks", measurements: [] };
  const cache: ProviderCache = { build: o.createProvider ?? createProvider, providers: new Map() };
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onOuterAbort, { once: true });
  try {
    const results = await Promise.all(
      checks.map(async (check) => {
        try {
          const r = await runCheck(check, target, cache, o, stop.signal);
          if (r.outcome !== "Successful") stop.abort(new Error(r.reason));
          return r;
        } catch (err) {
          if (o.signal?.aborted) throw o.signal.reason;
          if (stop.signal.aborted)
            return { outcome: "Successful" as const, reason: "stopped", measurements: [] };
          throw err;
        }
      }),
    );
    o.signal?.throwIfAborted();
    const worst = results.reduce((a, b) => (SEVERITY[b.outcome] > SEVERITY[a.outcome] ? b : a));
    const failures = results.map((r) => r.firstFailureAt).filter((d): d is Date => d !== undefined);
    return {
      outcome: worst.outcome,
      reason: worst.outcome === "Successful" ? `${checks.length} check(s) passed` : worst.reason,
      measurements: results.flatMap((r) => r.measurements),
      ...(failures.length > 0
        ? { firstFailureAt: new Date(Math.min(...failures.map((d) => d.getTime()))) }
        : {}),
    };
  } finally {
    o.signal?.removeEventListener("abort", onOuterAbort);
  }
}
