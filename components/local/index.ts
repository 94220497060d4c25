// The local platform: blue-green, canary and rolling releases of any command on this machine,
// behind a weighted traffic proxy, with no cloud account. Each component takes the same core
// model (traffic state, strategy, health, replicas) as the other platforms.

export {
  type CommandSource,
  defaultStateDir,
  LOCAL_DEFAULTS,
  LOCAL_DIR_ENV,
  type LocalWorkloadArgs,
} from "./args";
export { BlueGreenService, type BlueGreenServiceArgs } from "./blueGreenService";
export { CanaryService, type CanaryServiceArgs } from "./canaryService";
export { DEFAULT_FLAG_FILE, FeatureFlag, type LocalFeatureFlagArgs } from "./featureFlag";
export { FlagFile, InstanceSet, LocalProxy, RollingSet } from "./providers/resources";
export type {
  FlagFileInputs,
  FlagFileOutputs,
  InstanceInfo,
  InstanceSetInputs,
  InstanceSetOutputs,
  LiveStatus,
  ProxyInputs,
  ProxyOutputs,
  ReadinessSpec,
  RollingSetInputs,
  RollingSetOutputs,
  RolloutSpec,
  UnitInfo,
} from "./providers/types";
export { RollingService, type RollingServiceArgs, type RollingTraffic, rolloutSpec } from "./rollingService";
export { blueGreenTable, canaryTable, candidateShare, type SlotRoute } from "./routes";
export * as runtime from "./runtime";
export type { LocalProcesses, ProxyEndpoints, SlotProcesses } from "./service";
