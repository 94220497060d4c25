// Azure Container Apps: ingress traffic weights by revision, read from the app itself. Canary and
// rolling services name their revisions by version (the descriptor's `revisions`); blue-green
// services label them `blue` and `green`, and the colour with 100 % is the active one. The brake
// patches the app's ingress with all traffic on the stable revision (labels kept, so preview URLs
// still work), then reads it back. Revisions out of traffic are deactivated and activated again by
// revisions.ts.
import type { RouterDescriptor } from "../../../components/core/contract";
import type { Color, TrafficState } from "../../../components/core/traffic";
import { writeAndVerify } from "../brake";
import {
  DEFAULT_ROUTER_TIMEOUT_MS,
  type RouterControl,
  type RouterControlOptions,
  type RouterReading,
  unverified,
} from "../types";
import {
  azureCall,
  azureContext,
  defaultCredential,
  type Importer,
  lazyClient,
  loadAzurePackage,
} from "./client";
import {
  activateRevisions,
  REVISION_START_TIMEOUT_MS,
  type RevisionOps,
  type RevisionsClientLike,
  retireRevisions,
  type TrafficWeightLike,
} from "./revisions";

export type { TrafficWeightLike } from "./revisions";

type Descriptor = Extract<RouterDescriptor, { kind: "azure-container-apps" }>;

/** The part of an app's ingress the control reads; other fields are sent back as read. */
export interface IngressLike {
  traffic?: TrafficWeightLike[];
  readonly fqdn?: string;
}

/** The part of a Container App the control reads and writes. */
export interface ContainerAppLike {
  location: string;
  configuration?: { ingress?: IngressLike };
}

/** The part of @azure/arm-appcontainers' ContainerAppsAPIClient used here; tests pass a fake. */
export interface ContainerAppsClientLike {
  readonly containerApps: {
    get(
      resourceGroupName: string,
      containerAppName: string,
      options?: { abortSignal?: AbortSignal },
    ): Promise<ContainerAppLike>;
    beginUpdateAndWait(
      resourceGroupName: string,
      containerAppName: string,
      containerAppEnvelope: ContainerAppLike,
      options?: { abortSignal?: AbortSignal },
    ): Promise<unknown>;
  };
  readonly containerAppsRevisions: RevisionsClientLike;
}

/** Options of {@link containerAppsControl}. */
export interface AzureControlOptions extends RouterControlOptions {
  /** Builds the SDK client for a subscription. @default the official client with DefaultAzureCredential */
  readonly client?: (subscriptionId: string) => Promise<unknown>;
  /** Imports the optional packages; tests pass one that fails. @default Node's import */
  readonly importer?: Importer;
  /** Time an activated revision may take to run. @default 600000 (10 minutes) */
  readonly startTimeoutMs?: number;
  /** How often a starting revision is read. @default 5000 */
  readonly startPollMs?: number;
}

const PACKAGE = "@azure/arm-appcontainers";
const COLORS: readonly Color[] = ["blue", "green"];

/**
 * What a traffic list applies: for blue-green lists (labels blue/green), the colour at 100 %; else
 * the candidate revision's weight, after checking that the rest goes to the stable revision.
 */
export function containerAppsReading(
  traffic: readonly TrafficWeightLike[] | undefined,
  revisions: Readonly<Record<string, string>>,
  expect: TrafficState,
): RouterReading {
  const entries = traffic ?? [];
  if (entries.length === 0) return unverified("the app has no ingress traffic entries");
  if (entries.some((e) => e.latestRevision)) {
    return unverified(
      "a traffic entry targets latestRevision, which names no version; deploy the stack again",
    );
  }
  const total = entries.reduce((sum, e) => sum + (e.weight ?? 0), 0);
  const shown = entries
    .map((e) => `${e.revisionName}${e.label ? `[${e.label}]` : ""}=${e.weight ?? 0}`)
    .join(", ");
  if (total !== 100) return unverified(`ingress traffic weights sum to ${total}, not 100 (${shown})`);
  const colored = entries.filter((e) => COLORS.includes(e.label as Color));
  if (expect.activeColor !== undefined || colored.length > 0) {
    const active = colored.find((e) => e.weight === 100);
    if (!active) return unverified(`no colour label has 100% of traffic (${shown})`);
    return {
      verified: true,
      candidateWeight: 0,
      activeColor: active.label as Color,
      detail: `ingress traffic ${shown}`,
    };
  }
  const weightOf = (version: string | undefined) => {
    const name = version === undefined ? undefined : revisions[version];
    return name === undefined
      ? 0
      : entries.filter((e) => e.revisionName === name).reduce((s, e) => s + (e.weight ?? 0), 0);
  };
  const stableName = revisions[expect.stableVersion];
  if (stableName === undefined)
    return unverified(`the release names no revision for stable version ${expect.stableVersion}`);
  const candidate = expect.candidateVersion === undefined ? 0 : weightOf(expect.candidateVersion);
  const sameRevision =
    expect.candidateVersion !== undefined && revisions[expect.candidateVersion] === stableName;
  const stable = sameRevision ? 0 : weightOf(expect.stableVersion);
  if (candidate + stable !== 100) {
    return unverified(
      `${100 - candidate - stable}% of traffic goes to revisions outside the release (${shown})`,
    );
  }
  return { verified: true, candidateWeight: candidate, detail: `ingress traffic ${shown}` };
}

/** The traffic list that sends everything to the stable side of `target`, labels kept. */
export function allToStable(
  traffic: readonly TrafficWeightLike[],
  revisions: Readonly<Record<string, string>>,
  target: TrafficState,
): TrafficWeightLike[] | { readonly reason: string } {
  const colored = traffic.some((e) => COLORS.includes(e.label as Color));
  if (colored || target.activeColor !== undefined) {
    const color = target.activeColor ?? "blue";
    if (!traffic.some((e) => e.label === color)) return { reason: `no traffic entry has the label ${color}` };
    return traffic.map((e) => ({ ...e, weight: e.label === color ? 100 : 0 }));
  }
  const stable = revisions[target.stableVersion];
  if (stable === undefined)
    return { reason: `the release names no revision for stable version ${target.stableVersion}` };
  const rest = traffic.filter((e) => e.revisionName !== stable).map((e) => ({ ...e, weight: 0 }));
  const own = traffic.find((e) => e.revisionName === stable);
  return [{ ...own, revisionName: stable, weight: 100 }, ...rest];
}

/** Control of a Container App's ingress traffic. */
export function containerAppsControl(d: Descriptor, o: AzureControlOptions = {}): RouterControl {
  const timeoutMs = o.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS;
  const client = lazyClient(async () => {
    if (o.client) return (await o.client(d.subscriptionId)) as ContainerAppsClientLike;
    const sdk = await loadAzurePackage<{
      ContainerAppsAPIClient: new (credential: unknown, subscriptionId: string) => ContainerAppsClientLike;
    }>("azure-container-apps", PACKAGE, o.importer);
    return new sdk.ContainerAppsAPIClient(
      await defaultCredential("azure-container-apps", o.importer),
      d.subscriptionId,
    );
  });
  const azure = azureContext(client, timeoutMs);
  const name = `Container App ${d.resourceGroup}/${d.app}`;
  const get = (c: ContainerAppsClientLike, dl: Parameters<typeof azureCall>[0], what: string) =>
    azureCall(dl, what, (abortSignal) => c.containerApps.get(d.resourceGroup, d.app, { abortSignal }));
  const ops: RevisionOps = {
    d,
    timeoutMs,
    connect: async () => {
      const c = await client();
      return {
        revisions: c.containerAppsRevisions,
        readTraffic: async (dl) => (await get(c, dl, `read ${name}`)).configuration?.ingress?.traffic,
      };
    },
  };

  return {
    kind: "azure-container-apps",

    read(expect, signal) {
      return azure.read(signal, async (c, dl) => {
        const live = await get(c, dl, `read ${name}`);
        const reading = containerAppsReading(live.configuration?.ingress?.traffic, d.revisions, expect);
        return reading.verified
          ? { ...reading, detail: `${name} ${reading.detail}` }
          : unverified(`${name}: ${reading.reason}`);
      });
    },

    sendAllToStable(target, candidateVersion, signal) {
      const taken = candidateVersion ?? target.candidateVersion;
      return azure.brake(signal, (c, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            const live = await get(c, dl, `read ${name}`);
            const ingress = live.configuration?.ingress;
            const next = allToStable(ingress?.traffic ?? [], d.revisions, target);
            if ("reason" in next) return `${name}: ${next.reason}`;
            const { fqdn: _readOnly, ...writable } = ingress ?? {};
            await azureCall(dl, `update ${name}`, (abortSignal) =>
              c.containerApps.beginUpdateAndWait(
                d.resourceGroup,
                d.app,
                { location: live.location, configuration: { ingress: { ...writable, traffic: next } } },
                { abortSignal },
              ),
            );
            return undefined;
          },
          read: async () =>
            containerAppsReading(
              (await get(c, dl, `read ${name} back`)).configuration?.ingress?.traffic,
              d.revisions,
              {
                ...target,
                candidateWeight: 0,
                ...(taken === undefined ? {} : { candidateVersion: taken }),
              },
            ),
          wrong(reading) {
            if (!reading.verified) return `${name} read back: ${reading.reason}`;
            const wanted = target.activeColor;
            if (wanted !== undefined || reading.activeColor !== undefined) {
              return reading.activeColor === (wanted ?? "blue")
                ? undefined
                : `${name} read back serves ${reading.activeColor}, not ${wanted ?? "blue"}`;
            }
            return reading.candidateWeight === 0
              ? undefined
              : `${name} read back sends ${reading.candidateWeight}% to the candidate`;
          },
        }),
      );
    },

    activate(target, signal) {
      const wait = {
        timeoutMs: o.startTimeoutMs ?? REVISION_START_TIMEOUT_MS,
        pollMs: o.startPollMs ?? 5_000,
      };
      return activateRevisions(ops, target, wait, signal);
    },

    retire(versions, signal) {
      return retireRevisions(ops, versions, signal);
    },
  };
}
