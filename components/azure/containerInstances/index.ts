// Azure Container Instances: BlueGreenService and CanaryService as container groups (one per slot,
// replaced, never updated in place) behind Traffic Manager or Front Door.

export * from "./args";
export * from "./blueGreenService";
export * from "./canaryService";
export {
  CONTAINER_GROUP_TYPE,
  GROUP_OPTIONS,
  LAYER_WEIGHT_SCALE,
  layerWeight,
  type Slot,
  slotsFor,
} from "./groups";
