// What every builtin source shares: the metric names, the two versions a measurement covers, the
// source's shape. Its own module so that the platforms' sources (builtin-aws, -azure, -gcp, the flag
// and ingress-nginx queries) and builtin.ts, which picks one of them, import it without a cycle.
import type { BuiltinMetric } from "../../components/core/analysis";
import type { Measurement, MetricProvider } from "./types";

/** The metrics `builtin` answers on every platform that has them. */
export const BUILTIN_METRICS = [
  "errorRate",
  "http5xxRate",
  "meanLatency",
  "throughput",
] as const satisfies ReadonlyArray<keyof typeof BuiltinMetric>;

/** One of {@link BUILTIN_METRICS}. */
export type BuiltinMetricName = (typeof BUILTIN_METRICS)[number];

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
}

/** Why `builtin` is not available for a service, and how to make it so. */
export interface BuiltinUnavailable {
  /** What is missing, e.g. `reads ingress-nginx's metrics through Prometheus, which is not configured`. */
  readonly problem: string;
  /** The fix, with the command to run. */
  readonly fix: string;
}
