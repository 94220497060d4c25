// Amazon CloudWatch through GetMetricData: one metric, or a metric-math expression over
// several (e.g. 5xx count / request count), newest data point of the window.
import type {
  GetMetricDataCommand,
  GetMetricDataCommandOutput,
  MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { FieldReader } from "./fields";
import { callSdk, loadSdk, type PackageImporter } from "./sdk-call";
import {
  type Measurement,
  type MetricProvider,
  type MetricQuery,
  MetricQueryError,
  measured,
  noData,
} from "./types";

/** The part of `CloudWatchClient` this provider uses; tests pass a fake. */
export interface CloudWatchClientLike {
  send(
    command: GetMetricDataCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<GetMetricDataCommandOutput>;
}

/** Settings of a CloudWatch provider. */
export interface CloudWatchProviderSpec {
  /** Provider name used in messages. */
  readonly name: string;
  /** AWS region of the metrics when the client is built here. @default the SDK's default chain (AWS_REGION, profile) */
  readonly region?: string;
  /** CloudWatch endpoint when the client is built here, e.g. an emulator's `http://127.0.0.1:5000`. @default the region's public endpoint */
  readonly endpoint?: string;
  /** Client to use instead of building `new CloudWatchClient({ region, endpoint })`. @default built on first query */
  readonly client?: CloudWatchClientLike;
  /** Loads `@aws-sdk/client-cloudwatch` when the client is built here; tests pass one that fails. @default Node's import */
  readonly importer?: PackageImporter;
  /** Deadline of one query in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

/** One CloudWatch metric and statistic. */
export interface CloudWatchMetric {
  /** Namespace, e.g. `AWS/ApplicationELB`. */
  readonly namespace: string;
  /** Metric name, e.g. `HTTPCode_Target_5XX_Count`. */
  readonly metricName: string;
  /** Dimensions, e.g. `{ TargetGroup: "targetgroup/web-green/123" }`. @default {} */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** Statistic: Average, Sum, SampleCount, Minimum, Maximum or a percentile such as p99. @default "Average" */
  readonly stat?: string;
}

/** A CloudWatch query: `metric`, or `expression` over `metrics`. */
export interface CloudWatchQuery {
  /** A single metric. */
  readonly metric?: CloudWatchMetric;
  /** Metric math over the ids of `metrics`, e.g. `100 * errors / requests`. */
  readonly expression?: string;
  /** Metrics the expression refers to, by id (lower-case first letter). */
  readonly metrics?: Readonly<Record<string, CloudWatchMetric>>;
  /** Period of each data point in seconds (60 or a multiple; 1, 5, 10, 30 for high resolution). @default 60 */
  readonly periodSeconds?: number;
  /** How far back to look in seconds; the newest data point in it is returned. @default 300 */
  readonly windowSeconds?: number;
}

/** Default period, window and deadline of CloudWatch queries. */
export const CLOUDWATCH_DEFAULTS = { periodSeconds: 60, windowSeconds: 300, timeoutMs: 10_000 } as const;

const RESULT_ID = "result";

function metricStat(r: FieldReader, field: string, period: number): MetricDataQuery["MetricStat"] {
  const m = r.child(field);
  const dimensions = m.stringRecord("dimensions", 'give dimensions as { "LoadBalancer": "app/web/123" }');
  return {
    Metric: {
      Namespace: m.string("namespace", 'give the namespace, e.g. "AWS/ApplicationELB"'),
      MetricName: m.string("metricName", 'give the metric name, e.g. "RequestCount"'),
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: period,
    Stat: m.optionalString("stat", "Average", 'use e.g. "Average", "Sum" or "p99"'),
  };
}

/** Builds the GetMetricData queries for a query object; validates it. Exported for tests. */
export function buildMetricDataQueries(q: MetricQuery, subject = "cloudwatch query"): MetricDataQuery[] {
  const r = new FieldReader(q, subject, "query");
  const period = r.number("periodSeconds", CLOUDWATCH_DEFAULTS.periodSeconds, 1, 86_400, true);
  if (![1, 5, 10, 30].includes(period) && period % 60 !== 0) {
    r.fail("periodSeconds", "must be 1, 5, 10, 30 or a multiple of 60", "use e.g. 60");
  }
  const hasMetric = r.raw("metric") !== undefined;
  const hasExpression = r.raw("expression") !== undefined;
  if (hasMetric === hasExpression) {
    r.fail(
      hasMetric ? "expression" : "metric",
      "give exactly one of metric and expression",
      "remove one, or add metric",
    );
  }
  if (hasMetric) return [{ Id: RESULT_ID, MetricStat: metricStat(r, "metric", period), ReturnData: true }];
  const expression = r.string("expression", 'give metric math, e.g. "100 * errors / requests"');
  const metrics = r.child("metrics");
  const ids = Object.keys(r.raw("metrics") as object);
  if (ids.length === 0) r.fail("metrics", "must name at least one metric", "add e.g. { requests: { ... } }");
  const queries: MetricDataQuery[] = ids.map((id) => {
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id) || id === RESULT_ID) {
      metrics.fail(
        id,
        `id "${id}" must start with a lower-case letter, use letters, digits, _, and not be "${RESULT_ID}"`,
        'rename it, e.g. "errors"',
      );
    }
    return { Id: id, MetricStat: metricStat(metrics, id, period), ReturnData: false };
  });
  queries.push({ Id: RESULT_ID, Expression: expression, Period: period, ReturnData: true });
  return queries;
}

/** Creates a CloudWatch provider; validates the spec first. */
export function createCloudWatchProvider(spec: CloudWatchProviderSpec): MetricProvider {
  const subject = `cloudwatch provider "${String(spec?.name)}"`;
  const s = new FieldReader(spec, subject, "spec");
  const name = s.string("name", 'give the provider a name, e.g. "cloudwatch"');
  const region = s.optionalString("region", undefined, 'give an AWS region, e.g. "eu-west-1"');
  const endpoint =
    spec.endpoint === undefined
      ? undefined
      : s.url(
          "endpoint",
          'give the CloudWatch endpoint URL, e.g. "https://monitoring.eu-west-1.amazonaws.com"',
        );
  const timeoutMs = s.number("timeoutMs", CLOUDWATCH_DEFAULTS.timeoutMs, 1, 600_000, true);
  let client = spec.client;
  return {
    name,
    kind: "cloudwatch",
    async query(q: MetricQuery, signal?: AbortSignal): Promise<Measurement> {
      const queries = buildMetricDataQueries(q, subject);
      const windowSeconds = new FieldReader(q, subject, "query").number(
        "windowSeconds",
        CLOUDWATCH_DEFAULTS.windowSeconds,
        1,
        1_209_600,
        true,
      );
      // Loaded here, not at the top: the SDK is an optional peer, needed only by this provider.
      const sdk = await loadSdk<typeof import("@aws-sdk/client-cloudwatch")>(
        name,
        "@aws-sdk/client-cloudwatch",
        spec.importer,
      );
      client ??= new sdk.CloudWatchClient({
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
      });
      const c = client;
      const end = new Date();
      const command = new sdk.GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(end.getTime() - windowSeconds * 1000),
        EndTime: end,
        ScanBy: "TimestampDescending",
      });
      const out = await callSdk(name, "GetMetricData", timeoutMs, signal, (abortSignal) =>
        c.send(command, { abortSignal }),
      );
      const result = out.MetricDataResults?.find((x) => x.Id === RESULT_ID);
      if (result?.StatusCode === "InternalError" || result?.StatusCode === "Forbidden") {
        const messages = (result.Messages ?? [])
          .map((m) => `${m.Code ?? ""} ${m.Value ?? ""}`.trim())
          .join("; ");
        throw new MetricQueryError(
          name,
          "query-error",
          `GetMetricData status ${result.StatusCode}${messages ? `: ${messages}` : ""}`,
        );
      }
      const values = result?.Values ?? [];
      const times = result?.Timestamps ?? [];
      if (values.length === 0) return noData(`no data points in the last ${windowSeconds} s`, end);
      let newest = 0;
      for (let i = 1; i < values.length; i++) {
        if ((times[i]?.getTime() ?? 0) > (times[newest]?.getTime() ?? 0)) newest = i;
      }
      return measured(values[newest] as number, times[newest] ?? end);
    },
  };
}
