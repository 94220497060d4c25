// The local platform: its traffic proxy as the router, the proxy's counters as `builtin`
// (metrics.ts), and the daemons a crash left behind stopped before a stopped release is taken over.
import { localProxyControl } from "../../routers/local/proxy";
import type { PlatformModule } from "../types";
import { reapUnknownDaemons } from "./daemons";
import { localProxyBuiltin } from "./metrics";

export const local: PlatformModule = {
  name: "local",
  routers: {
    "local-proxy": (descriptor, secrets, options) =>
      localProxyControl(descriptor.adminEndpoint, secrets, options),
  },
  builtinMetrics: { "local-proxy": localProxyBuiltin },
  takeOver: reapUnknownDaemons,
};
