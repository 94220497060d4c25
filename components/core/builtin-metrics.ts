// The builtin provider's names and floors: what both the check specs (checks.ts) and the judging
// of measurements (analysis.ts) need, in a module of their own so that neither imports the other.

/** Provider name of the platform's own request metrics (each platform's driver knows how to read them). */
export const BUILTIN_PROVIDER = "builtin";

/**
 * Queries the builtin provider understands for any version. Throughput is requests per second per
 * unit of traffic weight, so a candidate at 5 % is comparable with a stable version at 95 %.
 */
export const BuiltinMetric = {
  errorRate: "errorRate",
  http5xxRate: "http5xxRate",
  meanLatency: "meanLatency",
  throughput: "throughput",
  /**
   * The share of requests slower than the check's `slowerThan`, counted from each version's latency
   * histogram (the local proxy's): what a sequential latency check compares.
   */
  slowRate: "slowRate",
} as const;

/**
 * The builtin metrics that are shares of requests with an event (an error, a slow answer): the
 * sources give the requests behind them, so they are judged on counts (the binomial noise test,
 * the sequential test).
 */
export const COUNTED_SHARES: readonly string[] = [
  BuiltinMetric.errorRate,
  BuiltinMetric.http5xxRate,
  BuiltinMetric.slowRate,
];

/** Whether a builtin metric is one of {@link COUNTED_SHARES}. */
export function isCountedShare(metric: string): boolean {
  return COUNTED_SHARES.includes(metric);
}

/**
 * The default floor of each builtin metric, in its unit: the difference from the stable version
 * below which a relative condition counts the candidate as equal to it (docs/decisions.md says why
 * each). Error rates and the slow share are fractions of requests, latency is in seconds, throughput in requests per
 * second per unit of traffic weight (the whole service's rate at 100 %).
 */
export const BUILTIN_FLOORS: Readonly<Record<keyof typeof BuiltinMetric, number>> = {
  errorRate: 0.001,
  http5xxRate: 0.001,
  meanLatency: 0.01,
  throughput: 1,
  slowRate: 0.001,
};

/**
 * The floor of a check's relative conditions: its own `floor`, else the builtin metric's default
 * ({@link BUILTIN_FLOORS}), else 0 (a provider's query has a unit only its author knows).
 */
export function floorOf(check: {
  readonly floor?: number;
  readonly provider?: string;
  readonly query?: string;
}): number {
  if (typeof check.floor === "number") return check.floor;
  if (check.provider !== BUILTIN_PROVIDER || check.query === undefined) return 0;
  return Object.hasOwn(BUILTIN_FLOORS, check.query)
    ? BUILTIN_FLOORS[check.query as keyof typeof BUILTIN_FLOORS]
    : 0;
}
