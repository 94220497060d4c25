// Azure Traffic Manager: one weighted external endpoint per slot; a disabled endpoint gets no
// traffic. Reading the profile verifies what Traffic Manager answers, not what clients do: DNS
// answers are cached for the profile's TTL (and often longer), so a switch reaches clients over
// minutes. The brake enables the stable endpoint, disables the others, and reads them back.
import type { RouterDescriptor } from "../../../components/core/contract";
import type { RouterControl } from "../types";
import { azureCall, defaultCredential, lazyClient, loadAzurePackage } from "./client";
import type { AzureControlOptions } from "./container-apps";
import { weightedLayerControl } from "./weighted-layer";

type Descriptor = Extract<RouterDescriptor, { kind: "azure-traffic-manager" }>;

/** An endpoint as the API returns it (the part used here). */
export interface EndpointLike {
  weight?: number;
  endpointStatus?: string;
}

/** The part of @azure/arm-trafficmanager's TrafficManagerManagementClient used here; tests pass a fake. */
export interface TrafficManagerClientLike {
  readonly endpoints: {
    get(
      resourceGroupName: string,
      profileName: string,
      endpointType: "ExternalEndpoints",
      endpointName: string,
      options?: { abortSignal?: AbortSignal },
    ): Promise<EndpointLike>;
    update(
      resourceGroupName: string,
      profileName: string,
      endpointType: "ExternalEndpoints",
      endpointName: string,
      parameters: EndpointLike,
      options?: { abortSignal?: AbortSignal },
    ): Promise<unknown>;
  };
}

/** Endpoint type of the endpoints the components create (container group FQDNs). */
export const ENDPOINT_TYPE = "ExternalEndpoints" as const;

/** Control of a Traffic Manager profile's weighted endpoints. */
export function trafficManagerControl(d: Descriptor, o: AzureControlOptions = {}): RouterControl {
  const client = lazyClient(async () => {
    if (o.client) return (await o.client(d.subscriptionId)) as TrafficManagerClientLike;
    const sdk = await loadAzurePackage<{
      TrafficManagerManagementClient: new (
        credential: unknown,
        subscriptionId: string,
      ) => TrafficManagerClientLike;
    }>("azure-traffic-manager", "@azure/arm-trafficmanager", o.importer);
    return new sdk.TrafficManagerManagementClient(
      await defaultCredential("azure-traffic-manager", o.importer),
      d.subscriptionId,
    );
  });
  const name = `Traffic Manager profile ${d.resourceGroup}/${d.profile}`;
  return weightedLayerControl<TrafficManagerClientLike>({
    kind: "azure-traffic-manager",
    name,
    slots: d.endpoints,
    client,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    async get(c, dl, _slot, endpoint) {
      const e = await azureCall(dl, `read endpoint ${endpoint} of ${name}`, (abortSignal) =>
        c.endpoints.get(d.resourceGroup, d.profile, ENDPOINT_TYPE, endpoint, { abortSignal }),
      );
      return { weight: e.weight ?? 1, enabled: e.endpointStatus === "Enabled" };
    },
    async set(c, dl, _slot, endpoint, enabled) {
      await azureCall(dl, `update endpoint ${endpoint} of ${name}`, (abortSignal) =>
        c.endpoints.update(
          d.resourceGroup,
          d.profile,
          ENDPOINT_TYPE,
          endpoint,
          { endpointStatus: enabled ? "Enabled" : "Disabled" },
          { abortSignal },
        ),
      );
    },
  });
}
