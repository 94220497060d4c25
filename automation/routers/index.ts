// Driver-side router control: one implementation per RouterDescriptor kind, chosen here. Reads
// report the weights the router applies (never the weight asked for); `sendAllToStable` is the
// revert brake. The Kubernetes implementations load @kubernetes/client-node only when first used.
import type { ReleaseSecrets, RouterDescriptor } from "../../components/core/contract";
import { awsAlbControl } from "./aws/alb";
import { awsEcsDeploymentControl } from "./aws/ecs-deployment";
import { containerAppsControl } from "./azure/container-apps";
import { frontDoorControl } from "./azure/front-door";
import { trafficManagerControl } from "./azure/traffic-manager";
import { cloudFlagControl } from "./flags/cloud";
import { flagConfigMapControl } from "./flags/configmap";
import { flagFileControl } from "./flags/flag-file";
import { cloudRunControl } from "./gcp/cloud-run";
import { gatewayApiControl } from "./kubernetes/gateway-api";
import { nginxControl } from "./kubernetes/nginx";
import { replicaRatioControl } from "./kubernetes/replica-ratio";
import { serviceSelectorControl } from "./kubernetes/service-selector";
import { localProxyControl } from "./local-proxy";
import { nopControl, unknownControl } from "./nop";
import type { RouterControl, RouterControlOptions } from "./types";

export { allToStableFlag, flagdReading } from "./flags/reading";
export { allToStableRules, httpRouteCanaryWeight } from "./kubernetes/gateway-api";
export { nginxCanaryWeight } from "./kubernetes/nginx";
export { replicaRatioWeight } from "./kubernetes/replica-ratio";
export { selectedColor } from "./kubernetes/service-selector";
export { allToStableTable, proxyCandidateWeight } from "./local-proxy";
export {
  type ActivateResult,
  type BrakeResult,
  DEFAULT_ROUTER_TIMEOUT_MS,
  type RetireItem,
  type RouterControl,
  type RouterControlOptions,
  type RouterReading,
} from "./types";

/**
 * The control of the router `d` describes. `secrets` are the service's release secrets (the local
 * proxy's token is `adminToken`); `o` says where the Kubernetes API is and how long to wait. A kind
 * this driver does not know gives a control that reads "unverified" and never throws.
 */
export function routerControl(
  d: RouterDescriptor,
  secrets: ReleaseSecrets,
  o: RouterControlOptions = {},
): RouterControl {
  // The descriptor comes from stack state: never trust its shape more than the compiler does.
  if (typeof d !== "object" || d === null) return unknownControl(undefined);
  switch (d.kind) {
    case "local-proxy":
      return localProxyControl(d.adminEndpoint, secrets, o);
    case "kubernetes-nginx":
      return nginxControl(d, o);
    case "kubernetes-gateway-api":
      return gatewayApiControl(d, o);
    case "kubernetes-replica-ratio":
      return replicaRatioControl(d, o);
    case "kubernetes-service-selector":
      return serviceSelectorControl(d, o);
    case "aws-alb":
      return awsAlbControl(d, o);
    case "aws-ecs-deployment":
      return awsEcsDeploymentControl(d, o);
    case "gcp-cloud-run":
      return cloudRunControl(d, o);
    case "azure-container-apps":
      return containerAppsControl(d, o);
    case "azure-traffic-manager":
      return trafficManagerControl(d, o);
    case "azure-front-door":
      return frontDoorControl(d, o);
    case "flag-file":
      return flagFileControl(d);
    case "kubernetes-flag-configmap":
      return flagConfigMapControl(d, o);
    case "aws-appconfig":
    case "azure-app-configuration":
    case "gcs-flag-file":
      return cloudFlagControl(d);
    case "none":
      return nopControl();
    default:
      // A descriptor from a newer contract: `d` is `never` to the compiler, not at run time.
      return unknownControl((d as { kind?: unknown } | null)?.kind);
  }
}
