// Cloud Run as a router: a service's traffic targets name revisions, and `trafficStatuses` says
// what Cloud Run applies. A read takes the revision of each version from the ledger the component
// keeps on the live service (components/gcp/revisions.ts), else from the release's descriptor, and
// reports the candidate's share from the statuses, never the weight asked. The brake rewrites the
// service's traffic (every tagged target kept at 0 %, all traffic on the stable revision), waits
// for the operation, and reads it back; the `up` the driver runs next records the same state.
import type { RouterDescriptor } from "../../../components/core/contract";
import type { Color, TrafficState } from "../../../components/core/traffic";
import { CANDIDATE_TAG, parseLedger, REVISION_TARGET } from "../../../components/gcp/revisions";
import type { PackageImporter } from "../../metrics/sdk-call";
import { writeAndVerify } from "../brake";
import { controlContext } from "../context";
import {
  type Deadline,
  errorText,
  type RouterControl,
  type RouterControlOptions,
  type RouterReading,
  unverified,
} from "../types";
import {
  loadRunClient,
  type RunClientFactory,
  type RunService,
  type RunServicesClient,
  type RunTrafficStatus,
  type RunTrafficTarget,
  runFailure,
} from "./client";

/** The descriptor this control serves. */
export type CloudRunDescriptor = Extract<RouterDescriptor, { kind: "gcp-cloud-run" }>;

/** Options of {@link cloudRunControl}. */
export interface CloudRunControlOptions extends RouterControlOptions {
  /** Builds the client. @default @google-cloud/run's ServicesClient with Application Default Credentials */
  readonly client?: RunClientFactory;
  /** Loads `@google-cloud/run` when the client is built here; tests pass one that fails. @default Node's import */
  readonly importer?: PackageImporter;
  /**
   * Time allowed for the brake (the update is a long-running operation of a few seconds).
   * @default 30000
   */
  readonly brakeTimeoutMs?: number;
}

/** Default of {@link CloudRunControlOptions.brakeTimeoutMs}. */
export const DEFAULT_CLOUD_RUN_BRAKE_MS = 30_000;

/** The API name of a service. */
export function serviceResourceName(d: Pick<CloudRunDescriptor, "project" | "location" | "service">): string {
  return `projects/${d.project}/locations/${d.location}/services/${d.service}`;
}

/** The revision of a version: the live ledger's, else the descriptor's. */
function revisionOf(service: RunService, d: CloudRunDescriptor, version: string): string | undefined {
  return parseLedger(service.annotations ?? undefined)?.revisions[version] ?? d.revisions?.[version];
}

const percentOf = (statuses: readonly RunTrafficStatus[], revision: string): number =>
  statuses.filter((s) => s.revision === revision).reduce((sum, s) => sum + (s.percent ?? 0), 0);

/** What the statuses say, in one line. */
export function describeStatuses(statuses: readonly RunTrafficStatus[]): string {
  return statuses
    .map((s) => `${s.revision || "(latest)"}=${s.percent ?? 0}%${s.tag ? ` [${s.tag}]` : ""}`)
    .join(", ");
}

/**
 * The candidate's share (and the serving colour) in a service's traffic statuses, or why it
 * cannot be told. `revision` gives each version's revision.
 */
export function cloudRunReading(
  statuses: readonly RunTrafficStatus[],
  expect: TrafficState,
  revision: (version: string) => string | undefined,
): RouterReading {
  if (statuses.length === 0) return unverified("Cloud Run reports no traffic statuses for the service yet");
  const total = statuses.reduce((sum, s) => sum + (s.percent ?? 0), 0);
  if (total !== 100)
    return unverified(`the traffic statuses add up to ${total}%, not 100% (${describeStatuses(statuses)})`);
  const stable = revision(expect.stableVersion);
  if (!stable) return unverified(`no revision is known for stable version ${expect.stableVersion}`);
  let weight: number;
  if (expect.candidateVersion === undefined) {
    weight = 100 - percentOf(statuses, stable);
  } else {
    const candidate = revision(expect.candidateVersion);
    if (!candidate)
      return unverified(`no revision is known for candidate version ${expect.candidateVersion}`);
    if (candidate === stable) {
      // One revision for both (the promotion's middle state): the candidate's target is the tagged one.
      const tagged = statuses.find((s) => s.tag === CANDIDATE_TAG && s.revision === candidate);
      weight = tagged ? (tagged.percent ?? 0) : 100;
    } else {
      weight = percentOf(statuses, candidate);
      const elsewhere = 100 - weight - percentOf(statuses, stable);
      if (elsewhere > 0) {
        return unverified(
          `${elsewhere}% goes to revisions other than ${stable} and ${candidate} (${describeStatuses(statuses)})`,
        );
      }
    }
  }
  const color = servingColor(statuses);
  return {
    verified: true,
    candidateWeight: weight,
    ...(expect.activeColor !== undefined && color ? { activeColor: color } : {}),
    detail: describeStatuses(statuses),
  };
}

/** The colour whose tag gets all traffic, when one does. */
function servingColor(statuses: readonly RunTrafficStatus[]): Color | undefined {
  const full = statuses.find((s) => (s.tag === "blue" || s.tag === "green") && s.percent === 100);
  return full?.tag as Color | undefined;
}

/**
 * The traffic "all to `stable`": every revision target kept (tags keep their URLs) at 0 %, all
 * traffic on the stable revision (on its `color` tag when given, for blue-green), LATEST targets
 * dropped.
 */
export function allToStableTraffic(
  current: readonly RunTrafficTarget[],
  stable: string,
  color?: Color,
): RunTrafficTarget[] {
  const kept = current
    .filter((t) => t.revision)
    .map(
      (t): RunTrafficTarget => ({
        type: REVISION_TARGET,
        revision: t.revision as string,
        percent: 0,
        ...(t.tag ? { tag: t.tag } : {}),
      }),
    );
  // Prefer the colour's own tag, then an untagged target, then any target of the stable revision.
  const preferences: ((t: RunTrafficTarget) => boolean)[] = [
    (t) => color !== undefined && t.revision === stable && t.tag === color,
    (t) => t.revision === stable && !t.tag,
    (t) => t.revision === stable,
  ];
  let pick = -1;
  for (const prefer of preferences) {
    pick = kept.findIndex(prefer);
    if (pick >= 0) break;
  }
  if (pick < 0) return [{ type: REVISION_TARGET, revision: stable, percent: 100 }, ...kept];
  return kept.map((t, i) => (i === pick ? { ...t, percent: 100 } : t));
}

/** Why a call failed: the deadline's reason when it ended the call, else the API's answer. */
function failure(what: string, err: unknown, dl: Deadline): string {
  return dl.signal.aborted ? `could not ${what}: ${dl.describe(err)}` : runFailure(what, err);
}

/** Control of a Cloud Run service's traffic (descriptor kind `gcp-cloud-run`). */
export function cloudRunControl(d: CloudRunDescriptor, o: CloudRunControlOptions = {}): RouterControl {
  const name = serviceResourceName(d);
  const factory: RunClientFactory = o.client ?? ((project) => loadRunClient(project, o.importer));
  let client: RunServicesClient | undefined;
  const connect = async () => {
    client ??= await factory(d.project);
    return client;
  };
  const get = async (c: RunServicesClient, dl: Deadline): Promise<RunService> => {
    dl.check();
    try {
      const [service] = await dl.race(c.getService({ name }, { timeout: dl.timeoutMs }));
      return service;
    } catch (err) {
      throw new Error(failure(`read Cloud Run service ${name}`, err, dl));
    }
  };
  const readWith = async (
    c: RunServicesClient,
    dl: Deadline,
    expect: TrafficState,
  ): Promise<RouterReading> => {
    const service = await get(c, dl);
    return cloudRunReading(service.trafficStatuses ?? [], expect, (v) => revisionOf(service, d, v));
  };

  // A failed call's error already says what to do (see failure), so it is reported as it is.
  const run = controlContext({
    connect,
    timeoutMs: o.timeoutMs,
    brakeTimeoutMs: o.brakeTimeoutMs ?? DEFAULT_CLOUD_RUN_BRAKE_MS,
    reason: errorText,
  });

  return {
    kind: "gcp-cloud-run",
    read(expect, signal) {
      return run.read(signal, (c, dl) => readWith(c, dl, expect));
    },
    sendAllToStable(target, _candidate, signal) {
      let stable: string | undefined;
      return run.brake(signal, (c, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            const service = await get(c, dl);
            stable = revisionOf(service, d, target.stableVersion);
            if (!stable)
              return `no revision is known for stable version ${target.stableVersion}; the \`up\` reverts it`;
            const traffic = allToStableTraffic(service.traffic ?? [], stable, target.activeColor);
            try {
              const [operation] = await dl.race(
                c.updateService({ service: { ...service, traffic } }, { timeout: dl.timeoutMs }),
              );
              await dl.race(operation.promise());
            } catch (err) {
              return failure(`update the traffic of Cloud Run service ${name}`, err, dl);
            }
            return undefined;
          },
          read: () => readWith(c, dl, { ...target, candidateWeight: 0 }),
          wrong: (reading) =>
            !reading.verified
              ? `written, but not read back: ${reading.reason}`
              : reading.candidateWeight !== 0
                ? `written, but Cloud Run still sends ${reading.candidateWeight}% away from ${stable} (${reading.detail})`
                : undefined,
        }),
      );
    },
  };
}
