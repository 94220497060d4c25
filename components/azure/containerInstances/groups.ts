// Container groups, one per slot (stable/canary, or blue/green), and the weights the traffic layer
// gives each slot. A group is never updated in place (an update restarts its containers): every
// change replaces it, the new group first, the layer then points at the new group's address, and
// the old group is deleted last (replaceOnChanges "*", not deleteBeforeReplace). A slot without a
// version (no candidate) has no group.

import * as containerinstance from "@pulumi/azure-native/containerinstance";
import * as pulumi from "@pulumi/pulumi";
import {
  AzureTagKey,
  colorVersions,
  type HttpCheck,
  type Problem,
  type Release,
  roleName,
  type StrategyKind,
  type TrafficState,
} from "../../core";
import { AZURE_DEFAULTS, checkProbe, checkWorkloadArgs, imageFor, releaseTags } from "../shared";
import { type ContainerInstancesArgs, checkTrafficLayer } from "./args";

/** Type token of a container group. */
export const CONTAINER_GROUP_TYPE = "azure-native:containerinstance:ContainerGroup";

/** Largest weight of a Traffic Manager endpoint or Front Door origin (the scale of a 100 % slot). */
export const LAYER_WEIGHT_SCALE = 1000;

/** One slot of the traffic layer in a state. */
export interface Slot {
  /** stable, canary, blue or green. */
  readonly slot: string;
  readonly version: string;
  /** Share of traffic in percent. */
  readonly percent: number;
}

/** The slots a state runs, serving ones first: canary's stable (and canary), blue-green's active (and idle). */
export function slotsFor(kind: StrategyKind, state: TrafficState): Slot[] {
  if (kind === "blueGreen") {
    const v = colorVersions(state);
    const active = { slot: v.active, version: v[v.active], percent: 100 };
    if (state.candidateVersion === undefined) return [active];
    return [active, { slot: v.idle, version: v[v.idle], percent: 0 }];
  }
  const stable = { slot: "stable", version: state.stableVersion, percent: 100 - state.candidateWeight };
  if (state.candidateVersion === undefined) return [stable];
  return [stable, { slot: "canary", version: state.candidateVersion, percent: state.candidateWeight }];
}

/** A slot's weight and state in the layer: 0 % is disabled (both layers take weights of 1-1000 only). */
export function layerWeight(percent: number): { readonly weight: number; readonly enabled: boolean } {
  return { weight: Math.max(1, Math.round((percent * LAYER_WEIGHT_SCALE) / 100)), enabled: percent > 0 };
}

/** Container Instances probe ranges. */
const PROBE_LIMITS = [
  { field: "initialDelaySeconds", min: 0, max: 600 },
  { field: "intervalSeconds", min: 1, max: 300 },
  { field: "timeoutSeconds", min: 1, max: 300 },
  { field: "successThreshold", min: 1, max: 10 },
  { field: "failureThreshold", min: 1, max: 10 },
] as const;

/** Container Instances checks of the args, collected with the core's problems. */
export function checkContainerInstancesArgs(
  args: ContainerInstancesArgs,
  release: Release,
  problems: Problem[],
): void {
  checkWorkloadArgs(args, args.secretEnv, problems);
  checkTrafficLayer(args.trafficLayer, problems);
  checkProbe(release.health.readiness, "health.readiness", "Container Instances", PROBE_LIMITS, problems);
  checkProbe(release.health.liveness, "health.liveness", "Container Instances", PROBE_LIMITS, problems);
}

function probe(check: HttpCheck, port: number) {
  return {
    httpGet: { path: check.path, port: check.port ?? port, scheme: "http" },
    initialDelaySeconds: Math.ceil(check.initialDelaySeconds),
    periodSeconds: Math.ceil(check.intervalSeconds),
    timeoutSeconds: Math.ceil(check.timeoutSeconds),
    successThreshold: check.successThreshold,
    failureThreshold: check.failureThreshold,
  };
}

/** Options of every group: replaced, never updated in place; the new one is created before the old is deleted. */
export const GROUP_OPTIONS: Readonly<
  Pick<pulumi.CustomResourceOptions, "replaceOnChanges" | "deleteBeforeReplace">
> = {
  replaceOnChanges: ["*"],
  deleteBeforeReplace: false,
};

/** azure-native names a container group `<logical name><8 random hex digits>`; group names take 63. */
const GROUP_NAME_MAX = 63 - 8;

/**
 * The logical name of a slot's group, whose provider name (with the random suffix) must be 1-63
 * lowercase letters, digits and single dashes: `${name}-${slot}` when that fits (existing stacks
 * keep their URNs), else a prefix and a hash of the name.
 */
export function groupLogicalName(name: string, slot: string): string {
  const plain = `${name}-${slot}`;
  return plain.length <= GROUP_NAME_MAX && /^(?!.*--)[a-z0-9][a-z0-9-]*$/.test(plain)
    ? plain
    : roleName(name, slot, GROUP_NAME_MAX);
}

/**
 * The DNS name label of a slot's group. With the `Noreuse` policy ACI adds a random hash to the
 * FQDN (`<label>.<hash>.<region>.azurecontainer.io`), so a replacing group's FQDN never meets the
 * group it replaces, and the traffic layer points at a name that outlives the group's IP address.
 */
export function groupDnsLabel(name: string, slot: string): string {
  return roleName(name, slot);
}

/** Creates the container group of one slot; `dependsOn` orders it after other resources (a rolling batch after the previous one). */
export function createGroup(
  parent: pulumi.Resource,
  name: string,
  args: ContainerInstancesArgs,
  release: Release,
  kind: StrategyKind,
  slot: Slot,
  dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>,
): containerinstance.ContainerGroup {
  const port = args.port ?? AZURE_DEFAULTS.port;
  const { readiness, liveness } = release.health;
  const env = args.env ?? {};
  const secretEnv = args.secretEnv ?? {};
  const size = {
    cpu: args.cpu ?? AZURE_DEFAULTS.cpu,
    memoryInGB: args.memoryGiB ?? AZURE_DEFAULTS.memoryGiB,
  };
  return new containerinstance.ContainerGroup(
    groupLogicalName(name, slot.slot),
    {
      ...args.group,
      resourceGroupName: args.resourceGroupName,
      ...(args.location !== undefined ? { location: args.location } : {}),
      osType: "Linux",
      containers: [
        {
          ...args.container,
          name: "app",
          image: imageFor(args.image, slot.version),
          ports: [{ port, protocol: "TCP" }],
          // Limits equal to the requests: a group gets what it asked for and no more.
          resources: { requests: size, limits: size },
          environmentVariables: [
            ...Object.keys(env)
              .sort()
              .map((n) => ({ name: n, value: env[n] })),
            ...Object.keys(secretEnv)
              .sort()
              .map((n) => ({ name: n, secureValue: pulumi.secret(secretEnv[n] as pulumi.Input<string>) })),
          ],
          ...(readiness ? { readinessProbe: probe(readiness, port) } : {}),
          ...(liveness ? { livenessProbe: probe(liveness, port) } : {}),
        },
      ],
      ipAddress: {
        type: "Public",
        ports: [{ port, protocol: "TCP" }],
        dnsNameLabel: groupDnsLabel(name, slot.slot),
        autoGeneratedDomainNameLabelScope: "Noreuse",
      },
      tags: releaseTags(args.tags, {
        [AzureTagKey.strategy]: kind,
        [AzureTagKey.role]: slot.slot,
        [AzureTagKey.version]: slot.version,
      }),
    },
    { parent, ...GROUP_OPTIONS, ...(dependsOn !== undefined ? { dependsOn } : {}) },
  );
}
