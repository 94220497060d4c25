// The provider registry: kind -> factory. Adding a provider is one file and one line here;
// the spec type below follows from this table.
import { createAzureMonitorProvider } from "./azure-monitor";
import { createCloudMonitoringProvider } from "./cloud-monitoring";
import { createCloudWatchProvider } from "./cloudwatch";
import { createHttpProvider } from "./http";
import { createPrometheusProvider } from "./prometheus";
import { createProxyProvider } from "./proxy";
import { MetricConfigError, type MetricProvider, showValue } from "./types";

const factories = {
  prometheus: createPrometheusProvider,
  proxy: createProxyProvider,
  http: createHttpProvider,
  cloudwatch: createCloudWatchProvider,
  "azure-monitor": createAzureMonitorProvider,
  "cloud-monitoring": createCloudMonitoringProvider,
} as const;

/** A provider kind known to the registry. */
export type ProviderKind = keyof typeof factories;

/** The kinds known to the registry, in registration order. */
export const PROVIDER_KINDS = Object.keys(factories) as ProviderKind[];

/**
 * Optional peer packages each kind loads when it builds its own client (Azure also needs
 * @azure/identity when no credential is given, which is always the case from settings).
 */
export const SDK_PACKAGES: Readonly<Partial<Record<ProviderKind, readonly string[]>>> = {
  cloudwatch: ["@aws-sdk/client-cloudwatch"],
  "azure-monitor": ["@azure/monitor-query", "@azure/identity"],
  "cloud-monitoring": ["@google-cloud/monitoring"],
};

/** A provider spec: `kind` plus that kind's settings, e.g. `{ kind: "prometheus", name: "prom", url: "..." }`. */
export type ProviderSpec = {
  [K in ProviderKind]: { readonly kind: K } & Parameters<(typeof factories)[K]>[0];
}[ProviderKind];

/**
 * Builds the provider for `spec.kind`; throws MetricConfigError for an unknown kind (listing
 * the known ones) or an invalid spec (naming the field).
 */
export function createProvider(spec: ProviderSpec): MetricProvider {
  const kind: unknown = (spec as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !Object.hasOwn(factories, kind)) {
    const name = (spec as { name?: unknown } | null)?.name;
    throw new MetricConfigError(
      `metric provider ${showValue(name)}`,
      "kind",
      kind,
      "is not a known provider kind",
      `use one of ${PROVIDER_KINDS.map((k) => `"${k}"`).join(", ")}`,
    );
  }
  const factory = factories[kind as ProviderKind] as (s: ProviderSpec) => MetricProvider;
  return factory(spec);
}
