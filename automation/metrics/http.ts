// HTTP checks: GET a URL, compare the status with what is expected, measure the latency.
// `checkHttp` never throws for a failed check (the result says why); the `http` metric
// provider turns a result into a measurement (1 = expected status, 0 = not) and throws
// MetricQueryError when there was no response at all.
import { displayUrl, FetchError, fetchText, splitCredentials } from "../shared/http";
import { FieldReader } from "./fields";
import { type Measurement, type MetricProvider, type MetricQuery, MetricQueryError, measured } from "./types";

/** Accepted statuses: a list, or an inclusive range. */
export type ExpectedStatus = readonly number[] | { readonly min: number; readonly max: number };

/** One HTTP check. */
export interface HttpCheckSpec {
  /** URL to GET; `user:password@` becomes Basic auth; only scheme, host and path are ever printed. */
  readonly url: string;
  /** Statuses that count as success. @default { min: 200, max: 399 } */
  readonly expectedStatus?: ExpectedStatus;
  /** Deadline in milliseconds. @default 5000 */
  readonly timeoutMs?: number;
  /** Extra request headers. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What one check saw. */
export interface HttpCheckResult {
  /** The status was one of the expected ones. */
  readonly ok: boolean;
  /** HTTP status; undefined when there was no response. */
  readonly status: number | undefined;
  /** Milliseconds until the body was read, or until the check gave up. */
  readonly latencyMs: number;
  /** Why the check failed (unexpected status, timeout, connection refused); undefined when ok. */
  readonly error: string | undefined;
  /** `timeout` or `unreachable` when there was no response. */
  readonly failure: "timeout" | "unreachable" | undefined;
  /** When the check started. */
  readonly at: Date;
}

/** Defaults of an HTTP check. */
export const HTTP_CHECK_DEFAULTS = { expectedStatus: { min: 200, max: 399 }, timeoutMs: 5_000 } as const;

const isList = (e: ExpectedStatus): e is readonly number[] => Array.isArray(e);

/** True when `status` is accepted by `expected`. */
export function statusMatches(
  status: number,
  expected: ExpectedStatus = HTTP_CHECK_DEFAULTS.expectedStatus,
): boolean {
  return isList(expected) ? expected.includes(status) : status >= expected.min && status <= expected.max;
}

/** Renders expected statuses for a message: `200, 204` or `200-399`. */
export function describeExpected(expected: ExpectedStatus): string {
  return isList(expected) ? expected.join(", ") : `${expected.min}-${expected.max}`;
}

/** Runs one check. Never throws except with the signal's reason when `signal` is aborted. */
export async function checkHttp(spec: HttpCheckSpec, signal?: AbortSignal): Promise<HttpCheckResult> {
  const expected = spec.expectedStatus ?? HTTP_CHECK_DEFAULTS.expectedStatus;
  const timeoutMs = spec.timeoutMs ?? HTTP_CHECK_DEFAULTS.timeoutMs;
  const { url, authorization } = splitCredentials(spec.url);
  const headers: Record<string, string> = { ...spec.headers };
  if (authorization) headers.authorization = authorization;
  const at = new Date();
  const started = performance.now();
  try {
    const res = await fetchText(url, { method: "GET", headers }, { timeoutMs, signal });
    const ok = statusMatches(res.status, expected);
    const error = ok
      ? undefined
      : `${displayUrl(url)} answered HTTP ${res.status}, expected ${describeExpected(expected)}`;
    return { ok, status: res.status, latencyMs: res.elapsedMs, error, failure: undefined, at };
  } catch (err) {
    if (!(err instanceof FetchError) || err.failure === "aborted") throw err;
    const latencyMs = performance.now() - started;
    return {
      ok: false,
      status: undefined,
      latencyMs,
      error: `${displayUrl(url)}: ${err.message}`,
      failure: err.failure,
      at,
    };
  }
}

/** Reads `expectedStatus` from config: a status, a list, `"200-299"`, or `{ min, max }`. */
export function parseExpectedStatus(r: FieldReader, field: string): ExpectedStatus | undefined {
  const v = r.raw(field);
  if (v === undefined) return undefined;
  const isStatus = (n: unknown): n is number =>
    typeof n === "number" && Number.isInteger(n) && n >= 100 && n <= 599;
  if (isStatus(v)) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every(isStatus)) return v;
  const m = typeof v === "string" ? /^(\d{3})-(\d{3})$/.exec(v) : null;
  const range = m ? { min: Number(m[1]), max: Number(m[2]) } : (v as { min?: unknown; max?: unknown });
  if (range && isStatus(range.min) && isStatus(range.max) && range.min <= range.max) {
    return { min: range.min, max: range.max };
  }
  return r.fail(
    field,
    "must be a status, a list of statuses, or a range",
    'use e.g. [200, 204] or "200-399"',
  );
}

/** Settings of an `http` metric provider, shared by all its queries. */
export interface HttpProviderSpec {
  /** Provider name used in messages. */
  readonly name: string;
  /** Deadline of one check in milliseconds. @default 5000 */
  readonly timeoutMs?: number;
  /** Headers sent with every check. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An `http` provider query. */
export interface HttpQuery {
  /** URL to GET. */
  readonly url: string;
  /** Statuses that count as success. @default "200-399" */
  readonly expectedStatus?: ExpectedStatus | string | number;
  /** `ok`: 1 for an expected status, 0 otherwise; `latency`: seconds until the body was read. @default "ok" */
  readonly measure?: "ok" | "latency";
}

/** Creates an `http` provider; validates the spec first. */
export function createHttpProvider(spec: HttpProviderSpec): MetricProvider {
  const subject = `http provider "${String(spec?.name)}"`;
  const s = new FieldReader(spec, subject, "spec");
  const name = s.string("name", 'give the provider a name, e.g. "http"');
  const timeoutMs = s.number("timeoutMs", HTTP_CHECK_DEFAULTS.timeoutMs, 1, 600_000, true);
  const headers = s.stringRecord("headers", 'give headers as { "Host": "web.local" }');
  return {
    name,
    kind: "http",
    async query(q: MetricQuery, signal?: AbortSignal): Promise<Measurement> {
      const r = new FieldReader(q, subject, "query");
      const url = r.url("url", 'give the URL to check, e.g. "http://127.0.0.1:8080/up"');
      const expectedStatus = parseExpectedStatus(r, "expectedStatus");
      const measure = r.oneOf("measure", ["ok", "latency"] as const, "ok");
      const result = await checkHttp({ url, expectedStatus, timeoutMs, headers }, signal);
      if (result.failure) throw new MetricQueryError(name, result.failure, result.error ?? "no response");
      const detail = { status: result.status ?? 0, latencySeconds: result.latencyMs / 1000 };
      return measured(measure === "ok" ? (result.ok ? 1 : 0) : result.latencyMs / 1000, result.at, detail);
    },
  };
}
