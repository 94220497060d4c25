// The traffic layer in front of the container groups: a Traffic Manager profile with one weighted
// external endpoint per slot, or a Front Door profile with one weighted origin per slot. A slot at
// 0 % is disabled (both take weights of 1-1000 only). Each slot's endpoint or origin follows its
// group's FQDN (its IP can change when the group restarts), so it changes only after a new group
// exists.

import * as cdn from "@pulumi/azure-native/cdn";
import type * as containerinstance from "@pulumi/azure-native/containerinstance";
import * as trafficmanager from "@pulumi/azure-native/trafficmanager";
import * as pulumi from "@pulumi/pulumi";
import {
  dnsLabel,
  type MetricsDescriptor,
  type Release,
  type RouterDescriptor,
  roleName,
  shortHash,
} from "../../core";
import { AZURE_DEFAULTS, parseArmId } from "../shared";
import { type ContainerInstancesArgs, DEFAULT_TTL_SECONDS } from "./args";
import { layerWeight, type Slot } from "./groups";

/** What the layer gives the component. */
export interface BuiltLayer {
  readonly endpoint: pulumi.Output<string>;
  readonly router: pulumi.Output<RouterDescriptor>;
  readonly metrics: pulumi.Output<MetricsDescriptor>;
  /** The resources holding the weights (endpoints or origins). */
  readonly weighted: pulumi.Resource[];
}

/** The slot's group, with the address the layer sends traffic to. */
export interface SlotGroup {
  readonly slot: Slot;
  readonly group: containerinstance.ContainerGroup;
}

const fqdn = (g: containerinstance.ContainerGroup) => g.ipAddress.apply((a) => a?.fqdn ?? "");

/** Longest Front Door endpoint name. */
export const FRONT_DOOR_ENDPOINT_MAX = 46;

/** The default Front Door endpoint name: the component's name as a label of 2-46 characters. */
export function frontDoorEndpointName(name: string): string {
  const label = dnsLabel(name, FRONT_DOOR_ENDPOINT_MAX);
  return label.length >= 2 ? label : roleName(name, "fd", FRONT_DOOR_ENDPOINT_MAX);
}

/**
 * The default DNS name under trafficmanager.net, which every Azure customer shares: the component's
 * name and a hash of the project, stack and name, so two stacks of one program (and most
 * strangers' `shop`) do not meet.
 */
export function defaultTrafficManagerName(name: string, project: string, stack: string): string {
  const hash = shortHash(`${project}/${stack}/${name}`);
  return `${dnsLabel(name, 63 - hash.length - 1)}-${hash}`;
}

/** Targets of the metrics descriptor, by version: the serving slot of a version wins. */
function targetsByVersion(groups: readonly SlotGroup[], target: (g: SlotGroup) => pulumi.Input<string>) {
  return pulumi
    .all(groups.map((g) => pulumi.all([g.slot.version, target(g)])))
    .apply((pairs) => Object.fromEntries([...pairs].reverse()) as Record<string, string>);
}

/** Builds a Traffic Manager or Front Door layer over the slot groups. */
export function buildLayer(
  parent: pulumi.Resource,
  name: string,
  args: ContainerInstancesArgs,
  release: Release,
  groups: readonly SlotGroup[],
): BuiltLayer {
  const layer = args.trafficLayer ?? { kind: "trafficManager" };
  const port = args.port ?? AZURE_DEFAULTS.port;
  const base = dnsLabel(name);
  const slotName = (slot: string) => roleName(name, slot);
  const probePath = release.health.readiness?.path ?? "/";
  const rg = pulumi.output(args.resourceGroupName);
  if (layer.kind === "trafficManager") {
    const tmName = roleName(name, "tm");
    const dnsName = layer.dnsName ?? defaultTrafficManagerName(name, pulumi.getProject(), pulumi.getStack());
    const profile = new trafficmanager.Profile(
      `${name}-traffic-manager`,
      {
        resourceGroupName: args.resourceGroupName,
        profileName: tmName,
        location: "global",
        profileStatus: "Enabled",
        trafficRoutingMethod: "Weighted",
        dnsConfig: { relativeName: dnsName, ttl: layer.ttlSeconds ?? DEFAULT_TTL_SECONDS },
        monitorConfig: {
          protocol: "HTTP",
          port,
          path: probePath,
          intervalInSeconds: layer.probeIntervalSeconds ?? 30,
          timeoutInSeconds: layer.probeIntervalSeconds === 10 ? 5 : 10,
          toleratedNumberOfFailures: 3,
        },
        tags: { ...args.tags },
      },
      { parent },
    );
    const endpoints = groups.map(({ slot, group }) => {
      const w = layerWeight(slot.percent);
      return new trafficmanager.Endpoint(
        `${name}-${slot.slot}-endpoint`,
        {
          resourceGroupName: args.resourceGroupName,
          profileName: tmName,
          endpointType: "ExternalEndpoints",
          endpointName: slotName(slot.slot),
          target: fqdn(group),
          weight: w.weight,
          endpointStatus: w.enabled ? "Enabled" : "Disabled",
        },
        { parent, dependsOn: [profile, group] },
      );
    });
    const names = Object.fromEntries(groups.map(({ slot }) => [slot.slot, slotName(slot.slot)]));
    return {
      endpoint: profile.dnsConfig.apply(
        (c) => `http://${c?.fqdn ?? `${dnsName}.trafficmanager.net`}:${port}`,
      ),
      router: pulumi.all([profile.id, rg]).apply(
        ([id, resourceGroup]): RouterDescriptor => ({
          kind: "azure-traffic-manager",
          subscriptionId: parseArmId(id).subscriptionId,
          resourceGroup,
          profile: tmName,
          endpoints: names,
        }),
      ),
      metrics: pulumi.all([profile.id, targetsByVersion(groups, (g) => slotName(g.slot.slot))]).apply(
        ([resourceId, targets]): MetricsDescriptor => ({
          kind: "azure-monitor-traffic-layer",
          resourceId,
          targets,
        }),
      ),
      weighted: endpoints,
    };
  }
  const profileName = `${base}-fd`;
  const profile = new cdn.Profile(
    `${name}-front-door`,
    {
      resourceGroupName: args.resourceGroupName,
      profileName,
      location: "global",
      sku: { name: layer.sku ?? "Standard_AzureFrontDoor" },
      tags: { ...args.tags },
    },
    { parent },
  );
  const endpointName = layer.endpointName ?? frontDoorEndpointName(name);
  const afdEndpoint = new cdn.AFDEndpoint(
    `${name}-front-door-endpoint`,
    {
      resourceGroupName: args.resourceGroupName,
      profileName,
      endpointName,
      location: "global",
      enabledState: "Enabled",
    },
    { parent, dependsOn: [profile] },
  );
  const originGroupName = `${base}-origins`;
  const originGroup = new cdn.AFDOriginGroup(
    `${name}-origin-group`,
    {
      resourceGroupName: args.resourceGroupName,
      profileName,
      originGroupName,
      loadBalancingSettings: {
        sampleSize: 4,
        successfulSamplesRequired: 3,
        additionalLatencyInMilliseconds: 50,
      },
      healthProbeSettings: {
        probePath,
        probeProtocol: "Http",
        probeRequestType: "GET",
        probeIntervalInSeconds: 30,
      },
      sessionAffinityState: "Disabled",
    },
    { parent, dependsOn: [profile] },
  );
  const origins = groups.map(({ slot, group }) => {
    const w = layerWeight(slot.percent);
    return new cdn.AFDOrigin(
      `${name}-${slot.slot}-origin`,
      {
        resourceGroupName: args.resourceGroupName,
        profileName,
        originGroupName,
        originName: slotName(slot.slot),
        hostName: fqdn(group),
        originHostHeader: fqdn(group),
        httpPort: port,
        priority: 1,
        weight: w.weight,
        enabledState: w.enabled ? "Enabled" : "Disabled",
        enforceCertificateNameCheck: false,
      },
      { parent, dependsOn: [originGroup, group] },
    );
  });
  new cdn.Route(
    `${name}-route`,
    {
      resourceGroupName: args.resourceGroupName,
      profileName,
      endpointName,
      routeName: base,
      originGroup: { id: originGroup.id },
      supportedProtocols: ["Http", "Https"],
      patternsToMatch: ["/*"],
      forwardingProtocol: "HttpOnly",
      linkToDefaultDomain: "Enabled",
      httpsRedirect: "Enabled",
    },
    // Front Door refuses a route to an origin group without origins.
    { parent, dependsOn: [afdEndpoint, ...origins] },
  );
  const names = Object.fromEntries(groups.map(({ slot }) => [slot.slot, slotName(slot.slot)]));
  return {
    endpoint: afdEndpoint.hostName.apply((h) => `https://${h}`),
    router: pulumi.all([profile.id, rg]).apply(
      ([id, resourceGroup]): RouterDescriptor => ({
        kind: "azure-front-door",
        subscriptionId: parseArmId(id).subscriptionId,
        resourceGroup,
        profile: profileName,
        originGroup: originGroupName,
        origins: names,
      }),
    ),
    metrics: pulumi.all([profile.id, targetsByVersion(groups, (g) => fqdn(g.group))]).apply(
      ([resourceId, targets]): MetricsDescriptor => ({
        kind: "azure-monitor-traffic-layer",
        resourceId,
        targets,
      }),
    ),
    weighted: origins,
  };
}
