// Feature flags: the flag stores as routers (a flag's variant weights are its traffic). The flag
// file, the Kubernetes ConfigMap, and the cloud stores (AppConfig, App Configuration, a flag file
// in Cloud Storage), which the driver reads but does not write; the variants' request metrics in
// Prometheus as `builtin` (metrics.ts).

import { cloudFlagControl } from "../../routers/flags/cloud";
import { flagConfigMapControl } from "../../routers/flags/configmap";
import { flagFileControl } from "../../routers/local/flag-file";
import type { PlatformModule } from "../types";
import { prometheusFlagBuiltin } from "./metrics";

export const flags: PlatformModule = {
  name: "flags",
  brakeBeforeStackOpens: ["flag-file"],
  builtinMetrics: { "prometheus-flag": prometheusFlagBuiltin },
  routers: {
    "flag-file": (descriptor) => flagFileControl(descriptor),
    "kubernetes-flag-configmap": (descriptor, _secrets, options) => flagConfigMapControl(descriptor, options),
    "aws-appconfig": (descriptor) => cloudFlagControl(descriptor),
    "azure-app-configuration": (descriptor) => cloudFlagControl(descriptor),
    "gcs-flag-file": (descriptor) => cloudFlagControl(descriptor),
  },
};
