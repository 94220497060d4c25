// Azure, both platforms of components/azure:
// - Container Apps: a ContainerApp is a workload (its template's containers: env values or
//   secretRef, Readiness/Liveness probes, cpu and memory, which Container Apps both reserves and
//   caps, so they count as requests and limits; minReplicas as replicas); its ingress is an
//   exposure, public when external.
// - Container Instances: a ContainerGroup is a workload of one instance (env value, secureValue or
//   secureValueReference; readiness/liveness probes; resource requests and limits; slot and
//   version from its tags) and, with a public IP, an exposure; a Traffic Manager profile and a
//   Front Door endpoint are public exposures.

import { AzureTagKey, MetadataKey, type StrategyKind } from "../../components/core";
import type { ContainerView, EnvVarView, Exposure, Workload } from "../model";
import { at, keys, list, num, present, type ResourceLike, str, stringMap, UNKNOWN } from "./read";
import type { PlatformMapper } from "./types";

/** Type tokens the mapper reads. */
export const AZURE_TYPES = {
  containerApp: "azure-native:app:ContainerApp",
  containerGroup: "azure-native:containerinstance:ContainerGroup",
  trafficManager: "azure-native:trafficmanager:Profile",
  frontDoorEndpoint: "azure-native:cdn:AFDEndpoint",
} as const;

const STRATEGY_KINDS: readonly StrategyKind[] = ["canary", "blueGreen", "rolling", "recreate"];

/** A secret property as the engine may hand it over (`{ <sig>: <secret sig>, value }`): its value. */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const k = keys(value);
    if (k.length === 2 && k.includes("value") && k.includes("4dabf18193072939515e22adb298388d")) {
      return at(value, "value");
    }
  }
  return value;
}

function appEnv(raw: unknown): EnvVarView | undefined {
  const name = str(at(raw, "name"));
  if (name === undefined) return undefined;
  const secretRef = at(raw, "secretRef");
  if (secretRef === UNKNOWN || at(raw, "value") === UNKNOWN) return { name, source: "unknown" };
  if (typeof secretRef === "string") return { name, source: "secret", detail: "secretRef" };
  const value = plain(at(raw, "value"));
  return { name, source: "value", ...(value === "" || value === undefined ? { empty: true } : {}) };
}

function groupEnv(raw: unknown): EnvVarView | undefined {
  const name = str(at(raw, "name"));
  if (name === undefined) return undefined;
  if (present(at(raw, "secureValue"))) return { name, source: "secret", detail: "secureValue" };
  if (present(at(raw, "secureValueReference")))
    return { name, source: "secret", detail: "secureValueReference" };
  const value = at(raw, "value");
  if (value === UNKNOWN) return { name, source: "unknown" };
  return { name, source: "value", ...(value === "" || value === undefined ? { empty: true } : {}) };
}

function appContainer(raw: unknown): ContainerView {
  const probes = list(at(raw, "probes")).map((p) => str(at(p, "type")));
  const image = at(raw, "image");
  const sized = ["cpu", "memory"].filter((k) => present(at(raw, "resources", k)));
  return {
    name: str(at(raw, "name")) ?? "(unnamed)",
    ...(typeof image === "string" ? { image } : {}),
    env: list(at(raw, "env")).flatMap((e) => appEnv(e) ?? []),
    readiness: probes.includes("Readiness") || probes.includes("Startup"),
    liveness: probes.includes("Liveness"),
    resources: { requests: sized, limits: sized },
  };
}

function groupContainer(raw: unknown): ContainerView {
  const image = at(raw, "image");
  const named = (o: unknown) => keys(o).map((k) => (k === "memoryInGB" ? "memory" : k));
  return {
    name: str(at(raw, "name")) ?? "(unnamed)",
    ...(typeof image === "string" ? { image } : {}),
    env: list(at(raw, "environmentVariables")).flatMap((e) => groupEnv(e) ?? []),
    readiness: present(at(raw, "readinessProbe")),
    liveness: present(at(raw, "livenessProbe")),
    resources: {
      requests: named(at(raw, "resources", "requests")),
      limits: named(at(raw, "resources", "limits")),
    },
  };
}

function releaseFields(r: ResourceLike) {
  const tags = stringMap(at(r.props, "tags"));
  // Azure tag names cannot hold "/": the components write AzureTagKey; MetadataKey is the older form.
  const read = (key: keyof typeof AzureTagKey) => tags[AzureTagKey[key]] ?? tags[MetadataKey[key]];
  const strategy = read("strategy") as StrategyKind | undefined;
  const role = read("role");
  const version = read("version");
  return {
    ...(role !== undefined ? { role } : {}),
    ...(strategy !== undefined && STRATEGY_KINDS.includes(strategy) ? { strategy } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}

function workload(r: ResourceLike): Workload | undefined {
  const base = { platform: "azure", type: r.type, name: r.name, urn: r.urn, supportsLiveness: true };
  if (r.type === AZURE_TYPES.containerApp) {
    const replicas = num(at(r.props, "template", "scale", "minReplicas"));
    return {
      ...base,
      ...releaseFields(r),
      // Container Apps runs no replica at all by default (scale to zero).
      replicas: replicas ?? (present(at(r.props, "template", "scale", "minReplicas")) ? undefined : 0),
      containers: list(plain(at(r.props, "template", "containers"))).map(appContainer),
    } as Workload;
  }
  if (r.type === AZURE_TYPES.containerGroup) {
    return {
      ...base,
      ...releaseFields(r),
      replicas: 1,
      containers: list(plain(at(r.props, "containers"))).map(groupContainer),
    };
  }
  return undefined;
}

function exposure(r: ResourceLike): Exposure | undefined {
  const base = {
    platform: "azure",
    type: r.type,
    name: r.name,
    urn: r.urn,
    kind: "public-url" as const,
    via: [],
  };
  if (r.type === AZURE_TYPES.containerApp) {
    const ingress = at(r.props, "configuration", "ingress");
    if (!present(ingress)) return undefined;
    const fqdn = str(at(ingress, "fqdn"));
    // Container Apps' default is internal-only ingress; `external: true` publishes it.
    return { ...base, public: at(ingress, "external") === true, hosts: fqdn ? [fqdn] : [] };
  }
  if (r.type === AZURE_TYPES.containerGroup) {
    const type = str(at(r.props, "ipAddress", "type"));
    if (type === undefined) return undefined;
    const fqdn = str(at(r.props, "ipAddress", "fqdn"));
    return { ...base, public: type.toLowerCase() === "public", hosts: fqdn ? [fqdn] : [] };
  }
  if (r.type === AZURE_TYPES.trafficManager) {
    const name = str(at(r.props, "dnsConfig", "relativeName"));
    return { ...base, public: true, hosts: name ? [`${name}.trafficmanager.net`] : [] };
  }
  if (r.type === AZURE_TYPES.frontDoorEndpoint) {
    const host = str(at(r.props, "hostName"));
    return { ...base, public: true, hosts: host ? [host] : [] };
  }
  return undefined;
}

/** The Azure mapper (Container Apps and Container Instances). */
export const azure: PlatformMapper = { platform: "azure", workload, exposure };
