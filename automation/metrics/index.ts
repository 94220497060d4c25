// Metric providers of the release driver: one interface, one registry.
export * from "./azure-monitor";
export * from "./builtin";
export * from "./check-providers";
export * from "./cloud-monitoring";
export * from "./cloudwatch";
export * from "./flag-variants";
export * from "./health-state";
export * from "./http";
export * from "./ingress-nginx";
export * from "./prometheus";
export * from "./proxy";
export * from "./proxy-metrics";
export * from "./registry";
export * from "./sdk-call";
export * from "./settings";
export * from "./types";
