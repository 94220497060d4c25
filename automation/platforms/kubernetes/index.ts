// Kubernetes: ingress-nginx, Gateway API, replica ratio and Service selector as routers, and
// ingress-nginx's request metrics through Prometheus as `builtin` (metrics.ts).
import { gatewayApiControl } from "../../routers/kubernetes/gateway-api";
import { nginxControl } from "../../routers/kubernetes/nginx";
import { replicaRatioControl } from "../../routers/kubernetes/replica-ratio";
import { serviceSelectorControl } from "../../routers/kubernetes/service-selector";
import type { PlatformModule } from "../types";
import { ingressNginxBuiltin } from "./metrics";

export const kubernetes: PlatformModule = {
  name: "kubernetes",
  routers: {
    "kubernetes-nginx": (descriptor, _secrets, options) => nginxControl(descriptor, options),
    "kubernetes-gateway-api": (descriptor, _secrets, options) => gatewayApiControl(descriptor, options),
    "kubernetes-replica-ratio": (descriptor, _secrets, options) => replicaRatioControl(descriptor, options),
    "kubernetes-service-selector": (descriptor, _secrets, options) =>
      serviceSelectorControl(descriptor, options),
  },
  builtinMetrics: { "ingress-nginx": ingressNginxBuiltin },
};
