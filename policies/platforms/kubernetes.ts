// Kubernetes: Deployments and StatefulSets are workloads (their pod template gives containers,
// env, probes and resources; the release annotations give role, strategy and version);
// LoadBalancer and NodePort Services, Ingresses and Gateway API HTTPRoutes are exposures.

import { MetadataKey, parsePercentOrCount, type StrategyKind } from "../../components/core";
import type { ContainerView, EnvVarView, Exposure, UpdateView, Workload } from "../model";
import { at, keys, list, num, present, type ResourceLike, str, stringMap, UNKNOWN } from "./read";
import type { PlatformMapper } from "./types";

const WORKLOAD_TYPE = /^kubernetes:(apps|extensions)\/[a-z0-9]+:(Deployment|StatefulSet)$/;
const SERVICE_TYPE = "kubernetes:core/v1:Service";
const INGRESS_TYPE = /^kubernetes:(networking\.k8s\.io|extensions)\/[a-z0-9]+:Ingress$/;
const HTTP_ROUTE_TYPE = /^kubernetes:gateway\.networking\.k8s\.io\/[a-z0-9]+:HTTPRoute$/;
const STRATEGY_KINDS: readonly StrategyKind[] = ["canary", "blueGreen", "rolling", "recreate"];

/** Annotations that make a LoadBalancer Service internal on the managed clouds. */
const INTERNAL_LB: readonly [string, RegExp][] = [
  ["service.beta.kubernetes.io/aws-load-balancer-internal", /^(true|0\.0\.0\.0\/0)$/i],
  ["service.beta.kubernetes.io/aws-load-balancer-scheme", /^internal$/i],
  ["service.beta.kubernetes.io/azure-load-balancer-internal", /^true$/i],
  ["networking.gke.io/load-balancer-type", /^internal$/i],
  ["cloud.google.com/load-balancer-type", /^internal$/i],
];

function envVar(raw: unknown): EnvVarView | undefined {
  const name = str(at(raw, "name"));
  if (name === undefined) return undefined;
  const value = at(raw, "value");
  if (value === UNKNOWN) return { name, source: "unknown" };
  if (typeof value === "string") return { name, source: "value", ...(value === "" ? { empty: true } : {}) };
  const from = at(raw, "valueFrom");
  if (from === UNKNOWN) return { name, source: "unknown" };
  if (present(at(from, "secretKeyRef"))) return { name, source: "secret", detail: "secretKeyRef" };
  const ref = keys(from)[0];
  if (ref !== undefined) return { name, source: "reference", detail: ref };
  return { name, source: "value", empty: true };
}

function container(raw: unknown, init: boolean): ContainerView {
  const image = at(raw, "image");
  const resources = at(raw, "resources");
  return {
    name: str(at(raw, "name")) ?? "(unnamed)",
    ...(init ? { init } : {}),
    ...(typeof image === "string" ? { image } : {}),
    env: list(at(raw, "env")).flatMap((e) => envVar(e) ?? []),
    readiness: present(at(raw, "readinessProbe")),
    liveness: present(at(raw, "livenessProbe")),
    // Sizes not known during preview are left out rather than reported missing.
    ...(resources === UNKNOWN
      ? {}
      : { resources: { requests: keys(at(resources, "requests")), limits: keys(at(resources, "limits")) } }),
  };
}

function percentOrCount(value: unknown) {
  const parsed = parsePercentOrCount(value);
  if (!parsed) return undefined;
  return parsed.kind === "count" ? parsed.value : (`${parsed.value}%` as const);
}

function update(raw: ResourceLike): UpdateView | undefined {
  const isDeployment = raw.type.endsWith(":Deployment");
  const strategy = at(raw.props, "spec", isDeployment ? "strategy" : "updateStrategy");
  const type = str(at(strategy, "type"));
  if (type === "Recreate") return { kind: "recreate" };
  if (type === "OnDelete") return undefined;
  const rolling = at(strategy, "rollingUpdate");
  const maxUnavailable = percentOrCount(at(rolling, "maxUnavailable"));
  const maxSurge = percentOrCount(at(rolling, "maxSurge"));
  return {
    kind: "rolling",
    ...(maxUnavailable !== undefined ? { maxUnavailable } : {}),
    ...(maxSurge !== undefined ? { maxSurge } : {}),
  };
}

function workload(r: ResourceLike): Workload | undefined {
  if (!WORKLOAD_TYPE.test(r.type)) return undefined;
  const annotations = stringMap(at(r.props, "metadata", "annotations"));
  const podSpec = at(r.props, "spec", "template", "spec");
  const replicas = at(r.props, "spec", "replicas");
  const strategy = annotations[MetadataKey.strategy] as StrategyKind | undefined;
  const role = annotations[MetadataKey.role];
  const version = annotations[MetadataKey.version];
  const change = update(r);
  return {
    platform: "kubernetes",
    type: r.type,
    name: r.name,
    urn: r.urn,
    ...(role !== undefined ? { role } : {}),
    ...(strategy !== undefined && STRATEGY_KINDS.includes(strategy) ? { strategy } : {}),
    ...(version !== undefined ? { version } : {}),
    // Kubernetes runs one replica when the field is unset.
    ...(replicas === undefined
      ? { replicas: 1 }
      : num(replicas) !== undefined
        ? { replicas: num(replicas) }
        : {}),
    containers: [
      ...list(at(podSpec, "initContainers")).map((c) => container(c, true)),
      ...list(at(podSpec, "containers")).map((c) => container(c, false)),
    ],
    supportsLiveness: true,
    ...(change ? { update: change } : {}),
  };
}

function exposure(r: ResourceLike): Exposure | undefined {
  const base = { platform: "kubernetes", type: r.type, name: r.name, urn: r.urn };
  const annotations = stringMap(at(r.props, "metadata", "annotations"));
  if (r.type === SERVICE_TYPE) {
    const type = str(at(r.props, "spec", "type"));
    if (type === "NodePort") return { ...base, kind: "node-port", public: true, hosts: [], via: [] };
    if (type !== "LoadBalancer") return undefined;
    const internal = INTERNAL_LB.some(([key, value]) => value.test(annotations[key] ?? ""));
    return { ...base, kind: "load-balancer", public: !internal, hosts: [], via: [] };
  }
  if (INGRESS_TYPE.test(r.type)) {
    const className =
      str(at(r.props, "spec", "ingressClassName")) ?? annotations["kubernetes.io/ingress.class"];
    const hosts = list(at(r.props, "spec", "rules")).flatMap((rule) => str(at(rule, "host")) ?? []);
    return { ...base, kind: "ingress", public: true, hosts, via: className ? [className] : [] };
  }
  if (HTTP_ROUTE_TYPE.test(r.type)) {
    const gateways = list(at(r.props, "spec", "parentRefs")).flatMap((ref) => {
      const name = str(at(ref, "name"));
      const namespace = str(at(ref, "namespace"));
      return name === undefined ? [] : [namespace ? `${namespace}/${name}` : name];
    });
    const hosts = list(at(r.props, "spec", "hostnames")).flatMap((h) => str(h) ?? []);
    return { ...base, kind: "http-route", public: true, hosts, via: gateways };
  }
  return undefined;
}

/** The Kubernetes mapper. */
export const kubernetes: PlatformMapper = { platform: "kubernetes", workload, exposure };
