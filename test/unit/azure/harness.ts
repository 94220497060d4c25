// Pulumi mocks for the Azure components: every resource is recorded (test/support/mocks.ts's
// `recorded`), ARM resources get ARM IDs, the Container App its ingress FQDN, and the revision
// ledger runs its real update function against the state the previous "deploy" left, as the
// engine would hand the dynamic provider its old outputs.

import * as pulumi from "@pulumi/pulumi";
import { type LedgerState, nextLedger, REVISION_LEDGER_TYPE } from "../../../components/azure/containerApps";
import { resetServiceNames, shortHash } from "../../../components/core";
import { record, recorded, settle } from "../../support/mocks";

export { all, find, isSecret, promiseOf, type Recorded, recorded, settle } from "../../support/mocks";
export { registeredOutputs, setTrafficConfig } from "../kubernetes/harness";

export const CONTAINER_APP = "azure-native:app:ContainerApp";
export const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
export const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
export const LEDGER = REVISION_LEDGER_TYPE;
export const CONTAINER_GROUP = "azure-native:containerinstance:ContainerGroup";
export const TM_PROFILE = "azure-native:trafficmanager:Profile";
export const TM_ENDPOINT = "azure-native:trafficmanager:Endpoint";
export const FD_PROFILE = "azure-native:cdn:Profile";
export const FD_ENDPOINT = "azure-native:cdn:AFDEndpoint";
export const FD_ORIGIN_GROUP = "azure-native:cdn:AFDOriginGroup";
export const FD_ORIGIN = "azure-native:cdn:AFDOrigin";
export const FD_ROUTE = "azure-native:cdn:Route";

export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
export const DOMAIN = "happy-hill-1234.westeurope.azurecontainerapps.io";

const PROVIDER_PATH: Record<string, string> = {
  [CONTAINER_APP]: "Microsoft.App/containerApps",
  [IDENTITY]: "Microsoft.ManagedIdentity/userAssignedIdentities",
  [CONTAINER_GROUP]: "Microsoft.ContainerInstance/containerGroups",
  [TM_PROFILE]: "Microsoft.Network/trafficManagerProfiles",
  [FD_PROFILE]: "Microsoft.Cdn/profiles",
};

/** A group's public IP: the same inputs give the same address (a replaced group gets a new one). */
// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
export function groupIp(inputs: any): string {
  const h = Number.parseInt(shortHash(JSON.stringify(inputs.containers)), 16);
  return `20.${(h >> 16) & 255}.${(h >> 8) & 255}.${h & 255}`;
}

/**
 * A group's FQDN as ACI gives it with the Noreuse policy: its label, a hash ACI draws for each new
 * group (here: of its containers, so a replaced group gets a new name) and the region.
 */
// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
export function groupFqdn(inputs: any): string {
  return `${inputs.ipAddress?.dnsNameLabel}.${shortHash(JSON.stringify(inputs.containers))}.westeurope.azurecontainer.io`;
}

/** The ledger each test "deploy" starts from, by resource name (the engine's old outputs). */
const ledgers = new Map<string, LedgerState>();

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
function outputsFor(type: string, name: string, inputs: any): { id: string; state: Record<string, unknown> } {
  const rg = inputs.resourceGroupName ?? "rg";
  const own =
    inputs.containerAppName ?? inputs.resourceName ?? inputs.containerGroupName ?? inputs.profileName ?? name;
  const path = PROVIDER_PATH[type];
  const id = path
    ? `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/${path}/${own}`
    : `${name}-id`;
  if (type === LEDGER) {
    const state = nextLedger(ledgers.get(name), inputs);
    ledgers.set(name, state);
    return { id, state: { ...inputs, ...state } };
  }
  if (type === CONTAINER_APP) {
    const configuration = {
      ...inputs.configuration,
      ingress: { ...inputs.configuration?.ingress, fqdn: `${own}.${DOMAIN}` },
    };
    return { id, state: { ...inputs, configuration, latestRevisionName: "unused" } };
  }
  if (type === IDENTITY)
    return { id, state: { ...inputs, principalId: `${own}-principal`, clientId: "client" } };
  if (type === CONTAINER_GROUP) {
    const ipAddress = { ...inputs.ipAddress, ip: groupIp(inputs), fqdn: groupFqdn(inputs) };
    return { id, state: { ...inputs, ipAddress } };
  }
  if (type === FD_ENDPOINT)
    return { id, state: { ...inputs, hostName: `${inputs.endpointName}-abc.z01.azurefd.net` } };
  if (type === TM_PROFILE) {
    return {
      id,
      state: {
        ...inputs,
        dnsConfig: { ...inputs.dnsConfig, fqdn: `${inputs.dnsConfig.relativeName}.trafficmanager.net` },
      },
    };
  }
  return { id, state: inputs };
}

/** Installs fresh mocks; `keepLedgers` carries the revision ledgers over from the previous deploy. */
export async function useAzureMocks(keepLedgers = false): Promise<void> {
  recorded.length = 0;
  if (!keepLedgers) ledgers.clear();
  resetServiceNames();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        record({ type: args.type, name: args.name, inputs: args.inputs });
        return outputsFor(args.type, args.name, args.inputs);
      },
      call(args) {
        return args.inputs;
      },
    },
    "project",
    "stack",
    false,
  );
}

/** Waits until the component's outputs resolve and registrations stop. */
export async function deployed<T extends { release: pulumi.Output<unknown> }>(service: T): Promise<T> {
  await new Promise<void>((resolve) => service.release.apply(() => resolve()));
  await settle();
  return service;
}
