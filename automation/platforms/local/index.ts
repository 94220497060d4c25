// The local platform: its traffic proxy as the router (builtin metrics from the proxy's counters
// are metrics/builtin.ts's local-proxy source), and the daemons a crash left behind stopped
// before a stopped release is taken over.
import { localProxyControl } from "../../routers/local-proxy";
import type { PlatformModule } from "../types";
import { reapUnknownDaemons } from "./daemons";

export const local: PlatformModule = {
  name: "local",
  routers: {
    "local-proxy": (descriptor, secrets, options) =>
      localProxyControl(descriptor.adminEndpoint, secrets, options),
  },
  takeOver: reapUnknownDaemons,
};
