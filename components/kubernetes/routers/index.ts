// Router factories: `TrafficRouter.replicaRatio()`, `TrafficRouter.nginx({ host })`,
// `TrafficRouter.gatewayApi({ parentRefs })`.

import type { KubernetesTrafficRouter } from "../router";
import { GatewayApiRouter, type GatewayApiRouterOptions } from "./gatewayApi";
import { NginxRouter, type NginxRouterOptions } from "./nginx";
import { ReplicaRatioRouter } from "./replicaRatio";

export * from "./gatewayApi";
export * from "./nginx";
export * from "./replicaRatio";

/** Factories of the Kubernetes traffic routers. */
export const TrafficRouter = {
  /** One Service over both slots; weight = the canary's share of pods. Works on any cluster. */
  replicaRatio(): KubernetesTrafficRouter {
    return new ReplicaRatioRouter();
  },
  /** ingress-nginx canary annotations on a second Ingress; any integer weight; header routing. */
  nginx(options: NginxRouterOptions): KubernetesTrafficRouter {
    return new NginxRouter(options);
  },
  /** Gateway API HTTPRoute with weighted backendRefs; any integer weight; header routing. */
  gatewayApi(options: GatewayApiRouterOptions): KubernetesTrafficRouter {
    return new GatewayApiRouter(options);
  },
} as const;
