// FeatureFlag on Azure: a feature flag in an App Configuration store (key
// `.appconfig.featureflag/<key>`, content type `application/vnd.microsoft.appconfig.ff+json`),
// enabled for a share of users with the `Microsoft.Targeting` filter's DefaultRolloutPercentage.
// App Configuration flags are on or off, so "on" is the variant the flag's enabled state stands
// for (`onVariant`); the release driver steps the percentage like a canary's weight.

import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  FEATURE_FLAG_ARG_NAMES,
  type FeatureFlagArgs,
  FeatureFlagComponent,
  problem,
  resolveFeatureFlag,
} from "../core";
import {
  AZURE_FEATURE_FLAG_CONTENT_TYPE,
  AZURE_FEATURE_FLAG_PREFIX,
  azureFeatureFlag,
} from "./appConfiguration";

/** Arguments of the Azure {@link FeatureFlag}. */
export interface AzureFeatureFlagArgs extends FeatureFlagArgs {
  /** Resource group of the App Configuration store. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Name of the App Configuration store. */
  readonly configStoreName: pulumi.Input<string>;
  /** Label of the key-value (e.g. the environment). @default no label */
  readonly label?: string;
  /**
   * The variant the flag's "enabled" state stands for.
   * @default `rolloutVariant`, else the only variant other than the default one
   */
  readonly onVariant?: string;
  /** The store's endpoint, for the release descriptor. @default read from the store */
  readonly storeEndpoint?: pulumi.Input<string>;
}

/** ARM name of a key-value: the key with "/" written "~2F", then "$label" when there is one. */
export function keyValueName(key: string, label?: string): string {
  return `${key.replaceAll("/", "~2F")}${label ? `$${label}` : ""}`;
}

/** Every argument name of {@link AzureFeatureFlagArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...FEATURE_FLAG_ARG_NAMES,
  resourceGroupName: true,
  configStoreName: true,
  label: true,
  onVariant: true,
  storeEndpoint: true,
} as const satisfies ArgNames<AzureFeatureFlagArgs>;

/** A feature flag released like a canary, in Azure App Configuration. */
export class FeatureFlag extends FeatureFlagComponent {
  readonly keyValue: appconfiguration.KeyValue;
  /** The key, `.appconfig.featureflag/<flag key>`. */
  readonly key: string;

  constructor(name: string, args: AzureFeatureFlagArgs, opts?: pulumi.ComponentResourceOptions) {
    let onVariant: string | undefined;
    const resolved = resolveFeatureFlag(
      `FeatureFlag "${name}"`,
      name,
      args,
      "azure",
      args.configStoreName,
      (spec, problems) => {
        const names = Object.keys(spec.variants ?? {});
        onVariant = args.onVariant ?? args.rolloutVariant;
        if (onVariant === undefined) {
          const first = args.version ?? args.defaultVariant ?? "off";
          const others = names.filter((n) => n !== first);
          onVariant = others.length === 1 ? others[0] : undefined;
        }
        if (onVariant === undefined || !names.includes(onVariant))
          problems.push(
            problem(
              "onVariant",
              onVariant,
              "must name the variant the flag's enabled state stands for",
              `set onVariant to one of ${names.join(", ")}`,
            ),
          );
      },
      ARG_NAMES,
    );
    super("progressive:azure:FeatureFlag", name, resolved, opts);
    const on = onVariant as string;
    const traffic = resolved.release.traffic;
    this.key = `${AZURE_FEATURE_FLAG_PREFIX}${resolved.spec.key}`;
    this.keyValue = new appconfiguration.KeyValue(
      `${name}-flag`,
      {
        resourceGroupName: args.resourceGroupName,
        configStoreName: args.configStoreName,
        keyValueName: keyValueName(this.key, args.label),
        contentType: AZURE_FEATURE_FLAG_CONTENT_TYPE,
        value: JSON.stringify(azureFeatureFlag(resolved.spec, traffic, on)),
      },
      { parent: this },
    );
    const endpoint =
      args.storeEndpoint ??
      appconfiguration
        .getConfigurationStoreOutput(
          { resourceGroupName: args.resourceGroupName, configStoreName: args.configStoreName },
          { parent: this },
        )
        .apply((s) => s.endpoint);
    const key = this.key;
    this.registerFlag({
      endpoint: pulumi.interpolate`${endpoint}/kv/${encodeURIComponent(key)}`,
      router: pulumi.output(endpoint).apply((e) => ({
        kind: "azure-app-configuration" as const,
        endpoint: e,
        key,
        ...(args.label ? { label: args.label } : {}),
        onVariant: on,
      })),
      trafficResources: [this.keyValue],
    });
  }
}
