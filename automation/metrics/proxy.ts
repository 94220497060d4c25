// Reads the local traffic proxy's `GET <adminUrl>/metrics.json` (bearer token) and answers
// error rate, 5xx rate, mean and p99 latency and throughput for one version, or for several
// versions from the same two snapshots (so a candidate and its baseline share one window).
import { displayUrl, FetchError, fetchText, joinUrl } from "../shared/http";
import { FieldReader } from "./fields";
import {
  diffCounters,
  errorRate,
  histogramQuantile,
  http5xxRate,
  meanLatency,
  parseProxyMetrics,
  slowRequests,
  totalRequests,
  type VersionCounters,
} from "./proxy-metrics";
import {
  type Measurement,
  type MetricProvider,
  type MetricQuery,
  MetricQueryError,
  measured,
  measuredVector,
  noData,
  type Sample,
} from "./types";

/** Connection settings of a proxy provider. */
export interface ProxyProviderSpec {
  /** Provider name used in messages. */
  readonly name: string;
  /** Base URL of the proxy's admin API, e.g. `http://127.0.0.1:9901`; give this or `metricsJsonUrl`. @default none */
  readonly adminUrl?: string;
  /** Full URL of the metrics document, as the release contract's `local-proxy` metrics descriptor gives it. @default `<adminUrl>/metrics.json` */
  readonly metricsJsonUrl?: string;
  /** The admin API's bearer token (a secret: never printed). */
  readonly token: string;
  /** Deadline of one fetch of the metrics document in milliseconds. @default 5000 */
  readonly timeoutMs?: number;
}

/** What the proxy provider can measure for a version. */
export const PROXY_METRICS = [
  "errorRate",
  "http5xxRate",
  "meanLatency",
  "p99Latency",
  "throughput",
  "slowRate",
] as const;

/** One of {@link PROXY_METRICS}. */
export type ProxyMetricName = (typeof PROXY_METRICS)[number];

/** A proxy query. */
export interface ProxyQuery {
  /**
   * errorRate / http5xxRate (fraction 0..1), meanLatency / p99Latency (seconds), throughput
   * (requests per second), slowRate (fraction of requests slower than `slowerThanSeconds`).
   */
  readonly metric: ProxyMetricName;
  /** slowRate's threshold in seconds (counted at the histogram bound at or below it). @default none: required by slowRate */
  readonly slowerThanSeconds?: number;
  /** Version name as the proxy knows it, e.g. `v2`; give this or `versions`. @default none */
  readonly version?: string;
  /**
   * Several versions measured from the same snapshots, so they share one window. The answer is a
   * vector with one sample labelled `{ version }` per version that had requests, or no data when
   * none had. @default none
   */
  readonly versions?: readonly string[];
  /**
   * Measure over a window: take a snapshot, wait this long, take another, use the difference.
   * 0 measures the cumulative counters since the proxy started (throughput needs a window).
   * @default 0
   */
  readonly windowMs?: number;
}

/** Default deadline of one metrics fetch. */
export const PROXY_DEFAULT_TIMEOUT_MS = 5_000;

/** Computes one metric from counters covering `seconds` (undefined: cumulative, unknown span). */
export function proxyMeasurement(
  metric: ProxyMetricName,
  version: string,
  c: VersionCounters | undefined,
  at: Date,
  seconds?: number,
  slowerThanSeconds = Number.NaN,
): Measurement {
  if (!c) return noData(`version "${version}" is not known to the proxy`, at);
  const total = totalRequests(c);
  if (total === 0)
    return noData(`no requests to version "${version}"${seconds ? ` in ${seconds.toFixed(1)} s` : ""}`, at);
  const detail = { requests: total };
  switch (metric) {
    case "errorRate":
      return measured(errorRate(c), at, detail);
    case "http5xxRate":
      return measured(http5xxRate(c), at, detail);
    case "meanLatency":
      return measured(meanLatency(c), at, detail);
    case "p99Latency":
      return measured(histogramQuantile(0.99, c.buckets), at, detail);
    case "throughput":
      return measured(seconds && seconds > 0 ? total / seconds : Number.NaN, at, detail);
    case "slowRate": {
      const { slow, total: timed } = slowRequests(c, slowerThanSeconds);
      return timed === 0
        ? noData(`no timed requests to version "${version}"`, at)
        : measured(slow / timed, at, { requests: timed, slow });
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Creates a proxy provider; validates the spec first. */
export function createProxyProvider(spec: ProxyProviderSpec): MetricProvider {
  const subject = `proxy provider "${String(spec?.name)}"`;
  const s = new FieldReader(spec, subject, "spec");
  const name = s.string("name", 'give the provider a name, e.g. "proxy"');
  const hasDocumentUrl = s.raw("metricsJsonUrl") !== undefined;
  if (hasDocumentUrl && s.raw("adminUrl") !== undefined)
    s.fail("adminUrl", "cannot be given together with metricsJsonUrl", "give only one of the two");
  const endpoint = hasDocumentUrl
    ? s.url("metricsJsonUrl", 'give the metrics document URL, e.g. "http://127.0.0.1:9901/metrics.json"')
    : joinUrl(
        s.url("adminUrl", 'give the proxy admin URL, e.g. "http://127.0.0.1:9901", or metricsJsonUrl'),
        "metrics.json",
      );
  const token = s.string("token", "give the admin API bearer token of the proxy");
  const timeoutMs = s.number("timeoutMs", PROXY_DEFAULT_TIMEOUT_MS, 1, 600_000, true);
  const shown = displayUrl(endpoint);

  const snapshot = async (
    signal?: AbortSignal,
  ): Promise<{ counters: Map<string, VersionCounters>; at: number }> => {
    let res: Awaited<ReturnType<typeof fetchText>>;
    try {
      res = await fetchText(
        endpoint,
        { headers: { authorization: `Bearer ${token}`, accept: "application/json" } },
        { timeoutMs, signal },
      );
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      throw new MetricQueryError(
        name,
        err.failure === "timeout" ? "timeout" : "unreachable",
        `${shown}: ${err.message}`,
      );
    }
    if (res.status < 200 || res.status >= 300) {
      const fix = res.status === 401 ? "; check the admin token" : "";
      throw new MetricQueryError(name, "http-status", `${shown} answered HTTP ${res.status}${fix}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(res.body);
    } catch {
      throw new MetricQueryError(name, "bad-response", `${shown} answered with a body that is not JSON`);
    }
    if (
      typeof doc !== "object" ||
      doc === null ||
      typeof (doc as { versions?: unknown }).versions !== "object"
    ) {
      throw new MetricQueryError(name, "bad-response", `${shown} answered JSON without a "versions" object`);
    }
    return { counters: parseProxyMetrics(doc), at: performance.now() };
  };

  return {
    name,
    kind: "proxy",
    async query(q: MetricQuery, signal?: AbortSignal): Promise<Measurement> {
      const r = new FieldReader(q, subject, "query");
      const metric = r.oneOf("metric", PROXY_METRICS, undefined);
      const versions = readVersions(r);
      const windowMs = r.number("windowMs", 0, 0, 3_600_000, true);
      const slowerThan =
        metric === "slowRate" ? r.number("slowerThanSeconds", undefined, 0.001, 3600, false) : Number.NaN;
      if (metric === "throughput" && windowMs === 0) {
        r.fail(
          "windowMs",
          "must be more than 0 for throughput (cumulative counters have no time span)",
          "set windowMs, e.g. 10000",
        );
      }
      const first = await snapshot(signal);
      let counters = (v: string) => first.counters.get(v);
      let seconds: number | undefined;
      if (windowMs > 0) {
        await sleep(windowMs, signal);
        const second = await snapshot(signal);
        counters = (v) => {
          const before = first.counters.get(v);
          const after = second.counters.get(v);
          return after && before ? diffCounters(before, after) : after;
        };
        seconds = (second.at - first.at) / 1000;
      }
      const at = new Date();
      const each = versions.names.map((v) =>
        proxyMeasurement(metric, v, counters(v), at, seconds, slowerThan),
      );
      if (versions.single) return each[0] as Measurement;
      const samples: Sample[] = [];
      const missing: string[] = [];
      each.forEach((m, i) => {
        if (m.kind === "value")
          samples.push({
            labels: { version: versions.names[i] as string },
            value: m.value,
            ...(m.detail ? { detail: m.detail } : {}),
          });
        else if (m.kind === "noData") missing.push(m.reason);
      });
      return measuredVector(samples, at, missing.join("; "));
    },
  };
}

/** The versions of a query: `version`, or the distinct names of `versions`. */
function readVersions(r: FieldReader): { names: string[]; single: boolean } {
  const list = r.raw("versions");
  if (list === undefined)
    return {
      names: [r.string("version", 'give the version name the proxy routes to, e.g. "v2"')],
      single: true,
    };
  if (r.raw("version") !== undefined)
    r.fail("version", "cannot be given together with versions", "give one of the two");
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((v) => typeof v === "string" && v.trim() !== "")
  )
    r.fail("versions", "must be a non-empty list of version names", 'use e.g. ["v2", "v1"]');
  return { names: [...new Set(list as string[])], single: false };
}
