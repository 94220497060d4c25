// Container Apps revisions that a release takes out of traffic or brings back. In Multiple revision
// mode a revision out of the traffic list stays active, at its minReplicas, until it is deactivated:
// once a release has settled the driver deactivates the revision it took out (`retire`), and before
// traffic goes back to a deactivated revision (a rollback, a version released again after a revert)
// it activates it and waits until it runs (`activate`), because Container Apps accepts weights on
// an inactive revision, which then has no replica to answer (microsoft/azure-container-apps#1345).
import { setTimeout as sleep } from "node:timers/promises";
import type { RouterDescriptor } from "../../../components/core/contract";
import type { TrafficState } from "../../../components/core/traffic";
import {
  type ActivateResult,
  type Deadline,
  errorText,
  notApplied,
  type RetireItem,
  withDeadline,
} from "../types";
import { AzureCallError, azureCall } from "./client";

type Descriptor = Extract<RouterDescriptor, { kind: "azure-container-apps" }>;

/** One ingress traffic entry as the API returns it. */
export interface TrafficWeightLike {
  revisionName?: string;
  weight?: number;
  latestRevision?: boolean;
  label?: string;
}

/** The part of a revision the driver reads. */
export interface RevisionLike {
  readonly active?: boolean;
  readonly runningState?: string;
  readonly provisioningError?: string;
}

type Options = { abortSignal?: AbortSignal };

/** The part of @azure/arm-appcontainers' ContainerAppsRevisions used here. */
export interface RevisionsClientLike {
  getRevision(rg: string, app: string, revision: string, options?: Options): Promise<RevisionLike>;
  activateRevision(rg: string, app: string, revision: string, options?: Options): Promise<void>;
  deactivateRevision(rg: string, app: string, revision: string, options?: Options): Promise<void>;
}

/** The clients of one app: its revisions, and a fresh read of its ingress traffic. */
export interface RevisionClients {
  readonly revisions: RevisionsClientLike;
  readTraffic(dl: Deadline): Promise<readonly TrafficWeightLike[] | undefined>;
}

/** What the two operations need. */
export interface RevisionOps {
  readonly d: Descriptor;
  /** The clients, made on first use (loading the SDK and the credential may fail). */
  connect(): Promise<RevisionClients>;
  /** Time allowed for each call. */
  readonly timeoutMs: number;
}

/** How long an activated revision may take to run, and how often it is read meanwhile. */
export interface StartWait {
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/** Default time an activated revision may take to run: Container Apps starts replicas in minutes. */
export const REVISION_START_TIMEOUT_MS = 10 * 60_000;

/** Why the live traffic list needs `revision` running, or undefined when it does not. */
export function keepReason(traffic: readonly TrafficWeightLike[], revision: string): string | undefined {
  if (traffic.some((e) => e.latestRevision))
    return "a traffic entry targets latestRevision, which may be this revision";
  const own = traffic.filter((e) => e.revisionName === revision);
  const weight = own.reduce((sum, e) => sum + (e.weight ?? 0), 0);
  if (weight > 0) return `it serves ${weight}% of traffic`;
  const label = own.find((e) => e.label)?.label;
  return label === undefined ? undefined : `it carries the label ${label} (its preview URL)`;
}

/** The revision the release recorded for `version`. */
function revisionOf(d: Descriptor, version: string): string | undefined {
  return d.revisions[version] ?? d.retired?.[version];
}

const describe = (d: Descriptor, revision: string) =>
  `revision ${revision} of Container App ${d.resourceGroup}/${d.app}`;

function call<T>(
  o: RevisionOps,
  signal: AbortSignal | undefined,
  what: string,
  fn: (s: AbortSignal) => Promise<T>,
) {
  return withDeadline(o.timeoutMs, signal, (dl) => azureCall(dl, what, fn));
}

const notFound = (err: unknown) =>
  err instanceof AzureCallError && (err.cause as { statusCode?: unknown } | null)?.statusCode === 404;

/** Deactivates the revisions of `versions` that the app, read again, gives no traffic and no label. */
export async function retireRevisions(
  o: RevisionOps,
  versions: readonly string[],
  signal: AbortSignal | undefined,
): Promise<RetireItem[]> {
  const { d } = o;
  const items: RetireItem[] = [];
  for (const version of new Set(versions)) {
    const revision = revisionOf(d, version);
    const what = describe(d, revision ?? `of ${version}`);
    if (revision === undefined) {
      items.push({ what, outcome: "absent", reason: `the release recorded no revision for ${version}` });
      continue;
    }
    if (version in d.revisions) {
      items.push({ what, outcome: "kept", reason: `${version} is in the service's traffic state` });
      continue;
    }
    const command = `az containerapp revision deactivate --revision ${revision} --name ${d.app} --resource-group ${d.resourceGroup}`;
    try {
      const c = await o.connect();
      // Read right before: a revision that anything put back in traffic meanwhile keeps running.
      const traffic = await withDeadline(o.timeoutMs, signal, (dl) => c.readTraffic(dl));
      const keep = keepReason(traffic ?? [], revision);
      if (keep !== undefined) {
        items.push({ what, outcome: "kept", reason: keep });
        continue;
      }
      const live = await call(o, signal, `read ${what}`, (s) =>
        c.revisions.getRevision(d.resourceGroup, d.app, revision, { abortSignal: s }),
      );
      if (live.active === false) {
        items.push({ what, outcome: "absent", reason: "it was already inactive" });
        continue;
      }
      await call(o, signal, `deactivate ${what}`, (s) =>
        c.revisions.deactivateRevision(d.resourceGroup, d.app, revision, { abortSignal: s }),
      );
      items.push({ what, outcome: "stopped", reason: "deactivated: it has no traffic and no label" });
    } catch (err) {
      if (notFound(err)) items.push({ what, outcome: "absent", reason: "it no longer exists" });
      else items.push({ what, outcome: "failed", reason: errorText(err), command });
    }
  }
  return items;
}

/**
 * Activates every revision of `target`'s versions that is inactive, and waits until each runs. A
 * version with no recorded revision is new, and one whose revision is not found is left to the
 * `up` (it creates the one, and says what is wrong with the other).
 */
export async function activateRevisions(
  o: RevisionOps,
  target: TrafficState,
  wait: StartWait,
  signal: AbortSignal | undefined,
): Promise<ActivateResult> {
  const { d } = o;
  const started: string[] = [];
  const versions = new Set([target.stableVersion, target.candidateVersion]);
  try {
    for (const version of versions) {
      const revision = version === undefined ? undefined : revisionOf(d, version);
      if (revision === undefined) continue;
      const what = describe(d, revision);
      const c = await o.connect();
      const read = () =>
        call(o, signal, `read ${what}`, (s) =>
          c.revisions.getRevision(d.resourceGroup, d.app, revision, { abortSignal: s }),
        );
      let live = await read().catch((err: unknown) => (notFound(err) ? undefined : Promise.reject(err)));
      if (live?.active !== false) continue;
      await call(o, signal, `activate ${what}`, (s) =>
        c.revisions.activateRevision(d.resourceGroup, d.app, revision, { abortSignal: s }),
      );
      const until = Date.now() + wait.timeoutMs;
      live = await read();
      while (live.runningState !== "Running") {
        if (live.runningState === "Failed")
          return {
            ...notApplied(`${what} failed to start: ${live.provisioningError ?? "no reason given"}`),
            started,
          };
        if (Date.now() >= until)
          return {
            ...notApplied(
              `${what} was activated but did not run within ${wait.timeoutMs} ms (it is ${live.runningState ?? "in no state"})`,
            ),
            started,
          };
        await sleep(wait.pollMs, undefined, signal ? { signal } : {});
        live = await read();
      }
      started.push(what);
    }
  } catch (err) {
    return { ...notApplied(signal?.aborted ? "aborted by the caller" : errorText(err)), started };
  }
  return { applied: true, started };
}
