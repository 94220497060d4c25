// Azure: Container Apps revisions, Traffic Manager and Front Door as routers. Builtin metrics
// (Azure Monitor) are metrics/builtin-azure.ts.
import { containerAppsControl } from "../../routers/azure/container-apps";
import { frontDoorControl } from "../../routers/azure/front-door";
import { trafficManagerControl } from "../../routers/azure/traffic-manager";
import type { PlatformModule } from "../types";

export const azure: PlatformModule = {
  name: "azure",
  routers: {
    "azure-container-apps": (descriptor, _secrets, options) => containerAppsControl(descriptor, options),
    "azure-traffic-manager": (descriptor, _secrets, options) => trafficManagerControl(descriptor, options),
    "azure-front-door": (descriptor, _secrets, options) => frontDoorControl(descriptor, options),
  },
};
