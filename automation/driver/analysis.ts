// Runs a step's checks against the live service and decides the step's outcome with the core's
// rules (four outcomes, each with its own limit; no data is Inconclusive). Checks run side by side;
// the first one that ends badly stops the others, so a bad canary is reverted as soon as it shows.
import { setTimeout as sleep } from "node:timers/promises";
import {
  analysisVerdict,
  BUILTIN_PROVIDER,
  type Check,
  type Classification,
  classifyMeasurement,
  formatCondition,
  type HttpCheck,
  isExpectedStatus,
  type MetricCheck,
  type Outcome,
} from "../../components/core";
import { checkHttp } from "../metrics/http";
import { createPrometheusProvider } from "../metrics/prometheus";
import {
  diffCounters,
  errorRate,
  meanLatency,
  parseProxyMetrics,
  totalRequests,
  type VersionCounters,
} from "../metrics/proxy-metrics";
import type { MetricProvider } from "../metrics/types";
import { fetchText, joinUrl } from "../shared/http";
import type { CheckMeasurement } from "./events";
import type { ServiceOutputs } from "./stack";

/** What the checks measure. */
export interface AnalysisTarget {
  readonly candidate: string;
  readonly stable: string;
  /** Candidate's weight while measuring (throughput is compared per unit of weight). */
  readonly candidateWeight: number;
  readonly outputs: ServiceOutputs;
  /** PromQL endpoint for checks whose provider is `prometheus`. */
  readonly prometheusUrl?: string;
  /** Header that routes a request to the candidate, for HTTP checks. */
  readonly candidateHeader?: { readonly name: string; readonly value: string };
  /** Base URL for HTTP checks. @default outputs.endpoint */
  readonly httpBaseUrl?: string;
}

export interface AnalysisOptions {
  /** Stops the analysis (the pending measurement rejects). @default none */
  readonly signal?: AbortSignal;
  /** Called with every measurement as it is taken. @default none */
  readonly onMeasurement?: (m: CheckMeasurement) => void;
  /** Stop at the first measurement that is not Successful (dev's failFast). @default false */
  readonly failFast?: boolean;
}

export interface AnalysisResult {
  readonly outcome: Outcome;
  readonly reason: string;
  readonly measurements: readonly CheckMeasurement[];
  /** When the first bad measurement was taken (start of time to revert). */
  readonly firstFailureAt?: Date;
}

/** Providers a check may name; anything else is rejected before the release starts. */
export function knownProviders(prometheusUrl?: string): string[] {
  return [BUILTIN_PROVIDER, ...(prometheusUrl ? ["prometheus"] : [])];
}

type Sample = { value?: number; baseline?: number; error?: string };

/** The proxy's counters for two versions, read twice `ms` apart. */
async function proxyWindow(t: AnalysisTarget, ms: number, signal?: AbortSignal) {
  const { adminEndpoint, adminToken } = t.outputs;
  if (!adminEndpoint || !adminToken)
    throw new Error("the stack has no adminEndpoint/adminToken outputs to read metrics from");
  const read = async () => {
    const res = await fetchText(
      joinUrl(adminEndpoint, "/metrics.json"),
      { headers: { authorization: `Bearer ${adminToken}` } },
      { timeoutMs: 5_000, signal },
    );
    if (res.status !== 200) throw new Error(`metrics.json answered ${res.status}`);
    return parseProxyMetrics(JSON.parse(res.body));
  };
  const before = await read();
  const started = Date.now();
  await sleep(ms, undefined, { signal });
  const after = await read();
  const seconds = (Date.now() - started) / 1000;
  const diff = (v: string): VersionCounters | undefined => {
    const a = after.get(v);
    if (!a) return undefined;
    const b = before.get(v);
    return b ? diffCounters(b, a) : a;
  };
  return { candidate: diff(t.candidate), stable: diff(t.stable), seconds };
}

function builtinValue(
  query: string,
  c: VersionCounters | undefined,
  seconds: number,
  share: number,
): number | undefined {
  if (!c || totalRequests(c) === 0) return undefined;
  switch (query) {
    case "errorRate":
      return errorRate(c);
    case "http5xxRate":
      return c.requests["5xx"] / totalRequests(c);
    case "meanLatency":
      return meanLatency(c);
    case "throughput":
      return share > 0 ? totalRequests(c) / seconds / share : undefined;
    default:
      throw new Error(
        `unknown builtin query "${query}"; use errorRate, http5xxRate, meanLatency or throughput`,
      );
  }
}

async function measureMetric(
  check: MetricCheck,
  t: AnalysisTarget,
  prom: MetricProvider | undefined,
  signal?: AbortSignal,
): Promise<Sample> {
  const windowMs = check.intervalSeconds * 1000;
  try {
    if (check.provider === BUILTIN_PROVIDER) {
      const w = await proxyWindow(t, windowMs, signal);
      const share = t.candidateWeight / 100;
      const value = builtinValue(check.query, w.candidate, w.seconds, share);
      const baseline = builtinValue(check.query, w.stable, w.seconds, 1 - share);
      return { ...(value !== undefined ? { value } : {}), ...(baseline !== undefined ? { baseline } : {}) };
    }
    if (check.provider === "prometheus" && prom) {
      await sleep(windowMs, undefined, { signal });
      const one = async (version: string) => {
        const m = await prom.query({ query: check.query.replaceAll("{{version}}", version) }, signal);
        return m.kind === "value" ? m.value : m.kind === "vector" ? m.samples[0]?.value : undefined;
      };
      const [value, baseline] = await Promise.all([one(t.candidate), one(t.stable)]);
      return { ...(value !== undefined ? { value } : {}), ...(baseline !== undefined ? { baseline } : {}) };
    }
    return { error: `no metric provider named "${check.provider}"` };
  } catch (err) {
    if (signal?.aborted) throw err;
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function measureHttp(
  check: HttpCheck,
  t: AnalysisTarget,
  signal?: AbortSignal,
): Promise<Classification & { value?: number }> {
  const base = t.httpBaseUrl ?? t.outputs.endpoint;
  if (!base) return { outcome: "Error", reason: "the stack has no endpoint output to check" };
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

/** Runs one check to its verdict. */
async function runCheck(
  check: Check,
  t: AnalysisTarget,
  prom: MetricProvider | undefined,
  o: AnalysisOptions,
  stop: AbortSignal,
): Promise<AnalysisResult> {
  const outcomes: Outcome[] = [];
  const measurements: CheckMeasurement[] = [];
  let firstFailureAt: Date | undefined;
  const limits =
    check.kind === "metric"
      ? check
      : {
          count: check.successThreshold,
          failureLimit: check.failureThreshold - 1,
          inconclusiveLimit: 0,
          consecutiveErrorLimit: check.failureThreshold - 1,
        };
  for (;;) {
    if (stop.aborted) return { outcome: "Successful", reason: "stopped", measurements };
    let c: CheckMeasurement;
    if (check.kind === "metric") {
      const sample = await measureMetric(check, t, prom, stop);
      const cls = classifyMeasurement(sample, check);
      const cond = check.failureCondition ?? check.successCondition;
      c = {
        check: check.name,
        outcome: cls.outcome,
        reason: sample.error ?? cls.reason,
        ...(sample.value !== undefined ? { value: sample.value } : {}),
        ...(sample.baseline !== undefined ? { baseline: sample.baseline } : {}),
        ...(cond ? { condition: formatCondition(cond) } : {}),
      };
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
    const verdict = analysisVerdict(outcomes, limits);
    if (o.failFast && c.outcome !== "Successful") {
      return {
        outcome: c.outcome,
        reason: `${check.name}: ${c.reason} (fail fast)`,
        measurements,
        ...(firstFailureAt ? { firstFailureAt } : {}),
      };
    }
    if (verdict.phase !== "Running") {
      return {
        outcome: verdict.phase,
        reason: `${check.name}: ${verdict.reason}; last: ${c.reason}`,
        measurements,
        ...(firstFailureAt ? { firstFailureAt } : {}),
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
  const prom = target.prometheusUrl
    ? createPrometheusProvider({ name: "prometheus", url: target.prometheusUrl })
    : undefined;
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onOuterAbort, { once: true });
  try {
    const results = await Promise.all(
      checks.map(async (check) => {
        try {
          const r = await runCheck(check, target, prom, o, stop.signal);
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
