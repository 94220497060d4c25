// A feature flag in Azure App Configuration's format (Microsoft feature management): the Azure
// FeatureFlag's store encoding of a flag's traffic state (see core/flags.ts for the model).

import { type FlagSpec, type TrafficState, variantShare } from "../core";

/** Key prefix of feature flags in Azure App Configuration. */
export const AZURE_FEATURE_FLAG_PREFIX = ".appconfig.featureflag/";
/** Content type of a feature flag in Azure App Configuration. */
export const AZURE_FEATURE_FLAG_CONTENT_TYPE = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";

/**
 * The flag as an Azure App Configuration feature flag (Microsoft feature management schema). Those
 * flags are on or off, so the flag is "enabled" for the users who get `onVariant`: at 0 % it is
 * disabled; in a split it is enabled with the `Microsoft.Targeting` filter at
 * `DefaultRolloutPercentage` = that share (the SDKs bucket by the targeting context's user id,
 * consistently); at 100 % it is enabled with no filter.
 */
export function azureFeatureFlag(
  spec: Pick<FlagSpec, "key">,
  traffic: TrafficState,
  onVariant: string,
): Record<string, unknown> {
  const share = variantShare(traffic, onVariant);
  const filters =
    share > 0 && share < 100
      ? [
          {
            name: "Microsoft.Targeting",
            parameters: { Audience: { Users: [], Groups: [], DefaultRolloutPercentage: share } },
          },
        ]
      : [];
  return {
    id: spec.key,
    description: "",
    enabled: share > 0,
    conditions: { client_filters: filters },
  };
}
