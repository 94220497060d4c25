// `provider: "builtin"` for Cloud Run services (metrics descriptor `cloud-monitoring-run`): Cloud
// Monitoring queries per revision, run through the `cloud-monitoring` provider.
//
//   errorRate, http5xxRate  run.googleapis.com/request_count, ALIGN_DELTA over the window, summed
//                           by metric.label.response_code_class: 5xx responses / all responses
//                           (a window without requests is no data, never 0)
//   meanLatency             run.googleapis.com/request_latencies (a distribution in ms), ALIGN_DELTA
//                           summed across series: its mean, in seconds like the other platforms
//   p99Latency              the same distribution, ALIGN_PERCENTILE_99 (seconds); for explicit checks
//   throughput              request_count, ALIGN_RATE summed: requests per second
//
// Every query is filtered by `resource.type="cloud_run_revision"`, the service, its region and the
// revision of the version measured (from the descriptor's `revisions`). Cloud Monitoring has
// one-minute points that arrive one to three minutes late: a window is at least 180 s, whole
// minutes, and the measurement waits for one window first so the candidate has been serving.
// Both versions are measured over the same window, so relative conditions compare like with like.
import { setTimeout as sleep } from "node:timers/promises";
import type { MetricsDescriptor } from "../../components/core/contract";
import type { BuiltinMetricName, BuiltinSource } from "./builtin-types";
import type { MetricsSettings } from "./settings";
import { type Measurement, type MetricProvider, type MetricQuery, measured, noData } from "./types";

/** The descriptor this source reads. */
export type CloudRunMetricsDescriptor = Extract<MetricsDescriptor, { kind: "cloud-monitoring-run" }>;

/** Metrics this source answers: the builtin ones, and p99 latency. */
export type CloudRunMetric = BuiltinMetricName | "p99Latency";

/** Shortest window of a Cloud Monitoring query, in seconds. */
export const CLOUD_RUN_MIN_WINDOW_SECONDS = 180;

/** The requests one query covers. */
export interface CloudRunSelector {
  readonly service: string;
  readonly location: string;
  readonly revision: string;
}

/** A Monitoring filter string literal. */
const quote = (s: string): string => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/** The filter of one metric type for one revision. */
export function cloudRunFilter(metricType: string, s: CloudRunSelector): string {
  return [
    `metric.type=${quote(metricType)}`,
    `resource.type="cloud_run_revision"`,
    `resource.labels.service_name=${quote(s.service)}`,
    `resource.labels.location=${quote(s.location)}`,
    `resource.labels.revision_name=${quote(s.revision)}`,
  ].join(" AND ");
}

/** The window of a query for a check interval: whole minutes, at least {@link CLOUD_RUN_MIN_WINDOW_SECONDS}. */
export function cloudRunWindow(intervalSeconds: number): number {
  return Math.max(CLOUD_RUN_MIN_WINDOW_SECONDS, Math.ceil(intervalSeconds / 60) * 60);
}

/** The `cloud-monitoring` query of `metric` for one revision over `windowSeconds` (one aligned point). */
export function cloudRunQuery(
  metric: CloudRunMetric,
  s: CloudRunSelector,
  windowSeconds: number,
): MetricQuery {
  const window = { alignmentPeriodSeconds: windowSeconds, windowSeconds };
  const requests = cloudRunFilter("run.googleapis.com/request_count", s);
  const latencies = cloudRunFilter("run.googleapis.com/request_latencies", s);
  switch (metric) {
    case "errorRate":
    case "http5xxRate":
      return {
        filter: requests,
        perSeriesAligner: "ALIGN_DELTA",
        crossSeriesReducer: "REDUCE_SUM",
        groupByFields: ["metric.label.response_code_class"],
        ...window,
      };
    case "throughput":
      return {
        filter: requests,
        perSeriesAligner: "ALIGN_RATE",
        crossSeriesReducer: "REDUCE_SUM",
        ...window,
      };
    case "meanLatency":
      return {
        filter: latencies,
        perSeriesAligner: "ALIGN_DELTA",
        crossSeriesReducer: "REDUCE_SUM",
        ...window,
      };
    case "p99Latency":
      return {
        filter: latencies,
        perSeriesAligner: "ALIGN_PERCENTILE_99",
        crossSeriesReducer: "REDUCE_MAX",
        ...window,
      };
  }
}

/** One number from a provider's answer: a sum over series, the 5xx share, or latency in seconds. */
export function cloudRunValue(metric: CloudRunMetric, m: Measurement): Measurement {
  if (m.kind === "noData") return m;
  const samples = m.kind === "value" ? [{ labels: {}, value: m.value }] : m.samples;
  const total = samples.reduce((sum, s) => sum + s.value, 0);
  switch (metric) {
    case "errorRate":
    case "http5xxRate": {
      if (total <= 0) return noData("no requests in the window", m.at);
      const errors = samples
        .filter((s) => s.labels.response_code_class === "5xx")
        .reduce((sum, s) => sum + s.value, 0);
      // The counts behind the share, so a condition on it can be judged on evidence.
      return measured(errors / total, m.at, { requests: total, errors });
    }
    case "throughput":
      return measured(total, m.at);
    case "meanLatency":
    case "p99Latency":
      // One series after the reducer; milliseconds from Cloud Run, seconds here.
      return samples.length === 1
        ? measured(total / 1000, m.at)
        : noData(`${samples.length} latency series`, m.at);
  }
}

/** The builtin source of a Cloud Run service: a BuiltinSource of its one kind. */
export type CloudRunBuiltinSource = BuiltinSource<"cloud-monitoring-run">;

/** A provider spec as the registry takes it (`cloud-monitoring`), named without the registry's types. */
export interface CloudMonitoringSpec {
  readonly kind: "cloud-monitoring";
  readonly name: string;
  readonly projectId: string;
  readonly keyFilename?: string;
  readonly timeoutMs?: number;
}

/**
 * The builtin source of a Cloud Run service: `cloud-monitoring` queries in the service's project
 * (credentials from `progressive:metrics.cloudMonitoring.keyFilename` when set, else Application
 * Default Credentials). `build` makes the provider (the registry's createProvider).
 */
export function createCloudRunBuiltinSource(
  descriptor: CloudRunMetricsDescriptor,
  settings: MetricsSettings,
  build: (spec: CloudMonitoringSpec) => MetricProvider,
): CloudRunBuiltinSource {
  const own = settings.cloudMonitoring;
  const provider = build({
    kind: "cloud-monitoring",
    name: "builtin",
    projectId: descriptor.project,
    ...(own?.keyFilename ? { keyFilename: own.keyFilename } : {}),
    ...(own?.timeoutMs ? { timeoutMs: own.timeoutMs } : {}),
  });
  const measureOne = async (
    metric: CloudRunMetric,
    version: string,
    windowSeconds: number,
    signal?: AbortSignal,
  ): Promise<Measurement> => {
    const revision = descriptor.revisions[version];
    if (!revision) return noData(`no Cloud Run revision is known for version "${version}"`);
    const selector = { service: descriptor.service, location: descriptor.location, revision };
    return cloudRunValue(
      metric,
      await provider.query(cloudRunQuery(metric, selector, windowSeconds), signal),
    );
  };
  return {
    kind: "cloud-monitoring-run",
    provider,
    async measure(metric, versions, intervalSeconds, signal) {
      const window = cloudRunWindow(intervalSeconds);
      await sleep(intervalSeconds * 1000, undefined, { signal });
      const [candidate, stable] = await Promise.all([
        measureOne(metric, versions.candidate, window, signal),
        measureOne(metric, versions.stable, window, signal),
      ]);
      return { candidate, stable };
    },
  };
}
