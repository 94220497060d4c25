// AWS components (ECS Fargate behind an Application Load Balancer): BlueGreenService,
// CanaryService, RollingService, and the pure maths they share.

export * from "./appConfig";
export * from "./args";
export * from "./blueGreenService";
export * from "./canaryService";
export { ECS_LOAD_BALANCER_POLICY, ECS_LOAD_BALANCER_POLICY_NAME } from "./ecsNative";
export {
  checkController,
  type EcsController,
  type EcsNativeArgs,
  ecsBlueGreenConfiguration,
  ecsCanaryConfiguration,
  MAX_BAKE_MINUTES,
} from "./ecsStrategy";
export * from "./featureFlag";
export * from "./names";
export * from "./plan";
export {
  CONTAINER_NAME,
  clusterName,
  EXECUTION_ROLE_POLICY,
  EXECUTION_ROLE_POLICY_NAME,
  READINESS_TAG,
} from "./resources";
export * from "./rollingService";
export { CREATED_HEADER_PRIORITY, PREVIEW_HEADER } from "./routing";
export { FARGATE_MEMORY, LOG_RETENTION_DAYS } from "./validate";
