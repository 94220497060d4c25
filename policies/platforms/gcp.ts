// Google Cloud Run (components/gcp): a `cloudrunv2.Service` is a workload (its revision template
// gives the container, env, probes and limits; min instances are its replicas); an invoker grant
// to allUsers or allAuthenticatedUsers, or a service with invoker IAM disabled and ingress open to
// all, is a public URL. Cloud Run sizes an instance by its limits, so limits count as requests too.

import type { ContainerView, EnvVarView, Exposure, Workload } from "../model";
import { at, bool, keys, list, num, present, type ResourceLike, str, UNKNOWN } from "./read";
import type { PlatformMapper } from "./types";

/** Type tokens of the Cloud Run resources the pack reads. */
export const GCP_TYPES = {
  service: "gcp:cloudrunv2/service:Service",
  iamMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  iamBinding: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
  iamPolicy: "gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy",
} as const;

/** Members that make a service callable by anyone. */
const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
const INVOKER = "roles/run.invoker";

function envVar(raw: unknown): EnvVarView | undefined {
  const name = str(at(raw, "name"));
  if (name === undefined) return undefined;
  const source = at(raw, "valueSource");
  if (source === UNKNOWN) return { name, source: "unknown" };
  if (present(at(source, "secretKeyRef"))) return { name, source: "secret", detail: "secretKeyRef" };
  const value = at(raw, "value");
  if (value === UNKNOWN) return { name, source: "unknown" };
  return { name, source: "value", ...(typeof value !== "string" || value === "" ? { empty: true } : {}) };
}

function container(raw: unknown): ContainerView {
  const image = at(raw, "image");
  const limits = at(raw, "resources", "limits");
  const sized = keys(limits);
  return {
    name: str(at(raw, "name")) ?? "(unnamed)",
    ...(typeof image === "string" ? { image } : {}),
    env: list(at(raw, "envs")).flatMap((e) => envVar(e) ?? []),
    // Cloud Run routes to an instance once its startup probe (or readiness probe) passes.
    readiness: present(at(raw, "startupProbe")) || present(at(raw, "readinessProbe")),
    liveness: present(at(raw, "livenessProbe")),
    ...(limits === UNKNOWN ? {} : { resources: { requests: sized, limits: sized } }),
  };
}

function workload(r: ResourceLike): Workload | undefined {
  if (r.type !== GCP_TYPES.service) return undefined;
  const template = at(r.props, "template");
  const min =
    num(at(template, "scaling", "minInstanceCount")) ?? num(at(r.props, "scaling", "minInstanceCount"));
  const scalingKnown = at(template, "scaling") !== UNKNOWN;
  return {
    platform: "gcp",
    type: r.type,
    name: r.name,
    urn: r.urn,
    // Cloud Run runs no instance of an idle revision unless min instances are set.
    ...(min !== undefined ? { replicas: min } : scalingKnown ? { replicas: 0 } : {}),
    containers: list(at(template, "containers")).map(container),
    supportsLiveness: true,
  };
}

function invokerMembers(r: ResourceLike): string[] {
  if (r.type === GCP_TYPES.iamMember) {
    const member = str(at(r.props, "member"));
    return str(at(r.props, "role")) === INVOKER && member ? [member] : [];
  }
  if (r.type === GCP_TYPES.iamBinding) {
    if (str(at(r.props, "role")) !== INVOKER) return [];
    return list(at(r.props, "members")).flatMap((m) => str(m) ?? []);
  }
  if (r.type === GCP_TYPES.iamPolicy) {
    const text = str(at(r.props, "policyData"));
    try {
      const policy = JSON.parse(text ?? "{}") as { bindings?: { role?: string; members?: string[] }[] };
      return (policy.bindings ?? []).filter((b) => b.role === INVOKER).flatMap((b) => b.members ?? []);
    } catch {
      return [];
    }
  }
  return [];
}

function exposure(r: ResourceLike): Exposure | undefined {
  const base = { platform: "gcp", type: r.type, name: r.name, urn: r.urn, kind: "public-url" as const };
  if (r.type === GCP_TYPES.service) {
    // Invoker IAM disabled: anyone who reaches the URL may call it.
    const ingress = str(at(r.props, "ingress")) ?? "INGRESS_TRAFFIC_ALL";
    if (bool(at(r.props, "invokerIamDisabled")) !== true || ingress !== "INGRESS_TRAFFIC_ALL")
      return undefined;
    const name = str(at(r.props, "name"));
    return { ...base, public: true, hosts: [], via: name ? [name] : [] };
  }
  const open = invokerMembers(r).filter((m) => PUBLIC_MEMBERS.includes(m));
  if (open.length === 0) return undefined;
  const service = str(at(r.props, "name"));
  return { ...base, public: true, hosts: [], via: [...(service ? [service] : []), ...open] };
}

/** The Cloud Run mapper. */
export const gcp: PlatformMapper = { platform: "gcp", workload, exposure };
