// Driver-side control of Azure routers: Container Apps ingress traffic, Traffic Manager endpoints,
// Front Door origins. Each SDK is loaded only when a service of its kind is released.
export { type AzureTokenCredential, azureFailure, type Importer, loadAzurePackage } from "./client";
export {
  type AzureControlOptions,
  allToStable,
  type ContainerAppLike,
  type ContainerAppsClientLike,
  containerAppsControl,
  containerAppsReading,
  type TrafficWeightLike,
} from "./container-apps";
export { type FrontDoorClientLike, frontDoorControl, type OriginLike } from "./front-door";
export {
  keepReason,
  REVISION_START_TIMEOUT_MS,
  type RevisionLike,
  type RevisionsClientLike,
} from "./revisions";
export { type SlotState, slotReading, stableSlot } from "./slots";
export {
  ENDPOINT_TYPE,
  type EndpointLike,
  type TrafficManagerClientLike,
  trafficManagerControl,
} from "./traffic-manager";
