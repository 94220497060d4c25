// Durable release history and figures over it.

export * from "./objects";
export * from "./records";
export * from "./store";
export * from "./summary";
