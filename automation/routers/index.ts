// Driver-side router control: one implementation per RouterDescriptor kind. Reads
// report the weights the router applies (never the weight asked for); `sendAllToStable` is the
// revert brake. The Kubernetes implementations load @kubernetes/client-node only when first used.
// The registry in automation/platforms picks the control by kind; it is re-exported here so the
// routers keep one public face.
export { routerControl } from "../platforms";
export { allToStableFlag, flagdReading } from "./flags/reading";
export { allToStableRules, httpRouteCanaryWeight } from "./kubernetes/gateway-api";
export { nginxCanaryWeight } from "./kubernetes/nginx";
export { replicaRatioWeight } from "./kubernetes/replica-ratio";
export { selectedColor } from "./kubernetes/service-selector";
export { allToStableTable, proxyCandidateWeight } from "./local/proxy";
export {
  type ActivateResult,
  type BrakeResult,
  DEFAULT_ROUTER_TIMEOUT_MS,
  type RetireItem,
  type RouterControl,
  type RouterControlOptions,
  type RouterReading,
} from "./types";
