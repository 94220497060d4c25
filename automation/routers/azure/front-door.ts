// Azure Front Door (Standard/Premium): one weighted origin per slot in one origin group; a disabled
// origin gets no requests. Front Door splits per request, but a configuration change propagates
// to its edge in minutes: the read back verifies the configuration, not every edge.
import type { RouterDescriptor } from "../../../components/core/contract";
import type { RouterControl } from "../types";
import { azureCall, defaultCredential, lazyClient, loadAzurePackage } from "./client";
import type { AzureControlOptions } from "./container-apps";
import { weightedLayerControl } from "./weighted-layer";

type Descriptor = Extract<RouterDescriptor, { kind: "azure-front-door" }>;

/** An origin as the API returns it (the part used here). */
export interface OriginLike {
  weight?: number;
  enabledState?: string;
}

/** The part of @azure/arm-cdn's CdnManagementClient used here; tests pass a fake. */
export interface FrontDoorClientLike {
  readonly afdOrigins: {
    get(
      resourceGroupName: string,
      profileName: string,
      originGroupName: string,
      originName: string,
      options?: { abortSignal?: AbortSignal },
    ): Promise<OriginLike>;
    beginUpdateAndWait(
      resourceGroupName: string,
      profileName: string,
      originGroupName: string,
      originName: string,
      originUpdateProperties: OriginLike,
      options?: { abortSignal?: AbortSignal },
    ): Promise<unknown>;
  };
}

/** Control of a Front Door origin group's weighted origins. */
export function frontDoorControl(d: Descriptor, o: AzureControlOptions = {}): RouterControl {
  const client = lazyClient(async () => {
    if (o.client) return (await o.client(d.subscriptionId)) as FrontDoorClientLike;
    const sdk = await loadAzurePackage<{
      CdnManagementClient: new (credential: unknown, subscriptionId: string) => FrontDoorClientLike;
    }>("azure-front-door", "@azure/arm-cdn", o.importer);
    return new sdk.CdnManagementClient(
      await defaultCredential("azure-front-door", o.importer),
      d.subscriptionId,
    );
  });
  const name = `Front Door origin group ${d.resourceGroup}/${d.profile}/${d.originGroup}`;
  return weightedLayerControl<FrontDoorClientLike>({
    kind: "azure-front-door",
    name,
    slots: d.origins,
    client,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    async get(c, dl, _slot, origin) {
      const r = await azureCall(dl, `read origin ${origin} of ${name}`, (abortSignal) =>
        c.afdOrigins.get(d.resourceGroup, d.profile, d.originGroup, origin, { abortSignal }),
      );
      return { weight: r.weight ?? 50, enabled: r.enabledState === "Enabled" };
    },
    async set(c, dl, _slot, origin, enabled) {
      await azureCall(dl, `update origin ${origin} of ${name}`, (abortSignal) =>
        c.afdOrigins.beginUpdateAndWait(
          d.resourceGroup,
          d.profile,
          d.originGroup,
          origin,
          { enabledState: enabled ? "Enabled" : "Disabled" },
          { abortSignal },
        ),
      );
    },
  });
}
