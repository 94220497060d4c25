// The public API of pulumi-progressive-delivery.
//
//   import { Strategy, Step, Check } from "pulumi-progressive-delivery";          // the core model
//   import { CanaryService } from "pulumi-progressive-delivery/kubernetes";       // one platform
//
// The root exports the platform-neutral core only, so a program pays for (and installs) only the
// cloud SDKs of the platforms it imports; each platform is a subpath export.
export * from "./core";

/** Name of this package. */
export const PACKAGE_NAME = "pulumi-progressive-delivery";
export * from "./core";
export * as local from "./local";
