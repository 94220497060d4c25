// PromQL over an application's per-variant request metrics, for `builtin` checks of feature flags
// (metrics descriptor `prometheus-flag`): a counter `<requests>{flag, variant, status}` and,
// optionally, a duration summary or histogram `<duration>_sum` / `_count` by flag and variant. The
// candidate is the rolled-out variant and the baseline the default one, measured over one window.
import type { BuiltinMetricName } from "./builtin-types";

/** The metric names and the flag a query covers. */
export interface FlagVariantSelector {
  /** The flag's key (label `flag`). */
  readonly flag: string;
  /** The variant (label `variant`). */
  readonly variant: string;
  /** Counter of requests. */
  readonly requests: string;
  /** Duration metric's base name. @default none: meanLatency cannot be measured */
  readonly duration?: string;
}

/** A PromQL string literal: quotes and backslashes escaped. */
const quote = (s: string): string => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/** The label matchers of one variant. */
const variantLabels = (s: FlagVariantSelector): string => `flag=${quote(s.flag)},variant=${quote(s.variant)}`;

/**
 * The PromQL of `metric` for one variant over the last `windowSeconds` (whole seconds, at least 1):
 * errorRate and http5xxRate are 5xx responses / all responses, meanLatency seconds per request,
 * throughput requests per second. A window without requests gives no data, never 0; a window
 * without 5xx responses gives 0. Undefined for meanLatency when the flag names no duration metric.
 */
export function flagVariantQuery(
  metric: BuiltinMetricName,
  s: FlagVariantSelector,
  windowSeconds: number,
): string | undefined {
  const labels = variantLabels(s);
  const range = `[${Math.max(1, Math.ceil(windowSeconds))}s]`;
  const rate = (name: string, extra = "") => `sum(rate(${name}{${labels}${extra}}${range}))`;
  switch (metric) {
    case "errorRate":
    case "http5xxRate":
      return `(${rate(s.requests, ',status=~"5.."')} or vector(0)) / ${rate(s.requests)}`;
    case "meanLatency":
      return s.duration === undefined
        ? undefined
        : `${rate(`${s.duration}_sum`)} / ${rate(`${s.duration}_count`)}`;
    case "throughput":
      return rate(s.requests);
  }
}

/**
 * The requests of one variant over the last `windowSeconds`: `increase()` of its counter, so a
 * share measured over that window carries the count behind it.
 */
export function flagVariantRequestsQuery(s: FlagVariantSelector, windowSeconds: number): string {
  return `sum(increase(${s.requests}{${variantLabels(s)}}[${Math.max(1, Math.ceil(windowSeconds))}s]))`;
}
