// `builtin` behind ingress-nginx: wait `windowSeconds`, then PromQL over the last `windowSeconds`
// for both sides of the canary Ingress (needs the `prometheus` settings).

import { setTimeout as sleep } from "node:timers/promises";
import { isCountedShare } from "../../../components/core/builtin-metrics";
import {
  type BuiltinFactory,
  prometheusOf,
  prometheusUnavailable,
  withRequestCount,
} from "../../metrics/builtin-types";
import { ingressNginxQuery, ingressNginxRequestsQuery } from "../../metrics/ingress-nginx";

export const ingressNginxBuiltin: BuiltinFactory<"ingress-nginx"> = {
  unavailable: (_descriptor, settings) => prometheusUnavailable(settings, "ingress-nginx's request metrics"),
  create({ namespace, ingress }, { settings, build }) {
    const provider = build({ kind: "prometheus", name: "builtin", ...prometheusOf(settings) });
    return {
      kind: "ingress-nginx",
      provider,
      async measure(metric, _versions, windowSeconds, signal) {
        await sleep(windowSeconds * 1000, undefined, { signal });
        const query = (side: "canary" | "stable") => {
          const share = provider.query(
            { query: ingressNginxQuery(metric, { namespace, ingress, side }, windowSeconds) },
            signal,
          );
          if (!isCountedShare(metric)) return share;
          const count = ingressNginxRequestsQuery({ namespace, ingress, side }, windowSeconds);
          return withRequestCount(share, provider, count, signal);
        };
        const [candidate, stable] = await Promise.all([query("canary"), query("stable")]);
        return { candidate, stable };
      },
    };
  },
};
