// The public API of pulumi-progressive-delivery.
//
//   import { Strategy, Step, Check, local } from "pulumi-progressive-delivery"; // core + local platform
//   import { CanaryService } from "pulumi-progressive-delivery/kubernetes";     // one cloud platform
//
// The root exports the platform-neutral core and the local platform (which needs no SDK beyond
// @pulumi/pulumi). Platforms with their own provider SDK are subpath exports, so a program pays
// for (and installs) only the SDKs of the platforms it imports.
export * from "./core";
export * as local from "./local";

/** Name of this package. */
export const PACKAGE_NAME = "pulumi-progressive-delivery";
