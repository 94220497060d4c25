// The platform-neutral core: strategy specs, step and weight maths, check and analysis specs,
// validation and naming. No cloud SDK; every platform translates this one model.

export * from "./analysis";
export * from "./checks";
export * from "./component";
export * from "./conditions";
export * from "./contract";
export * from "./descriptors";
export * from "./duration";
export * from "./evidence";
export * from "./flagRelease";
export * from "./flags";
export * from "./health";
export * from "./naming";
export * from "./problems";
export * from "./registry";
export * from "./release";
export * from "./replicas";
export * from "./service";
export * from "./steps";
export * from "./strategy";
export * from "./traffic";
export * from "./trafficConfig";
export * from "./weight";
export * from "./workload";
