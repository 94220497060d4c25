// `provider: "builtin"` on Azure: the platform's own request metrics in Azure Monitor, read
// through the azure-monitor provider.
// - Container Apps (`azure-monitor-container-apps`): `Requests` (Total) split by `revisionName`
//   and `statusCodeCategory`; `ResponseTime` (Average, milliseconds) by `revisionName`.
// - Front Door behind container groups (`azure-monitor-traffic-layer` on a Microsoft.Cdn profile):
//   `OriginRequestCount` (Total) by `Origin` and `HttpStatusGroup`; `OriginLatency` (Average, ms).
// - Traffic Manager answers DNS queries and has no request metrics: builtin is unavailable there.
// Each measurement waits `windowSeconds`, then asks for one time grain, so one data point per
// series is that grain's total. Azure Monitor takes only the grains PT1M, PT5M, PT15M, PT30M, PT1H,
// PT6H, PT12H and P1D: the grain is the longest of them within the window (the newest part of it,
// never time before the window began). Azure Monitor points lag 1-3 minutes: use windows of 5
// minutes or more (a shorter window reads mostly no data, which is Inconclusive).
import { setTimeout as sleep } from "node:timers/promises";
import type { MetricsDescriptor } from "../../components/core/contract";
import type { AzureMonitorQuery } from "./azure-monitor";
import type { BuiltinMetricName, BuiltinSource, BuiltinUnavailable } from "./builtin-types";
import type { ProviderSpec } from "./registry";
import { createProvider } from "./registry";
import type { MetricsSettings } from "./settings";
import { type Measurement, MetricConfigError, type MetricProvider, measured, noData } from "./types";

/** The metrics descriptors answered here. */
export type AzureMetricsDescriptor = Extract<
  MetricsDescriptor,
  { kind: "azure-monitor-container-apps" | "azure-monitor-traffic-layer" }
>;

/** True for a descriptor this module answers. */
export function isAzureMetricsDescriptor(d: MetricsDescriptor): d is AzureMetricsDescriptor {
  return d.kind === "azure-monitor-container-apps" || d.kind === "azure-monitor-traffic-layer";
}

/** How one builtin metric is computed from Azure Monitor: a numerator query, maybe over a denominator, scaled. */
export interface AzureBuiltinPlan {
  readonly numerator: AzureMonitorQuery;
  /** Divides the numerator (a rate); absent for metrics read directly. */
  readonly denominator?: AzureMonitorQuery;
  /** Multiplies the result: 0.001 for milliseconds to seconds, 1/window for per-second rates. */
  readonly scale: number;
  /** No numerator data while the denominator has data means 0 (no 5xx responses), not no data. */
  readonly zeroWithoutNumerator: boolean;
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The time grains Azure Monitor metrics accept, shortest first, with their seconds. */
export const AZURE_TIME_GRAINS: readonly (readonly [string, number])[] = [
  ["PT1M", 60],
  ["PT5M", 300],
  ["PT15M", 900],
  ["PT30M", 1800],
  ["PT1H", 3600],
  ["PT6H", 21600],
  ["PT12H", 43200],
  ["P1D", 86400],
];

/**
 * The grain a window is read with: the longest grain Azure Monitor accepts within the window
 * (PT1M for windows under a minute), and that grain as the query's window.
 */
export function windowGrain(windowSeconds: number): {
  readonly granularity: string;
  readonly windowSeconds: number;
} {
  const fitting = AZURE_TIME_GRAINS.filter(([, seconds]) => seconds <= windowSeconds);
  const [granularity, seconds] =
    fitting[fitting.length - 1] ?? (AZURE_TIME_GRAINS[0] as readonly [string, number]);
  return { granularity, windowSeconds: seconds };
}

function isFrontDoor(resourceId: string): boolean {
  return /\/providers\/Microsoft\.Cdn\/profiles\//i.test(resourceId);
}

/**
 * The queries of `metric` for one target (a revision name, or a Front Door origin host name) over
 * `windowSeconds`. Pure; table-tested.
 */
export function azureBuiltinPlan(
  metric: BuiltinMetricName,
  descriptor: AzureMetricsDescriptor,
  target: string,
  windowSeconds: number,
): AzureBuiltinPlan {
  const grain = windowGrain(windowSeconds);
  const base = { resourceUri: descriptor.resourceId, ...grain };
  const aca = descriptor.kind === "azure-monitor-container-apps";
  const dim = aca ? `revisionName eq ${quote(target)}` : `Origin eq ${quote(target)}`;
  const requests = aca ? "Requests" : "OriginRequestCount";
  const errors = aca ? "statusCodeCategory eq '5xx'" : "HttpStatusGroup eq '5XX'";
  const count = (filter: string): AzureMonitorQuery => ({
    ...base,
    metricName: requests,
    aggregation: "Total",
    filter,
  });
  switch (metric) {
    case "errorRate":
    case "http5xxRate":
      return {
        numerator: count(`${dim} and ${errors}`),
        denominator: count(dim),
        scale: 1,
        zeroWithoutNumerator: true,
      };
    case "meanLatency":
      return {
        numerator: {
          ...base,
          metricName: aca ? "ResponseTime" : "OriginLatency",
          aggregation: "Average",
          filter: dim,
        },
        scale: 0.001,
        zeroWithoutNumerator: false,
      };
    case "throughput":
      return { numerator: count(dim), scale: 1 / grain.windowSeconds, zeroWithoutNumerator: false };
  }
}

/** Why builtin cannot be measured for `d`; undefined when it can. */
export function azureBuiltinUnavailable(d: AzureMetricsDescriptor): BuiltinUnavailable | undefined {
  if (d.kind === "azure-monitor-container-apps" || isFrontDoor(d.resourceId)) return undefined;
  return {
    problem:
      "routes with Traffic Manager, which answers DNS queries and reports no request metrics (only queries per endpoint)",
    fix: "name a provider configured in progressive:metrics (azure-monitor on Application Insights, or prometheus) with explicit queries, or route with Front Door",
  };
}

/** The Azure builtin source: a BuiltinSource of the Azure kinds. */
export type AzureBuiltinSource = BuiltinSource<AzureMetricsDescriptor["kind"]>;

/** The revision (Container Apps) or origin host (Front Door) a version runs on; both maps are keyed by version. */
function targetOf(d: AzureMetricsDescriptor, version: string): string | undefined {
  return d.kind === "azure-monitor-container-apps" ? d.revisions[version] : d.targets[version];
}

/** Runs a plan through the provider and combines the answers. */
async function run(
  provider: MetricProvider,
  plan: AzureBuiltinPlan,
  signal?: AbortSignal,
): Promise<Measurement> {
  const [num, den] = await Promise.all([
    provider.query(plan.numerator as unknown as Record<string, unknown>, signal),
    plan.denominator
      ? provider.query(plan.denominator as unknown as Record<string, unknown>, signal)
      : undefined,
  ]);
  const value = (m: Measurement) =>
    m.kind === "value"
      ? m.value
      : m.kind === "vector"
        ? m.samples.reduce((s, x) => s + x.value, 0)
        : undefined;
  if (!den) {
    const v = value(num);
    return v === undefined ? num : measured(v * plan.scale, num.at);
  }
  const total = value(den);
  if (total === undefined || total === 0) return noData("no requests in the window", den.at);
  const part = value(num) ?? (plan.zeroWithoutNumerator ? 0 : undefined);
  // A share of two request totals: the denominator is the count behind it (the evidence of an
  // error rate, and the sequential test's requests).
  return part === undefined
    ? num
    : measured((part / total) * plan.scale, den.at, {
        requests: Math.round(total),
        errors: Math.round(part),
      });
}

/**
 * Builds the builtin source for an Azure descriptor. Throws MetricConfigError when builtin is not
 * available (Traffic Manager). `build` makes the azure-monitor provider (settings.azureMonitor, or
 * its defaults with DefaultAzureCredential). @default the registry's createProvider
 */
export function createAzureBuiltinSource(
  d: AzureMetricsDescriptor,
  settings: MetricsSettings,
  build: (spec: ProviderSpec) => MetricProvider = createProvider,
): AzureBuiltinSource {
  const why = azureBuiltinUnavailable(d);
  if (why)
    throw new MetricConfigError("metric provider builtin", "metrics.kind", d.kind, why.problem, why.fix);
  const provider = build({ kind: "azure-monitor", name: "builtin", ...(settings.azureMonitor ?? {}) });
  return {
    kind: d.kind,
    provider,
    async measure(metric, versions, windowSeconds, signal) {
      await sleep(windowSeconds * 1000, undefined, { signal });
      const side = async (s: "candidate" | "stable"): Promise<Measurement> => {
        const target = targetOf(d, versions[s]);
        if (target === undefined)
          return noData(`the release names no revision or origin for version "${versions[s]}"`);
        return run(provider, azureBuiltinPlan(metric, d, target, windowSeconds), signal);
      };
      const [candidate, stable] = await Promise.all([side("candidate"), side("stable")]);
      return { candidate, stable };
    },
  };
}
