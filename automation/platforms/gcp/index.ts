// Google Cloud: Cloud Run's revision traffic as the router, and its request metrics in Cloud
// Monitoring as `builtin` (metrics/builtin-gcp.ts).

import { createCloudRunBuiltinSource } from "../../metrics/builtin-gcp";
import { cloudRunControl } from "../../routers/gcp/cloud-run";
import type { PlatformModule } from "../types";

export const gcp: PlatformModule = {
  name: "gcp",
  routers: {
    "gcp-cloud-run": (descriptor, _secrets, options) => cloudRunControl(descriptor, options),
  },
  builtinMetrics: {
    "cloud-monitoring-run": {
      create: (descriptor, { settings, build }) => createCloudRunBuiltinSource(descriptor, settings, build),
    },
  },
};
