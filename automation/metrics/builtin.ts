// `provider: "builtin"`: the platform's own request metrics, found through the release contract's
// metrics descriptor. Every kind measures the candidate and the stable version over the same
// window, so a relative condition ("< 110% of baseline") compares like with like; for example:
// - local-proxy: two snapshots of the proxy's metrics.json, `windowSeconds` apart;
// - ingress-nginx: wait `windowSeconds`, then PromQL over the last `windowSeconds` (needs the
//   `prometheus` settings); the cloud kinds query their monitoring service (builtin-aws|azure|gcp).
import { setTimeout as sleep } from "node:timers/promises";
import type { MetricsDescriptor, ReleaseSecrets } from "../../components/core/contract";
import type { TrafficState } from "../../components/core/traffic";
import { createCloudWatchAlbSource } from "./builtin-aws";
import { azureBuiltinUnavailable, createAzureBuiltinSource, isAzureMetricsDescriptor } from "./builtin-azure";
import { createCloudRunBuiltinSource } from "./builtin-gcp";
import type { BuiltinSource, BuiltinUnavailable } from "./builtin-types";
import { flagVariantQuery } from "./flag-variants";
import { ingressNginxQuery } from "./ingress-nginx";
import { createProvider, type ProviderSpec } from "./registry";
import { configureCommand, type MetricsSettings, type PrometheusSettings } from "./settings";
import { type Measurement, MetricConfigError, type MetricProvider, measured, noData } from "./types";

export {
  BUILTIN_METRICS,
  type BuiltinKind,
  type BuiltinMetricName,
  type BuiltinSource,
  type BuiltinUnavailable,
  isBuiltinMetric,
  type VersionPair,
} from "./builtin-types";

/** Why `builtin` cannot be measured for `descriptor` with `settings`; undefined when it can. */
export function builtinUnavailable(
  descriptor: MetricsDescriptor,
  settings: MetricsSettings,
): BuiltinUnavailable | undefined {
  switch (descriptor.kind) {
    case "local-proxy":
    case "cloudwatch-alb":
    case "cloud-monitoring-run":
      return undefined;
    case "azure-monitor-container-apps":
    case "azure-monitor-traffic-layer":
      return azureBuiltinUnavailable(descriptor);
    case "prometheus-flag":
      return settings.prometheus
        ? undefined
        : {
            problem:
              "reads the flag's per-variant request metrics through Prometheus, which is not configured",
            fix: `configure Prometheus: ${configureCommand("prometheus")}`,
          };
    case "ingress-nginx":
      return settings.prometheus
        ? undefined
        : {
            problem: "reads ingress-nginx's request metrics through Prometheus, which is not configured",
            fix: `configure Prometheus: ${configureCommand("prometheus")}`,
          };
    case "none":
      return {
        problem:
          'has nothing to read: the service\'s platform reports no request metrics of its own (metrics descriptor "none")',
        fix: `name a provider configured in progressive:metrics instead, e.g. after ${configureCommand("prometheus")}`,
      };
    default:
      // A cloud descriptor whose builtin queries this driver does not have yet, or a newer contract.
      return {
        problem: `has no builtin queries for metrics descriptor "${(descriptor as { kind: string }).kind}" in this driver`,
        fix: "name a provider configured in progressive:metrics (cloudwatch, cloud-monitoring, azure-monitor) with explicit queries",
      };
  }
}

/** The measurement of one version from a proxy answer for several versions. */
function pickVersion(m: Measurement, version: string): Measurement {
  if (m.kind !== "vector") return m;
  const sample = m.samples.find((s) => s.labels.version === version);
  return sample
    ? measured(sample.value, m.at, sample.detail)
    : noData(`no requests to version "${version}" in the window`, m.at);
}

/**
 * Builds the builtin source for a service. Throws MetricConfigError when builtin is not available
 * (see {@link builtinUnavailable}) or the release secrets lack the proxy's admin token.
 * `build` makes the provider. @default the registry's createProvider
 */
export function createBuiltinSource(
  descriptor: MetricsDescriptor,
  secrets: ReleaseSecrets,
  settings: MetricsSettings,
  build: (spec: ProviderSpec) => MetricProvider = createProvider,
  /** The deployed traffic state: which colour is live, for blue-green sources keyed by colour. @default none */
  traffic?: TrafficState,
): BuiltinSource {
  const why = builtinUnavailable(descriptor, settings);
  if (why)
    throw new MetricConfigError(
      "metric provider builtin",
      "metrics.kind",
      descriptor.kind,
      why.problem,
      why.fix,
    );
  if (isAzureMetricsDescriptor(descriptor)) return createAzureBuiltinSource(descriptor, settings, build);
  if (descriptor.kind === "cloud-monitoring-run")
    return createCloudRunBuiltinSource(descriptor, settings, build);
  if (descriptor.kind === "cloudwatch-alb") {
    // Slots are target groups: stable/canary, or the colours (the idle one holds the candidate).
    const active = traffic?.activeColor ?? "blue";
    const slots =
      "blue" in descriptor.targetGroups
        ? { candidate: active === "blue" ? "green" : "blue", stable: active }
        : { candidate: "canary", stable: "stable" };
    return createCloudWatchAlbSource(descriptor, {
      slots,
      ...(settings.cloudwatch?.endpoint ? { endpoint: settings.cloudwatch.endpoint } : {}),
      ...(settings.cloudwatch?.timeoutMs ? { timeoutMs: settings.cloudwatch.timeoutMs } : {}),
    });
  }
  if (descriptor.kind === "local-proxy") {
    const token = secrets.adminToken;
    if (!token) {
      throw new MetricConfigError(
        "metric provider builtin",
        "releaseSecrets.adminToken",
        undefined,
        "is needed to read the local proxy's metrics",
        "deploy the stack with this package's local components, which register it",
      );
    }
    const provider = build({
      kind: "proxy",
      name: "builtin",
      metricsJsonUrl: descriptor.metricsJsonUrl,
      token,
    });
    return {
      kind: "local-proxy",
      provider,
      async measure(metric, versions, windowSeconds, signal) {
        const both = await provider.query(
          {
            metric,
            versions: [versions.candidate, versions.stable],
            windowMs: Math.round(windowSeconds * 1000),
          },
          signal,
        );
        return {
          candidate: pickVersion(both, versions.candidate),
          stable: pickVersion(both, versions.stable),
        };
      },
    };
  }
  if (descriptor.kind === "prometheus-flag") return flagVariantSource(descriptor, settings, build);
  const { namespace, ingress } = descriptor as Extract<MetricsDescriptor, { kind: "ingress-nginx" }>;
  const prometheus = settings.prometheus as PrometheusSettings; // checked by builtinUnavailable
  const provider = build({ kind: "prometheus", name: "builtin", ...prometheus });
  return {
    kind: "ingress-nginx",
    provider,
    async measure(metric, _versions, windowSeconds, signal) {
      await sleep(windowSeconds * 1000, undefined, { signal });
      const query = (side: "canary" | "stable") =>
        provider.query(
          { query: ingressNginxQuery(metric, { namespace, ingress, side }, windowSeconds) },
          signal,
        );
      const [candidate, stable] = await Promise.all([query("canary"), query("stable")]);
      return { candidate, stable };
    },
  };
}

/** A feature flag's variants in Prometheus: one window, then the same query for both variants. */
function flagVariantSource(
  descriptor: Extract<MetricsDescriptor, { kind: "prometheus-flag" }>,
  settings: MetricsSettings,
  build: (spec: ProviderSpec) => MetricProvider,
): BuiltinSource {
  const prometheus = settings.prometheus as PrometheusSettings; // checked by builtinUnavailable
  const provider = build({ kind: "prometheus", name: "builtin", ...prometheus });
  return {
    kind: "prometheus-flag",
    provider,
    async measure(metric, versions, windowSeconds, signal) {
      const queryOf = (variant: string) => {
        const q = flagVariantQuery(
          metric,
          {
            flag: descriptor.flag,
            variant,
            requests: descriptor.requests,
            ...(descriptor.duration ? { duration: descriptor.duration } : {}),
          },
          windowSeconds,
        );
        if (q === undefined)
          throw new MetricConfigError(
            "metric provider builtin",
            "metrics.duration",
            undefined,
            `cannot measure ${metric}: flag ${descriptor.flag} names no duration metric`,
            "set the FeatureFlag's metrics.duration, or drop the latency checks from its strategy",
          );
        return q;
      };
      const [cq, sq] = [queryOf(versions.candidate), queryOf(versions.stable)];
      await sleep(windowSeconds * 1000, undefined, { signal });
      const [candidate, stable] = await Promise.all([
        provider.query({ query: cq }, signal),
        provider.query({ query: sq }, signal),
      ]);
      return { candidate, stable };
    },
  };
}
