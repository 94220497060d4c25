// Azure Monitor metrics through MetricsQueryClient.queryResource: one metric of one resource
// with one aggregation, newest data point per time series of the window.
import type {
  AggregationType,
  MetricsQueryClient,
  MetricsQueryOptions,
  MetricsQueryResult,
} from "@azure/monitor-query";
import { FieldReader } from "./fields";
import { callSdk, loadSdk, type PackageImporter } from "./sdk-call";
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

/** The part of `MetricsQueryClient` this provider uses; tests pass a fake. */
export interface MetricsQueryClientLike {
  queryResource(
    resourceUri: string,
    metricNames: string[],
    options?: MetricsQueryOptions,
  ): Promise<Pick<MetricsQueryResult, "metrics">>;
}

/** Settings of an Azure Monitor provider. */
export interface AzureMonitorProviderSpec {
  /** Provider name used in messages. */
  readonly name: string;
  /** Client to use. @default built on first query from `credential` */
  readonly client?: MetricsQueryClientLike;
  /** Credential for building the client. @default `new DefaultAzureCredential()` from @azure/identity, built on first query */
  readonly credential?: AzureCredential;
  /** Azure Resource Manager endpoint for sovereign clouds. @default "https://management.azure.com" */
  readonly endpoint?: string;
  /** Deadline of one query in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Loads `@azure/monitor-query` and `@azure/identity` when the client is built here; tests pass one that fails. @default Node's import */
  readonly importer?: PackageImporter;
}

/** The credential `MetricsQueryClient` takes (a TokenCredential). */
export type AzureCredential = ConstructorParameters<typeof MetricsQueryClient>[0];

/** The part of `@azure/identity` used here; typed locally because that package is optional. */
interface IdentityModule {
  readonly DefaultAzureCredential: new () => AzureCredential;
}

/** Aggregations Azure Monitor computes per time grain. */
export const AZURE_AGGREGATIONS = ["Average", "Total", "Count", "Minimum", "Maximum"] as const;

/** An Azure Monitor query. */
export interface AzureMonitorQuery {
  /** Resource ID, e.g. `/subscriptions/.../providers/Microsoft.App/containerApps/web`. */
  readonly resourceUri: string;
  /** Metric name, e.g. `Requests`. */
  readonly metricName: string;
  /** Aggregation. @default "Average" */
  readonly aggregation?: (typeof AZURE_AGGREGATIONS)[number];
  /** Time grain, ISO 8601, e.g. `PT1M`. @default "PT1M" */
  readonly granularity?: string;
  /** How far back to look in seconds. @default 300 */
  readonly windowSeconds?: number;
  /** Dimension filter, e.g. `revisionName eq 'web--v2' and statusCodeCategory eq '5xx'`. @default none */
  readonly filter?: string;
  /** Metric namespace when the resource has several. @default the resource's default */
  readonly metricNamespace?: string;
}

/** Default granularity, window and deadline of Azure Monitor queries. */
export const AZURE_DEFAULTS = { granularity: "PT1M", windowSeconds: 300, timeoutMs: 10_000 } as const;

const FIELD: Record<
  (typeof AZURE_AGGREGATIONS)[number],
  "average" | "total" | "count" | "minimum" | "maximum"
> = {
  Average: "average",
  Total: "total",
  Count: "count",
  Minimum: "minimum",
  Maximum: "maximum",
};

/** Creates an Azure Monitor provider; validates the spec first. */
export function createAzureMonitorProvider(spec: AzureMonitorProviderSpec): MetricProvider {
  const subject = `azure-monitor provider "${String(spec?.name)}"`;
  const s = new FieldReader(spec, subject, "spec");
  const name = s.string("name", 'give the provider a name, e.g. "azure"');
  const timeoutMs = s.number("timeoutMs", AZURE_DEFAULTS.timeoutMs, 1, 600_000, true);
  const endpoint = s.optionalString(
    "endpoint",
    undefined,
    'give an endpoint such as "https://management.azure.com"',
  );
  let client = spec.client;
  return {
    name,
    kind: "azure-monitor",
    async query(q: MetricQuery, signal?: AbortSignal): Promise<Measurement> {
      const r = new FieldReader(q, subject, "query");
      const resourceUri = r.string(
        "resourceUri",
        'give the resource ID, e.g. "/subscriptions/<id>/resourceGroups/<rg>/providers/..."',
      );
      const metricName = r.string("metricName", 'give the metric name, e.g. "Requests"');
      const aggregation = r.oneOf("aggregation", AZURE_AGGREGATIONS, "Average");
      const granularity = r.optionalString(
        "granularity",
        AZURE_DEFAULTS.granularity,
        'use an ISO 8601 duration, e.g. "PT1M"',
      );
      if (!/^PT?(\d+[HMS])+$|^P\d+D$/.test(granularity))
        r.fail("granularity", "is not an ISO 8601 duration", 'use e.g. "PT1M" or "PT5M"');
      const windowSeconds = r.number("windowSeconds", AZURE_DEFAULTS.windowSeconds, 60, 2_592_000, true);
      const filter = r.optionalString(
        "filter",
        undefined,
        "give an OData filter, e.g. \"statusCodeCategory eq '5xx'\"",
      );
      const metricNamespace = r.optionalString(
        "metricNamespace",
        undefined,
        'give a namespace, e.g. "Microsoft.App/containerApps"',
      );
      if (!client) {
        // Loaded here, not at the top: the SDKs are optional peers, needed only by this provider.
        const sdk = await loadSdk<typeof import("@azure/monitor-query")>(
          name,
          "@azure/monitor-query",
          spec.importer,
        );
        // Without a credential, the default chain (environment, workload identity, managed
        // identity, Azure CLI) finds one, as the other clouds' SDKs do by themselves.
        const credential =
          spec.credential ??
          new (
            await loadSdk<IdentityModule>(name, "@azure/identity", spec.importer)
          ).DefaultAzureCredential();
        client = new sdk.MetricsQueryClient(credential, endpoint ? { endpoint } : {});
      }
      const c = client;
      const endTime = new Date();
      const options: MetricsQueryOptions = {
        granularity,
        aggregations: [aggregation as AggregationType],
        timespan: { startTime: new Date(endTime.getTime() - windowSeconds * 1000), endTime },
        ...(filter ? { filter } : {}),
        ...(metricNamespace ? { metricNamespace } : {}),
      };
      const result = await callSdk(name, "queryResource", timeoutMs, signal, (abortSignal) =>
        c.queryResource(resourceUri, [metricName], { ...options, abortSignal }),
      );
      const metric = result.metrics.find((m) => m.name === metricName) ?? result.metrics[0];
      if (metric?.errorCode && metric.errorCode !== "Success") {
        throw new MetricQueryError(
          name,
          "query-error",
          `metric ${metricName}: ${metric.errorCode}: ${metric.errorMessage ?? "no message"}`,
        );
      }
      const key = FIELD[aggregation];
      const samples: Sample[] = [];
      let at = endTime;
      for (const series of metric?.timeseries ?? []) {
        const points = (series.data ?? []).filter((p) => typeof p[key] === "number");
        const newest = points.reduce<(typeof points)[number] | undefined>(
          (best, p) => (!best || p.timeStamp > best.timeStamp ? p : best),
          undefined,
        );
        if (!newest) continue;
        at = newest.timeStamp;
        const labels = Object.fromEntries(
          (series.metadataValues ?? []).map((m) => [m.name ?? "", m.value ?? ""]),
        );
        samples.push({ labels, value: newest[key] as number });
      }
      const reason = `no ${aggregation} data points for ${metricName} in the last ${windowSeconds} s`;
      if (samples.length === 0) return noData(reason, endTime);
      const only = samples[0];
      if (samples.length === 1 && only && Object.keys(only.labels).length === 0)
        return measured(only.value, at);
      return measuredVector(samples, at, reason);
    },
  };
}
