// Google Cloud Monitoring through MetricServiceClient.listTimeSeries: a filter, an aligner
// (and optionally a cross-series reducer), newest point per series of the window.
import type { protos } from "@google-cloud/monitoring";
import { FieldReader } from "./fields";
import { callSdk, loadSdk, type PackageImporter } from "./sdk-call";
import {
  type Measurement,
  type MetricProvider,
  type MetricQuery,
  measured,
  measuredVector,
  noData,
  type Sample,
} from "./types";

type ListTimeSeriesRequest = protos.google.monitoring.v3.IListTimeSeriesRequest;
type TimeSeries = protos.google.monitoring.v3.ITimeSeries;

/** The part of `MetricServiceClient` this provider uses; tests pass a fake. */
export interface MetricServiceClientLike {
  listTimeSeries(
    request: ListTimeSeriesRequest,
    options?: { timeout?: number },
  ): Promise<readonly [TimeSeries[], ...unknown[]]>;
}

/** Settings of a Cloud Monitoring provider. */
export interface CloudMonitoringProviderSpec {
  /** Provider name used in messages. */
  readonly name: string;
  /** Project whose metrics are read, e.g. `my-project`. */
  readonly projectId: string;
  /** Client to use. @default built on first query with Application Default Credentials */
  readonly client?: MetricServiceClientLike;
  /** Service account key file for building the client. @default Application Default Credentials */
  readonly keyFilename?: string;
  /** Deadline of one query in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Loads `@google-cloud/monitoring` when the client is built here; tests pass one that fails. @default Node's import */
  readonly importer?: PackageImporter;
}

/** A Cloud Monitoring query. */
export interface CloudMonitoringQuery {
  /** Monitoring filter, e.g. `metric.type="run.googleapis.com/request_count" AND resource.labels.service_name="web"`. */
  readonly filter: string;
  /** Alignment period in seconds. @default 60 */
  readonly alignmentPeriodSeconds?: number;
  /** Per-series aligner, e.g. ALIGN_RATE, ALIGN_DELTA, ALIGN_PERCENTILE_99. @default "ALIGN_MEAN" */
  readonly perSeriesAligner?: string;
  /** Cross-series reducer, e.g. REDUCE_SUM. @default none (one result per series) */
  readonly crossSeriesReducer?: string;
  /** Fields kept by the reducer, e.g. `["metric.labels.response_code_class"]`. @default [] */
  readonly groupByFields?: readonly string[];
  /** How far back to look in seconds. @default 300 */
  readonly windowSeconds?: number;
}

/** Default alignment, window and deadline of Cloud Monitoring queries. */
export const CLOUD_MONITORING_DEFAULTS = {
  alignmentPeriodSeconds: 60,
  perSeriesAligner: "ALIGN_MEAN",
  windowSeconds: 300,
  timeoutMs: 10_000,
} as const;

/** The number in a typed value: double, int64 (string, number or Long), bool as 0/1, or a distribution's mean. */
export function typedValueNumber(
  v: protos.google.monitoring.v3.ITypedValue | null | undefined,
): number | undefined {
  if (!v) return undefined;
  if (typeof v.doubleValue === "number") return v.doubleValue;
  if (v.int64Value !== undefined && v.int64Value !== null) return Number(String(v.int64Value));
  if (typeof v.boolValue === "boolean") return v.boolValue ? 1 : 0;
  if (v.distributionValue && typeof v.distributionValue.mean === "number") return v.distributionValue.mean;
  return undefined;
}

const seconds = (t: protos.google.protobuf.ITimestamp | null | undefined): number =>
  Number(String(t?.seconds ?? 0));

/** Builds the request for a query object; validates it. Exported for tests. */
export function buildListTimeSeriesRequest(
  projectId: string,
  q: MetricQuery,
  now: Date,
  subject = "cloud-monitoring query",
): ListTimeSeriesRequest {
  const r = new FieldReader(q, subject, "query");
  const filter = r.string("filter", 'give a filter, e.g. metric.type="run.googleapis.com/request_count"');
  const period = r.number(
    "alignmentPeriodSeconds",
    CLOUD_MONITORING_DEFAULTS.alignmentPeriodSeconds,
    60,
    86_400,
    true,
  );
  const aligner = r.optionalString(
    "perSeriesAligner",
    CLOUD_MONITORING_DEFAULTS.perSeriesAligner,
    'use e.g. "ALIGN_RATE"',
  );
  if (!/^ALIGN_[A-Z0-9_]+$/.test(aligner))
    r.fail("perSeriesAligner", "is not an aligner name", 'use e.g. "ALIGN_RATE" or "ALIGN_MEAN"');
  const reducer = r.optionalString("crossSeriesReducer", undefined, 'use e.g. "REDUCE_SUM"');
  if (reducer !== undefined && !/^REDUCE_[A-Z0-9_]+$/.test(reducer))
    r.fail("crossSeriesReducer", "is not a reducer name", 'use e.g. "REDUCE_SUM"');
  const rawGroupBy: unknown = r.raw("groupByFields") ?? [];
  if (!Array.isArray(rawGroupBy) || !rawGroupBy.every((g) => typeof g === "string")) {
    r.fail("groupByFields", "must be a list of strings", 'use e.g. ["resource.labels.revision_name"]');
  }
  const groupBy = rawGroupBy as string[];
  const window = r.number("windowSeconds", CLOUD_MONITORING_DEFAULTS.windowSeconds, period, 3_888_000, true);
  const end = Math.floor(now.getTime() / 1000);
  return {
    name: `projects/${projectId}`,
    filter,
    interval: { startTime: { seconds: end - window }, endTime: { seconds: end } },
    aggregation: {
      alignmentPeriod: { seconds: period },
      perSeriesAligner: aligner as keyof typeof protos.google.monitoring.v3.Aggregation.Aligner,
      ...(reducer
        ? { crossSeriesReducer: reducer as keyof typeof protos.google.monitoring.v3.Aggregation.Reducer }
        : {}),
      ...(groupBy.length > 0 ? { groupByFields: groupBy } : {}),
    },
    view: "FULL",
  };
}

/** Creates a Cloud Monitoring provider; validates the spec first. */
export function createCloudMonitoringProvider(spec: CloudMonitoringProviderSpec): MetricProvider {
  const subject = `cloud-monitoring provider "${String(spec?.name)}"`;
  const s = new FieldReader(spec, subject, "spec");
  const name = s.string("name", 'give the provider a name, e.g. "gcp"');
  const projectId = s.string("projectId", 'give the Google Cloud project ID, e.g. "my-project"');
  const keyFilename = s.optionalString(
    "keyFilename",
    undefined,
    "give the path of a service account key file",
  );
  const timeoutMs = s.number("timeoutMs", CLOUD_MONITORING_DEFAULTS.timeoutMs, 1, 600_000, true);
  let client = spec.client;
  return {
    name,
    kind: "cloud-monitoring",
    async query(q: MetricQuery, signal?: AbortSignal): Promise<Measurement> {
      const now = new Date();
      const request = buildListTimeSeriesRequest(projectId, q, now, subject);
      if (!client) {
        // Loaded here, not at the top: the SDK is an optional peer, needed only by this provider.
        const sdk = await loadSdk<typeof import("@google-cloud/monitoring")>(
          name,
          "@google-cloud/monitoring",
          spec.importer,
        );
        const built = new sdk.MetricServiceClient({ projectId, ...(keyFilename ? { keyFilename } : {}) });
        // Initialise explicitly: when credentials cannot be loaded, the lazy initialisation inside
        // listTimeSeries leaves its promise pending and rejects elsewhere (unhandled); this rejects here.
        await callSdk(name, "loading credentials", timeoutMs, signal, () => built.initialize());
        client = built;
      }
      const c = client;
      const [series] = await callSdk(name, "listTimeSeries", timeoutMs, signal, () =>
        c.listTimeSeries(request, { timeout: timeoutMs }),
      );
      const samples: Sample[] = [];
      let at = now;
      for (const ts of series ?? []) {
        let newest: protos.google.monitoring.v3.IPoint | undefined;
        for (const p of ts.points ?? []) {
          if (typedValueNumber(p.value) === undefined) continue;
          if (!newest || seconds(p.interval?.endTime) > seconds(newest.interval?.endTime)) newest = p;
        }
        if (!newest) continue;
        at = new Date(seconds(newest.interval?.endTime) * 1000 || now.getTime());
        const labels = { ...(ts.resource?.labels ?? {}), ...(ts.metric?.labels ?? {}) };
        samples.push({ labels, value: typedValueNumber(newest.value) as number });
      }
      const window = seconds(request.interval?.endTime) - seconds(request.interval?.startTime);
      const reason = `no time series with points matched the filter in the last ${window} s`;
      if (samples.length === 0) return noData(reason, now);
      const only = samples[0];
      if (samples.length === 1 && only && Object.keys(only.labels).length === 0)
        return measured(only.value, at);
      return measuredVector(samples, at, reason);
    },
  };
}
