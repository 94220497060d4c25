// The local platform (components/local): an InstanceSet runs one version of a service as local
// processes, a RollingSet replaces its processes in batches. There are no images, no sizes and no
// liveness checks (an instance that exits is restarted); the proxy listens on 127.0.0.1 only, so
// nothing is exposed.

import type { ContainerView, EnvVarView, UpdateView, Workload } from "../model";
import { at, keys, num, present, type ResourceLike, str } from "./read";
import type { PlatformMapper } from "./types";

/** Type tokens of the local platform's dynamic resources (components/local/providers/resources.ts). */
export const LOCAL_TYPES = {
  instanceSet: "pulumi-nodejs:dynamic/local:InstanceSet",
  rollingSet: "pulumi-nodejs:dynamic/local:RollingSet",
} as const;

function env(props: ResourceLike["props"]): EnvVarView[] {
  const plain = keys(at(props, "env")).map((name): EnvVarView => {
    const value = at(props, "env", name);
    if (typeof value !== "string") return { name, source: "unknown" };
    return { name, source: "value", ...(value === "" ? { empty: true } : {}) };
  });
  // secretEnv is kept secret in state (additionalSecretOutputs) and on disk only in a 0600 file.
  const secret = keys(at(props, "secretEnv")).map((name): EnvVarView => ({ name, source: "secret" }));
  return [...plain, ...secret];
}

function rollout(props: ResourceLike["props"]): UpdateView | undefined {
  const kind = str(at(props, "rollout", "kind"));
  if (kind === "recreate") return { kind };
  if (kind !== "rolling") return undefined;
  const maxUnavailable = num(at(props, "rollout", "maxUnavailable"));
  const maxSurge = num(at(props, "rollout", "maxSurge"));
  return {
    kind,
    ...(maxUnavailable !== undefined ? { maxUnavailable } : {}),
    ...(maxSurge !== undefined ? { maxSurge } : {}),
  };
}

function workload(r: ResourceLike): Workload | undefined {
  const isSet = r.type === LOCAL_TYPES.instanceSet;
  if (!isSet && r.type !== LOCAL_TYPES.rollingSet) return undefined;
  const process: ContainerView = {
    name: "process",
    env: env(r.props),
    readiness: present(at(r.props, "readiness")),
    liveness: false,
  };
  const role = isSet ? str(at(r.props, "slot")) : "app";
  const version = str(at(r.props, "version"));
  const replicas = num(at(r.props, "replicas"));
  const change = isSet ? undefined : rollout(r.props);
  return {
    platform: "local",
    type: r.type,
    name: r.name,
    urn: r.urn,
    ...(role !== undefined ? { role } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    containers: [process],
    supportsLiveness: false,
    ...(change ? { update: change } : {}),
  };
}

/** The local platform's mapper. */
export const local: PlatformMapper = { platform: "local", workload, exposure: () => undefined };
