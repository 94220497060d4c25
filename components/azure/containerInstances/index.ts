// Azure Container Instances: BlueGreenService, CanaryService and RollingService as container groups
// (one per slot or replica, replaced, never updated in place) behind Traffic Manager or Front Door.

export * from "./args";
export * from "./blueGreenService";
export * from "./canaryService";
export {
  CONTAINER_GROUP_TYPE,
  GROUP_OPTIONS,
  groupDnsLabel,
  groupLogicalName,
  LAYER_WEIGHT_SCALE,
  layerWeight,
  type Slot,
  slotsFor,
} from "./groups";
export {
  type GroupLayout,
  groupsPerStep,
  MAX_BATCHES,
  type RollPhase,
  rollLayout,
  rollPhases,
  rollSteps,
} from "./rolling";
export * from "./rollingService";
export { defaultTrafficManagerName, FRONT_DOOR_ENDPOINT_MAX, frontDoorEndpointName } from "./trafficLayer";
