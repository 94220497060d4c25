// PromQL instant queries over the Prometheus HTTP API (`POST /api/v1/query`).
import { displayUrl, FetchError, fetchText, joinUrl, splitCredentials } from "../shared/http";
import { FieldReader } from "./fields";
import {
  type Measurement,
  type MetricProvider,
  type MetricQuery,
  MetricQueryError,
  measured,
  measuredVector,
  type Sample,
} from "./types";

/** Connection settings of a Prometheus provider. */
export interface PrometheusProviderSpec {
  /** Provider name used in messages. */
  readonly name: string;
  /** Base URL of the Prometheus server, e.g. `http://127.0.0.1:9090`; `user:password@` becomes Basic auth. */
  readonly url: string;
  /** Deadline of one query in milliseconds, also sent to Prometheus as `timeout`. @default 10000 */
  readonly timeoutMs?: number;
  /** Bearer token sent as `Authorization: Bearer <token>`. @default none */
  readonly bearerToken?: string;
  /** Extra request headers, e.g. a tenant header. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A Prometheus query: `{ query: "<PromQL>" }`, evaluated at the current time. */
export interface PrometheusQuery {
  /** PromQL expression returning a scalar or an instant vector. */
  readonly query: string;
}

/** Default deadline of one Prometheus query. */
export const PROMETHEUS_DEFAULT_TIMEOUT_MS = 10_000;

/** Parses a Prometheus sample value: decimal, `NaN`, `+Inf` or `-Inf`. */
export function parsePromValue(text: unknown): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (typeof text !== "string" || text.trim() === "") return Number.NaN;
  return Number(text);
}

interface PromBody {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function pointTime(point: unknown, fallback: Date): Date {
  const t = Array.isArray(point) ? point[0] : undefined;
  return typeof t === "number" && Number.isFinite(t) ? new Date(t * 1000) : fallback;
}

/** Creates a Prometheus provider; validates the spec first. */
export function createPrometheusProvider(spec: PrometheusProviderSpec): MetricProvider {
  const subject = `prometheus provider "${String(spec?.name)}"`;
  const s = new FieldReader(spec, subject, "spec");
  const name = s.string("name", 'give the provider a name, e.g. "prometheus"');
  const rawUrl = s.url("url", 'give the base URL of Prometheus, e.g. "http://127.0.0.1:9090"');
  const timeoutMs = s.number("timeoutMs", PROMETHEUS_DEFAULT_TIMEOUT_MS, 1, 600_000, true);
  const bearerToken = s.optionalString(
    "bearerToken",
    undefined,
    "give the token without the `Bearer ` prefix",
  );
  const extraHeaders = s.stringRecord("headers", 'give headers as { "X-Scope-OrgID": "team" }');
  const { url: base, authorization } = splitCredentials(rawUrl);
  const endpoint = joinUrl(base, "api/v1/query");
  const shown = displayUrl(endpoint);
  const headers: Record<string, string> = {
    ...extraHeaders,
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded",
  };
  if (authorization) headers.authorization = authorization;
  if (bearerToken) headers.authorization = `Bearer ${bearerToken}`;

  const fail = (failure: ConstructorParameters<typeof MetricQueryError>[1], message: string): never => {
    throw new MetricQueryError(name, failure, message);
  };

  return {
    name,
    kind: "prometheus",
    async query(q: MetricQuery, signal?: AbortSignal): Promise<Measurement> {
      const r = new FieldReader(q, subject, "query");
      const promql = r.string("query", 'give a PromQL expression, e.g. "sum(rate(http_requests_total[1m]))"');
      const form = new URLSearchParams({ query: promql, timeout: `${timeoutMs}ms` });
      const asked = new Date();
      let res: Awaited<ReturnType<typeof fetchText>>;
      try {
        res = await fetchText(
          endpoint,
          { method: "POST", headers, body: form.toString() },
          { timeoutMs, signal },
        );
      } catch (err) {
        if (err instanceof FetchError) {
          return fail(err.failure === "timeout" ? "timeout" : "unreachable", `${shown}: ${err.message}`);
        }
        throw err;
      }
      let body: PromBody | undefined;
      try {
        body = JSON.parse(res.body) as PromBody;
      } catch {
        body = undefined;
      }
      const ok = res.status >= 200 && res.status < 300;
      if (body?.status === "error") {
        // 400 bad_data (parse errors), 422 execution errors, 503 timeout/cancelled.
        const failure =
          res.status === 503
            ? "timeout"
            : ok || res.status === 400 || res.status === 422
              ? "query-error"
              : "http-status";
        return fail(
          failure,
          `${shown} answered HTTP ${res.status}, ${String(body.errorType ?? "error")}: ${String(body.error ?? "no message")} (query: ${promql})`,
        );
      }
      if (!ok)
        return fail("http-status", `${shown} answered HTTP ${res.status}; check the URL and credentials`);
      if (body?.status !== "success" || typeof body.data !== "object" || body.data === null) {
        return fail(
          "bad-response",
          `${shown} answered HTTP ${res.status} with a body that is not a Prometheus API response`,
        );
      }
      const { resultType, result } = body.data;
      if (resultType === "scalar")
        return measured(
          parsePromValue(Array.isArray(result) ? result[1] : undefined),
          pointTime(result, asked),
        );
      if (resultType === "vector" && Array.isArray(result)) {
        const samples: Sample[] = [];
        let at = asked;
        for (const item of result as Array<{ metric?: Record<string, string>; value?: unknown }>) {
          at = pointTime(item.value, at);
          const value = parsePromValue(Array.isArray(item.value) ? item.value[1] : undefined);
          samples.push({ labels: item.metric ?? {}, value });
        }
        return measuredVector(samples, at, `no series matched (query: ${promql})`);
      }
      return fail(
        "query-error",
        `query returned a ${String(resultType)}, not a scalar or instant vector; wrap a range selector in a function such as rate() (query: ${promql})`,
      );
    },
  };
}
