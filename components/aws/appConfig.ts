// A feature flag in AWS AppConfig's format: the AWS FeatureFlag's store encoding of a flag's
// traffic state (see core/flags.ts for the model).

import { DEFAULT_TARGETING_KEY, type FlagSpec, isSplit, servedVariant, type TrafficState } from "../core";

/** The AWS AppConfig feature-flag profile type. */
export const APPCONFIG_FEATURE_FLAGS = "AWS.AppConfig.FeatureFlags";

/** An AppConfig flag key: what `AWS.AppConfig.FeatureFlags` accepts. */
export const APPCONFIG_KEY_PATTERN = /^[a-z][a-zA-Z\d_-]{0,63}$/;

/**
 * The flag as an `AWS.AppConfig.FeatureFlags` document (schema version 1). AppConfig flags carry
 * attributes, not one JSON value, so each variant becomes the attributes `variant` (its name) and
 * `value` (its value as JSON text). A split is a multi-variant flag: the rollout variant first with
 * the rule `(split by::$<targetingKey> pct::<weight>)` (consistent hashing: the users inside a
 * smaller percentage stay inside a larger one), then the default variant, which has no rule. At 0 %
 * or 100 % the flag has one value and no variants. `_enabled` is false only for a variant whose
 * value is `false`, so boolean flags read naturally with AppConfig's own SDKs.
 */
export function appConfigFeatureFlags(spec: FlagSpec, traffic: TrafficState): Record<string, unknown> {
  const field = spec.targetingKey ?? DEFAULT_TARGETING_KEY;
  const attrs = (variant: string) => ({
    variant,
    value: JSON.stringify(spec.variants[variant] ?? null),
  });
  const enabled = (variant: string) => spec.variants[variant] !== false;
  const served = servedVariant(traffic);
  const value: Record<string, unknown> = { _enabled: enabled(served), ...attrs(served) };
  if (isSplit(traffic)) {
    value._variants = [
      {
        name: traffic.candidateVersion,
        enabled: enabled(traffic.candidateVersion),
        rule: `(split by::$${field} pct::${traffic.candidateWeight})`,
        attributeValues: attrs(traffic.candidateVersion),
      },
      {
        name: traffic.stableVersion,
        enabled: enabled(traffic.stableVersion),
        attributeValues: attrs(traffic.stableVersion),
      },
    ];
  }
  return {
    version: "1",
    flags: {
      [spec.key]: {
        name: spec.key,
        attributes: {
          variant: { constraints: { type: "string", enum: Object.keys(spec.variants) } },
          value: { constraints: { type: "string" } },
        },
      },
    },
    values: { [spec.key]: value },
  };
}
