// AWS (components/aws, and plain @pulumi/aws programs): an ECS task definition is a workload with
// containers (images, plain `environment` values and `secrets` references, container health
// checks, the Fargate task size); an ECS service is a workload with the desired count and the
// rolling percentages; an Application or Network Load Balancer is an exposure, public unless it
// is internal. The release tags (progressive.pulumi.io/role, strategy, version) give the slot.
//
// Readiness on ECS is the target group's health check, which lives on another resource; the
// components record it on the task definition with the `progressive.pulumi.io/readiness` tag, and
// a container health check counts as readiness too (ECS waits for HEALTHY before the task counts).

import { METADATA_PREFIX, MetadataKey, type StrategyKind } from "../../components/core";
import type { ContainerView, EnvVarView, Exposure, UpdateView, Workload } from "../model";
import { at, bool, list, num, present, type ResourceLike, str, stringMap, UNKNOWN } from "./read";
import type { PlatformMapper } from "./types";

/** Type tokens the mapper reads (the `aws:alb/*` aliases of `aws:lb/*` included). */
export const AWS_TYPES = {
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  loadBalancers: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
} as const;

/** Tag with the readiness check's path, set by components/aws on its task definitions. */
export const AWS_READINESS_TAG = `${METADATA_PREFIX}/readiness`;

const STRATEGY_KINDS: readonly StrategyKind[] = ["canary", "blueGreen", "rolling", "recreate"];

function releaseFields(tags: Record<string, string>) {
  const strategy = tags[MetadataKey.strategy] as StrategyKind | undefined;
  const role = tags[MetadataKey.role];
  const version = tags[MetadataKey.version];
  return {
    ...(role !== undefined ? { role } : {}),
    ...(strategy !== undefined && STRATEGY_KINDS.includes(strategy) ? { strategy } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}

function env(raw: unknown): EnvVarView[] {
  const plain = list(at(raw, "environment")).flatMap((e): EnvVarView[] => {
    const name = str(at(e, "name"));
    if (name === undefined) return [];
    const value = at(e, "value");
    if (typeof value !== "string") return [{ name, source: "unknown" }];
    return [{ name, source: "value", ...(value === "" ? { empty: true } : {}) }];
  });
  const secret = list(at(raw, "secrets")).flatMap((e): EnvVarView[] => {
    const name = str(at(e, "name"));
    const from = str(at(e, "valueFrom")) ?? "";
    if (name === undefined) return [];
    return [{ name, source: "secret", detail: from.includes(":ssm:") ? "ssm-parameter" : "secretsmanager" }];
  });
  return [...plain, ...secret];
}

/** The containers of a task definition; undefined while `containerDefinitions` is not known. */
function containers(r: ResourceLike, readinessTag: boolean): ContainerView[] | undefined {
  const text = at(r.props, "containerDefinitions");
  let defs: unknown;
  if (typeof text === "string") {
    try {
      defs = JSON.parse(text);
    } catch {
      return undefined;
    }
  } else if (Array.isArray(text)) defs = text;
  else return undefined;
  // Fargate sizes the task, which bounds every container: both request and limit.
  const sized = ["cpu", "memory"].filter((k) => present(at(r.props, k)));
  return list(defs).map((c) => {
    const image = at(c, "image");
    const health = present(at(c, "healthCheck"));
    return {
      name: str(at(c, "name")) ?? "(unnamed)",
      ...(typeof image === "string" ? { image } : {}),
      env: env(c),
      readiness: readinessTag || health,
      liveness: health,
      resources: { requests: sized, limits: sized },
    };
  });
}

function rolling(props: ResourceLike["props"]): UpdateView | undefined {
  if (str(at(props, "deploymentController", "type")) === "EXTERNAL") return undefined;
  const min = num(at(props, "deploymentMinimumHealthyPercent"));
  const max = num(at(props, "deploymentMaximumPercent"));
  if (min === 0 && max === 100) return { kind: "recreate" };
  return {
    kind: "rolling",
    // ECS's defaults when unset: 100 % healthy, 200 % maximum.
    maxUnavailable: `${Math.max(0, 100 - (min ?? 100))}%`,
    maxSurge: `${Math.max(0, (max ?? 200) - 100)}%`,
  };
}

function workload(r: ResourceLike): Workload | undefined {
  const base = { platform: "aws", type: r.type, name: r.name, urn: r.urn };
  const tags = stringMap(at(r.props, "tags"));
  if (r.type === AWS_TYPES.taskDefinition) {
    const found = containers(r, tags[AWS_READINESS_TAG] !== undefined);
    return {
      ...base,
      ...releaseFields(tags),
      containers: found ?? [],
      supportsLiveness: true,
    };
  }
  if (r.type === AWS_TYPES.service) {
    const desired = at(r.props, "desiredCount");
    const daemon = str(at(r.props, "schedulingStrategy")) === "DAEMON";
    // ECS starts one task when desiredCount is unset; a daemon service has no count.
    const replicas = desired === undefined ? (daemon ? undefined : 1) : num(desired);
    const update = rolling(r.props);
    return {
      ...base,
      ...releaseFields(tags),
      ...(replicas !== undefined ? { replicas } : {}),
      // The task definition carries the containers; the service only runs it.
      containers: [],
      supportsLiveness: true,
      ...(update ? { update } : {}),
    };
  }
  return undefined;
}

function exposure(r: ResourceLike): Exposure | undefined {
  if (!(AWS_TYPES.loadBalancers as readonly string[]).includes(r.type)) return undefined;
  const internal = at(r.props, "internal");
  // Unknown during preview: assume what AWS does when unset, internet-facing.
  const isInternal = internal !== UNKNOWN && bool(internal) === true;
  const type = str(at(r.props, "loadBalancerType")) ?? "application";
  const name = str(at(r.props, "name"));
  return {
    platform: "aws",
    type: r.type,
    name: r.name,
    urn: r.urn,
    kind: "load-balancer",
    public: !isInternal,
    hosts: [],
    // The load balancer's type and name, for messages and configs that list internal ones.
    via: [type, ...(name ? [name] : [])],
  };
}

/** The AWS mapper. */
export const aws: PlatformMapper = { platform: "aws", workload, exposure };
