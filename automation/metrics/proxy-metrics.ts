// The local traffic proxy's `GET /metrics.json` document, parsed tolerantly, and the maths on
// it: error rate, mean and quantile latency, throughput, over a snapshot or between two.

/** Status classes the proxy counts. */
export const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/**
 * The document the proxy serves at `GET <adminUrl>/metrics.json` (the fields read here).
 * Counters are cumulative since the proxy started.
 *
 * ```json
 * { "service": "web", "generation": 3, "unrouted": { "no-version": 0 },
 *   "versions": { "v2": {
 *     "requests": { "1xx": 0, "2xx": 940, "3xx": 0, "4xx": 10, "5xx": 50 },
 *     "proxyErrors": { "502": 3, "aborted": 1 },
 *     "latency": { "buckets": [{ "le": "0.005", "count": 10 }, ..., { "le": "+Inf", "count": 1000 }],
 *                  "sum": 41.5, "count": 1000 },
 *     "inFlight": 2 } } }
 * ```
 * `requests` counts every response the client saw, including those the proxy generated itself,
 * so proxy errors with a 5xx code (`502`, `504`) are already inside `requests.5xx`; other
 * proxy errors (`aborted`: reset mid-response) are not.
 */
export interface ProxyMetricsDocument {
  /** Service the proxy routes. */
  readonly service?: string;
  /** Generation of the routing table in use. */
  readonly generation?: number;
  /** Per version counters, keyed by version name. */
  readonly versions?: Readonly<Record<string, ProxyVersionDocument>>;
}

/** Counters of one version in {@link ProxyMetricsDocument}. */
export interface ProxyVersionDocument {
  /** Responses by status class. */
  readonly requests?: Readonly<Partial<Record<(typeof STATUS_CLASSES)[number], number>>>;
  /** Responses the proxy produced or aborted itself, by code (`502`, `504`) or `aborted`. */
  readonly proxyErrors?: Readonly<Record<string, number>>;
  /** Latency histogram in seconds: cumulative bucket counts by upper bound (`+Inf` last). */
  readonly latency?: {
    readonly buckets?: ReadonlyArray<{ readonly le: string | number; readonly count: number }>;
    readonly sum?: number;
    readonly count?: number;
  };
  /** Requests being proxied now. */
  readonly inFlight?: number;
}

/** One version's counters, normalised: every number present, buckets sorted with numeric bounds. */
export interface VersionCounters {
  readonly requests: Record<(typeof STATUS_CLASSES)[number], number>;
  /** Proxy errors not already counted as 5xx responses (codes outside 500-599). */
  readonly extraErrors: number;
  readonly buckets: ReadonlyArray<{ readonly le: number; readonly count: number }>;
  readonly latencySum: number;
  readonly latencyCount: number;
  readonly inFlight: number;
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);

function parseLe(le: unknown): number {
  if (le === "+Inf" || le === "Inf" || le === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return typeof le === "number" ? le : Number(le);
}

/** Normalises one version of the document; missing or malformed numbers count as 0. */
export function parseVersion(doc: unknown): VersionCounters {
  const v = (typeof doc === "object" && doc !== null ? doc : {}) as ProxyVersionDocument;
  const requests = Object.fromEntries(
    STATUS_CLASSES.map((c) => [c, num(v.requests?.[c])]),
  ) as VersionCounters["requests"];
  let extraErrors = 0;
  for (const [code, n] of Object.entries(v.proxyErrors ?? {})) {
    if (!/^5\d\d$/.test(code)) extraErrors += num(n);
  }
  const buckets = (Array.isArray(v.latency?.buckets) ? v.latency.buckets : [])
    .map((b) => ({ le: parseLe(b?.le), count: num(b?.count) }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  return {
    requests,
    extraErrors,
    buckets,
    latencySum: num(v.latency?.sum),
    latencyCount: num(v.latency?.count),
    inFlight: num(v.inFlight),
  };
}

/** All versions of a document; anything that is not an object gives no versions. */
export function parseProxyMetrics(doc: unknown): Map<string, VersionCounters> {
  const versions = (doc as ProxyMetricsDocument | null)?.versions;
  const out = new Map<string, VersionCounters>();
  if (typeof versions !== "object" || versions === null) return out;
  for (const [name, v] of Object.entries(versions)) out.set(name, parseVersion(v));
  return out;
}

/** Total responses of a version. */
export function totalRequests(c: VersionCounters): number {
  return STATUS_CLASSES.reduce((sum, k) => sum + c.requests[k], 0);
}

/**
 * Counters accumulated from `before` to `after`. If any counter went down (the proxy
 * restarted), `after` alone is the best estimate, as Prometheus' rate() does on a reset.
 */
export function diffCounters(before: VersionCounters, after: VersionCounters): VersionCounters {
  const reset =
    STATUS_CLASSES.some((k) => after.requests[k] < before.requests[k]) ||
    after.latencyCount < before.latencyCount ||
    after.extraErrors < before.extraErrors;
  if (reset) return after;
  const prior = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    requests: Object.fromEntries(
      STATUS_CLASSES.map((k) => [k, after.requests[k] - before.requests[k]]),
    ) as VersionCounters["requests"],
    extraErrors: after.extraErrors - before.extraErrors,
    buckets: after.buckets.map((b) => ({ le: b.le, count: Math.max(0, b.count - (prior.get(b.le) ?? 0)) })),
    latencySum: Math.max(0, after.latencySum - before.latencySum),
    latencyCount: after.latencyCount - before.latencyCount,
    inFlight: after.inFlight,
  };
}

/** (5xx responses + proxy errors that are not 5xx responses) / all responses; NaN with no requests. */
export function errorRate(c: VersionCounters): number {
  const total = totalRequests(c);
  return total === 0 ? Number.NaN : (c.requests["5xx"] + c.extraErrors) / total;
}

/** 5xx responses / all responses, without proxy errors the client saw no status for; NaN with no requests. */
export function http5xxRate(c: VersionCounters): number {
  const total = totalRequests(c);
  return total === 0 ? Number.NaN : c.requests["5xx"] / total;
}

/** Mean latency in seconds; NaN with no requests. */
export function meanLatency(c: VersionCounters): number {
  return c.latencyCount === 0 ? Number.NaN : c.latencySum / c.latencyCount;
}

/**
 * The requests slower than `seconds` and the requests the histogram holds: slow are those above
 * the largest bound at or below `seconds` (all of them when no bound is), so a threshold between
 * two bounds counts the requests between the lower bound and it as slow too.
 */
export function slowRequests(c: VersionCounters, seconds: number): { slow: number; total: number } {
  let fast = 0;
  for (const b of c.buckets) if (b.le <= seconds * (1 + 1e-9)) fast = b.count;
  return { slow: Math.max(0, c.latencyCount - fast), total: c.latencyCount };
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolating linearly inside the bucket
 * as Prometheus' histogram_quantile() does. When the rank falls in the `+Inf` bucket the
 * highest finite bound is returned. NaN when the histogram is empty.
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number {
  const last = buckets[buckets.length - 1];
  if (!last || last.count === 0 || Number.isNaN(q)) return Number.NaN;
  if (q <= 0) return 0;
  const total = last.count;
  const rank = Math.min(q, 1) * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Number.POSITIVE_INFINITY) return prevLe;
      const inBucket = b.count - prevCount;
      if (inBucket <= 0) return b.le;
      const start = prevLe > b.le ? 0 : prevLe;
      return start + (b.le - start) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}
