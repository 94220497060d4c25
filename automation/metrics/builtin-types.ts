// What every builtin source shares: the metric names, the two versions a measurement covers, the
// source's shape. Its own module so that the platforms' sources (builtin-aws, -azure, -gcp, the flag
// and ingress-nginx queries) and builtin.ts, which picks one of them, import it without a cycle.
import type { BuiltinMetric } from "../../components/core/analysis";
import type { MetricsDescriptor, MetricsKind, ReleaseSecrets } from "../../components/core/contract";
import type { TrafficState } from "../../components/core/traffic";
import type { ProviderSpec } from "./registry";
import { configureCommand, type MetricsSettings, type PrometheusSettings } from "./settings";
import { type Measurement, type MetricProvider, measured, valuesOf } from "./types";

/** The metrics `builtin` answers on every platform that has them. */
export const BUILTIN_METRICS = [
  "errorRate",
  "http5xxRate",
  "meanLatency",
  "throughput",
] as const satisfies ReadonlyArray<keyof typeof BuiltinMetric>;

/** One of {@link BUILTIN_METRICS}. */
export type BuiltinMetricName = (typeof BUILTIN_METRICS)[number];

/**
 * The builtin metric only sources with a latency histogram per version answer (their factory says
 * `slowRate: true`): the share of requests slower than the check's `slowerThan`.
 */
export const SLOW_RATE = "slowRate" satisfies keyof typeof BuiltinMetric;

/** True when `query` names a builtin metric. */
export function isBuiltinMetric(query: string): query is BuiltinMetricName {
  return (BUILTIN_METRICS as readonly string[]).includes(query);
}

/** The two versions a builtin measurement covers. */
export interface VersionPair<T> {
  readonly candidate: T;
  readonly stable: T;
}

/** The metrics descriptor kinds a builtin source reads. */
export type BuiltinKind =
  | "local-proxy"
  | "ingress-nginx"
  | "cloudwatch-alb"
  | "cloud-monitoring-run"
  | "azure-monitor-container-apps"
  | "azure-monitor-traffic-layer"
  | "prometheus-flag";

/** The platform's own request metrics of one service. */
export interface BuiltinSource<K extends BuiltinKind = BuiltinKind> {
  /** The metrics descriptor kind it reads. */
  readonly kind: K;
  /** The provider it queries: the proxy, Prometheus, or a cloud's monitoring service. */
  readonly provider: MetricProvider;
  /** Measures `metric` for both versions over the next `windowSeconds`, one window for both. */
  measure(
    metric: BuiltinMetricName,
    versions: VersionPair<string>,
    windowSeconds: number,
    signal?: AbortSignal,
  ): Promise<VersionPair<Measurement>>;
  /**
   * Measures {@link SLOW_RATE} for both versions over the next `windowSeconds`, each with the
   * counts behind it (`detail.requests`). @default absent: the source has no latency histogram
   */
  measureSlow?(
    slowerThanSeconds: number,
    versions: VersionPair<string>,
    windowSeconds: number,
    signal?: AbortSignal,
  ): Promise<VersionPair<Measurement>>;
}

/** Why `builtin` is not available for a service, and how to make it so. */
export interface BuiltinUnavailable {
  /** What is missing, e.g. `reads ingress-nginx's metrics through Prometheus, which is not configured`. */
  readonly problem: string;
  /** The fix, with the command to run. */
  readonly fix: string;
}

/** What a builtin source is built from, beside its descriptor. */
export interface BuiltinContext {
  /** The service's release secrets (the local proxy's `adminToken`). */
  readonly secrets: ReleaseSecrets;
  readonly settings: MetricsSettings;
  /** Makes a provider from its spec (the registry's createProvider; tests pass fakes). */
  readonly build: (spec: ProviderSpec) => MetricProvider;
  /** The deployed traffic state: which colour is live, for blue-green sources keyed by colour. @default none */
  readonly traffic?: TrafficState;
}

/** How a platform measures `builtin` for one metrics descriptor kind. */
export interface BuiltinFactory<K extends MetricsKind> {
  /** Why `builtin` cannot be measured with these settings; undefined when it can. @default always can */
  unavailable?(
    descriptor: Extract<MetricsDescriptor, { kind: K }>,
    settings: MetricsSettings,
  ): BuiltinUnavailable | undefined;
  create(descriptor: Extract<MetricsDescriptor, { kind: K }>, context: BuiltinContext): BuiltinSource;
  /** Its sources answer {@link SLOW_RATE} (`measureSlow`). @default false */
  readonly slowRate?: boolean;
}

/** A platform's builtin sources, by the metrics descriptor kinds it registers. */
export type BuiltinFactories = { readonly [K in MetricsKind]?: BuiltinFactory<K> };

/** The Prometheus settings a Prometheus-backed builtin source reads, or why it cannot. */
export function prometheusUnavailable(
  settings: MetricsSettings,
  what: string,
): BuiltinUnavailable | undefined {
  return settings.prometheus
    ? undefined
    : {
        problem: `reads ${what} through Prometheus, which is not configured`,
        fix: `configure Prometheus: ${configureCommand("prometheus")}`,
      };
}

/** The Prometheus settings, once {@link prometheusUnavailable} said they are there. */
export function prometheusOf(settings: MetricsSettings): PrometheusSettings {
  return settings.prometheus as PrometheusSettings;
}

/**
 * A share measured in Prometheus with the requests behind it (`detail.requests`), from a count
 * query over the same window (`increase()`, rounded: Prometheus extrapolates to the window's
 * edges), so an error rate carries evidence and the sequential test has counts. Without a count
 * the measurement stays as it was.
 */
export async function withRequestCount(
  share: Promise<Measurement>,
  provider: MetricProvider,
  countQuery: string,
  signal?: AbortSignal,
): Promise<Measurement> {
  const [m, count] = await Promise.all([share, provider.query({ query: countQuery }, signal)]);
  // Prometheus answers an instant vector: one sample each after sum().
  const [value, n] = [valuesOf(m), valuesOf(count)];
  if (value.length !== 1 || n.length !== 1 || !((n[0] as number) >= 0)) return m;
  return measured(value[0] as number, m.at, {
    ...(m.kind === "value" ? m.detail : {}),
    requests: Math.round(n[0] as number),
  });
}
