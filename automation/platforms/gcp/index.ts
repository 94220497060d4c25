// Google Cloud: Cloud Run's revision traffic as the router. Builtin metrics (Cloud Monitoring) are
// metrics/builtin-gcp.ts.
import { cloudRunControl } from "../../routers/gcp/cloud-run";
import type { PlatformModule } from "../types";

export const gcp: PlatformModule = {
  name: "gcp",
  routers: {
    "gcp-cloud-run": (descriptor, _secrets, options) => cloudRunControl(descriptor, options),
  },
};
