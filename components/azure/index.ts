// Azure components, one sub-namespace per platform:
//
//   import { containerApps, containerInstances } from "pulumi-progressive-delivery/azure";
//   new containerApps.CanaryService("web", { ... });
//   new containerInstances.BlueGreenService("web", { trafficLayer: TrafficLayer.frontDoor(), ... });
//
// Two namespaces rather than a `platform` arg: the two platforms take different inputs (an
// environment and revisions vs. container groups behind a traffic layer), so each gets exact
// argument types and docs, and no argument is valid on one platform only.

export * from "./appConfiguration";
export * as containerApps from "./containerApps";
export * as containerInstances from "./containerInstances";
export { TrafficLayer } from "./containerInstances/args";
export * from "./featureFlag";
export * from "./shared";
