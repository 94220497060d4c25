// Azure: Container Apps revisions, Traffic Manager and Front Door as routers; Azure Monitor's
// request metrics as `builtin` (metrics/builtin-azure.ts).

import {
  type AzureMetricsDescriptor,
  azureBuiltinUnavailable,
  createAzureBuiltinSource,
} from "../../metrics/builtin-azure";
import type { BuiltinFactory } from "../../metrics/builtin-types";
import { containerAppsControl } from "../../routers/azure/container-apps";
import { frontDoorControl } from "../../routers/azure/front-door";
import { trafficManagerControl } from "../../routers/azure/traffic-manager";
import type { PlatformModule } from "../types";

/** The Azure Monitor source, for either Azure metrics kind. */
const azureMonitor = <K extends AzureMetricsDescriptor["kind"]>(): BuiltinFactory<K> => ({
  unavailable: (descriptor) => azureBuiltinUnavailable(descriptor),
  create: (descriptor, { settings, build }) => createAzureBuiltinSource(descriptor, settings, build),
});

export const azure: PlatformModule = {
  name: "azure",
  routers: {
    "azure-container-apps": (descriptor, _secrets, options) => containerAppsControl(descriptor, options),
    "azure-traffic-manager": (descriptor, _secrets, options) => trafficManagerControl(descriptor, options),
    "azure-front-door": (descriptor, _secrets, options) => frontDoorControl(descriptor, options),
  },
  builtinMetrics: {
    "azure-monitor-container-apps": azureMonitor(),
    "azure-monitor-traffic-layer": azureMonitor(),
  },
};
