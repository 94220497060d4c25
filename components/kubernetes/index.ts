// Kubernetes components: BlueGreenService, CanaryService, RollingService, and the traffic routers.

export * from "./args";
export * from "./blueGreenService";
export * from "./canaryService";
export * from "./featureFlag";
export {
  envVars,
  imageFor,
  LABEL_APP,
  LABEL_COLOR,
  LABEL_TRACK,
  LABEL_VERSION,
  probeFor,
  releaseAnnotations,
} from "./pods";
export * from "./rollingService";
export * from "./router";
export * from "./routers";
