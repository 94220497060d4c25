// This repo's own Pulumi program. It will read the layered stack config (stacks/) and build
// the configured service on the configured platform with the configured strategy.
export {};
