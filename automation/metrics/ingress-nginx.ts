// PromQL over ingress-nginx's request metrics, for `builtin` checks of services routed by an
// ingress-nginx canary Ingress.
//
// ingress-nginx merges a canary Ingress into its main Ingress' location, so every request is
// counted under the MAIN Ingress' name (`ingress` label); the ones sent to the canary backend
// carry its upstream name in the `canary` label, the others an empty one (controller v1.1+,
// kubernetes/ingress-nginx#7696; monitor.lua sets `canary` from proxy_alternative_upstream_name).
// The canary Ingress' own name never appears (kubernetes/ingress-nginx#4026). So the candidate is
// `ingress="<main>",canary!=""` and the stable version `ingress="<main>",canary=""`. On older
// controllers the candidate selector matches nothing: no data, Inconclusive, never a pass.
import type { BuiltinMetricName } from "./builtin-types";

/** Which requests of the Ingress: those sent to the canary backend, or the rest. */
export type IngressNginxSide = "canary" | "stable";

/** The requests a query covers. */
export interface IngressNginxSelector {
  /** Namespace of the Ingress. */
  readonly namespace: string;
  /** Name of the main (non-canary) Ingress. */
  readonly ingress: string;
  /** Canary or stable requests. */
  readonly side: IngressNginxSide;
}

/** A PromQL string literal: quotes and backslashes escaped. */
const quote = (s: string): string => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/** The label matchers of one side of an Ingress. */
function sideLabels(selector: IngressNginxSelector): string {
  return `namespace=${quote(selector.namespace)},ingress=${quote(selector.ingress)},canary${selector.side === "canary" ? "!=" : "="}""`;
}

/**
 * The PromQL of `metric` for one side of an Ingress over the last `windowSeconds` (rounded up to
 * whole seconds, at least 1): errorRate and http5xxRate are 5xx responses / all responses (the
 * same here: ingress-nginx counts no proxy errors apart), meanLatency is seconds per request,
 * throughput is requests per second. A window without requests gives no data (an empty result
 * or 0/0), never 0; a window without 5xx responses gives 0.
 */
export function ingressNginxQuery(
  metric: BuiltinMetricName,
  selector: IngressNginxSelector,
  windowSeconds: number,
): string {
  const labels = sideLabels(selector);
  const range = `[${Math.max(1, Math.ceil(windowSeconds))}s]`;
  const rate = (name: string, extra = "") => `sum(rate(${name}{${labels}${extra}}${range}))`;
  const requests = rate("nginx_ingress_controller_requests");
  switch (metric) {
    case "errorRate":
    case "http5xxRate":
      // No 5xx series at all is a rate of 0, not an empty (no data) result.
      return `(${rate("nginx_ingress_controller_requests", ',status=~"5.."')} or vector(0)) / ${requests}`;
    case "meanLatency":
      return `${rate("nginx_ingress_controller_request_duration_seconds_sum")} / ${rate("nginx_ingress_controller_request_duration_seconds_count")}`;
    case "throughput":
      return requests;
  }
}

/**
 * The requests of one side of an Ingress over the last `windowSeconds`: `increase()` of the same
 * counter, so a share measured over that window carries the count behind it.
 */
export function ingressNginxRequestsQuery(selector: IngressNginxSelector, windowSeconds: number): string {
  return `sum(increase(nginx_ingress_controller_requests{${sideLabels(selector)}}[${Math.max(1, Math.ceil(windowSeconds))}s]))`;
}
