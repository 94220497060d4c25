// Arguments of the Container Instances components and the traffic layer choice. Container and
// container group options are azure-native's input types with the fields this project owns removed.

import type * as containerinstance from "@pulumi/azure-native/containerinstance";
import type * as inputs from "@pulumi/azure-native/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { type ArgNames, type Problem, problem } from "../../core";
import { AZURE_WORKLOAD_ARG_NAMES, type AzureWorkloadArgs } from "../shared";

/** Container options other than the ones the component sets. */
export type ContainerOptions = Omit<
  inputs.containerinstance.ContainerArgs,
  "name" | "image" | "environmentVariables" | "ports" | "readinessProbe" | "livenessProbe" | "resources"
>;

/** Container group options other than the ones the component sets (restartPolicy, imageRegistryCredentials, volumes...). */
export type GroupOptions = Omit<
  containerinstance.ContainerGroupArgs,
  "containers" | "resourceGroupName" | "location" | "osType" | "ipAddress" | "containerGroupName" | "tags"
>;

/** Traffic Manager: weighted DNS answers per container group (0 % = endpoint disabled). */
export interface TrafficManagerLayer {
  readonly kind: "trafficManager";
  /**
   * DNS name under trafficmanager.net, which every Azure customer shares (1-63 letters, digits and -).
   * @default the component's name and a hash of the organization, project, stack and name, e.g. `shop-1a2b3c`
   */
  readonly dnsName?: string;
  /**
   * TTL of the DNS answers in seconds. A switch reaches clients only after their cached answer
   * expires (often later than the TTL), so the old group is kept for TTL plus the longest connection.
   * @default 30
   */
  readonly ttlSeconds?: number;
  /** Seconds between health probes of each endpoint (10 or 30). @default 30 */
  readonly probeIntervalSeconds?: 10 | 30;
}

/** Front Door Standard/Premium: weighted origins, split per request (configuration propagates in minutes). */
export interface FrontDoorLayer {
  readonly kind: "frontDoor";
  /** Front Door SKU. @default "Standard_AzureFrontDoor" */
  readonly sku?: "Standard_AzureFrontDoor" | "Premium_AzureFrontDoor";
  /**
   * Name of the Front Door endpoint, 2-46 letters, digits and - (its host is `<name>-<hash>.z01.azurefd.net`).
   * @default the component's name as a DNS label of at most 46 characters
   */
  readonly endpointName?: string;
}

/** The layer that splits traffic between container groups. */
export type TrafficLayerSpec = TrafficManagerLayer | FrontDoorLayer;

/** Traffic layer factories. */
export const TrafficLayer = {
  /** Traffic Manager weighted endpoints (DNS; switches are eventual). */
  trafficManager(o: Omit<TrafficManagerLayer, "kind"> = {}): TrafficManagerLayer {
    return { kind: "trafficManager", ...o };
  },
  /** Front Door origins with weights (per request). */
  frontDoor(o: Omit<FrontDoorLayer, "kind"> = {}): FrontDoorLayer {
    return { kind: "frontDoor", ...o };
  },
} as const;

/** Default TTL of Traffic Manager answers, seconds. */
export const DEFAULT_TTL_SECONDS = 30;

/** What every Container Instances component takes besides its strategy and traffic state. */
export interface ContainerInstancesArgs extends AzureWorkloadArgs {
  /** How traffic is split between the container groups. @default TrafficLayer.trafficManager() */
  readonly trafficLayer?: TrafficLayerSpec;
  /** Secret environment values, passed as `secureValue` (not shown by the API, secret in Pulumi state). @default {} */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Other container options: command, volumeMounts, securityContext... @default {} */
  readonly container?: ContainerOptions;
  /** Other container group options: restartPolicy, imageRegistryCredentials, volumes, identity... @default {} */
  readonly group?: GroupOptions;
}

const TRAFFIC_MANAGER_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const FRONT_DOOR_ENDPOINT = /^[A-Za-z0-9][A-Za-z0-9-]{0,44}[A-Za-z0-9]$/;

/** Pushes the traffic layer's problems. */
export function checkTrafficLayer(layer: TrafficLayerSpec | undefined, problems: Problem[]): void {
  if (layer === undefined) return;
  if (layer.kind !== "trafficManager" && layer.kind !== "frontDoor") {
    problems.push(
      problem(
        "trafficLayer.kind",
        (layer as { kind?: unknown }).kind,
        'must be "trafficManager" or "frontDoor"',
        "build it with TrafficLayer.trafficManager() or TrafficLayer.frontDoor()",
      ),
    );
    return;
  }
  if (
    layer.kind === "frontDoor" &&
    layer.endpointName !== undefined &&
    !FRONT_DOOR_ENDPOINT.test(layer.endpointName)
  ) {
    problems.push(
      problem(
        "trafficLayer.endpointName",
        layer.endpointName,
        "is not a Front Door endpoint name (2-46 letters, digits and -, a letter or digit at both ends)",
        'use a name such as "shop-web"',
      ),
    );
  }
  if (layer.kind === "trafficManager") {
    if (layer.dnsName !== undefined && !TRAFFIC_MANAGER_NAME.test(layer.dnsName)) {
      problems.push(
        problem(
          "trafficLayer.dnsName",
          layer.dnsName,
          "is not a Traffic Manager DNS name (1-63 letters, digits and -, a letter or digit at both ends)",
          'use a name such as "shop-prod-eu", unique under trafficmanager.net, or leave it unset',
        ),
      );
    }
    const ttl = layer.ttlSeconds;
    if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0 && ttl <= 2_147_483_647)) {
      problems.push(
        problem(
          "trafficLayer.ttlSeconds",
          ttl,
          "must be a whole number of seconds",
          `use ${DEFAULT_TTL_SECONDS}`,
        ),
      );
    }
    const interval = layer.probeIntervalSeconds;
    if (interval !== undefined && interval !== 10 && interval !== 30) {
      problems.push(
        problem(
          "trafficLayer.probeIntervalSeconds",
          interval,
          "must be 10 or 30",
          "use 30 (or 10, billed as fast probing)",
        ),
      );
    }
  }
}

/** Every argument name of {@link ContainerInstancesArgs}, for the components' `ArgNames`. */
export const CONTAINER_INSTANCES_ARG_NAMES = {
  ...AZURE_WORKLOAD_ARG_NAMES,
  trafficLayer: true,
  secretEnv: true,
  container: true,
  group: true,
} as const satisfies ArgNames<ContainerInstancesArgs>;
