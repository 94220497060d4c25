// Every rule of the pack, as factories (importable without starting a policy server: only
// policies/index.ts constructs the PolicyPack).

import type { StackValidationPolicy } from "@pulumi/policy";
import { allowedRegistries } from "./allowedRegistries";
import { blueGreenChecks } from "./blueGreenChecks";
import { canaryFirstStep } from "./canaryFirstStep";
import { flagRollout } from "./flagRollout";
import { healthChecks } from "./healthChecks";
import { imageDigest } from "./imageDigest";
import { imageTag } from "./imageTag";
import { maxUnavailable } from "./maxUnavailable";
import { minReplicas } from "./minReplicas";
import { noPlaintextSecrets } from "./noPlaintextSecrets";
import { noSecretFlagVariants } from "./noSecretFlagVariants";
import { productionStrategy } from "./productionStrategy";
import { publicExposure } from "./publicExposure";
import { resourceLimits } from "./resourceLimits";
import { revertTarget } from "./revertTarget";

export * from "./allowedRegistries";
export * from "./blueGreenChecks";
export * from "./canaryFirstStep";
export * from "./flagRollout";
export * from "./healthChecks";
export * from "./imageDigest";
export * from "./imageTag";
export * from "./maxUnavailable";
export * from "./minReplicas";
export * from "./noPlaintextSecrets";
export * from "./noSecretFlagVariants";
export * from "./productionStrategy";
export * from "./publicExposure";
export * from "./resourceLimits";
export * from "./revertTarget";

/** Every rule with its defaults, in the order the README lists them. */
export function allRules(): StackValidationPolicy[] {
  return [
    productionStrategy(),
    canaryFirstStep(),
    blueGreenChecks(),
    healthChecks(),
    minReplicas(),
    resourceLimits(),
    imageTag(),
    imageDigest(),
    allowedRegistries(),
    maxUnavailable(),
    noPlaintextSecrets(),
    publicExposure(),
    revertTarget(),
    flagRollout(),
    noSecretFlagVariants(),
  ];
}
