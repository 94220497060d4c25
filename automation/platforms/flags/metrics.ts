// `builtin` for a feature flag: its variants' request metrics in Prometheus, one window, then the
// same query for both variants.

import { setTimeout as sleep } from "node:timers/promises";
import { isCountedShare } from "../../../components/core/builtin-metrics";
import {
  type BuiltinFactory,
  prometheusOf,
  prometheusUnavailable,
  withRequestCount,
} from "../../metrics/builtin-types";
import { flagVariantQuery, flagVariantRequestsQuery } from "../../metrics/flag-variants";
import { MetricConfigError } from "../../metrics/types";

export const prometheusFlagBuiltin: BuiltinFactory<"prometheus-flag"> = {
  unavailable: (_descriptor, settings) =>
    prometheusUnavailable(settings, "the flag's per-variant request metrics"),
  create(descriptor, { settings, build }) {
    const provider = build({ kind: "prometheus", name: "builtin", ...prometheusOf(settings) });
    return {
      kind: "prometheus-flag",
      provider,
      async measure(metric, versions, windowSeconds, signal) {
        const selector = (variant: string) => ({
          flag: descriptor.flag,
          variant,
          requests: descriptor.requests,
          ...(descriptor.duration ? { duration: descriptor.duration } : {}),
        });
        const queryOf = (variant: string) => {
          const q = flagVariantQuery(metric, selector(variant), windowSeconds);
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
        const measure = (query: string, variant: string) => {
          const share = provider.query({ query }, signal);
          if (!isCountedShare(metric)) return share;
          const count = flagVariantRequestsQuery(selector(variant), windowSeconds);
          return withRequestCount(share, provider, count, signal);
        };
        const [candidate, stable] = await Promise.all([
          measure(cq, versions.candidate),
          measure(sq, versions.stable),
        ]);
        return { candidate, stable };
      },
    };
  },
};
