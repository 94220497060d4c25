// The release history's records. One JSON object per line, appended as a release happens:
// `started` first, then a `step` per completed step, then `finished`. A release without a
// `finished` record was cut short (the driver crashed or is still running).

/** Format version written in every record as `v`. */
export const HISTORY_FORMAT = 1;

/** Analysis outcome of one check (DESIGN.md: four outcomes). */
export type CheckOutcome = "Successful" | "Failed" | "Inconclusive" | "Error";

/** One check evaluated during a step. */
export interface CheckRecord {
  /** Check name, e.g. `error-rate`. */
  readonly name: string;
  /** Provider that measured it, e.g. `prometheus`. @default none */
  readonly provider?: string;
  /** Measured value; null when there was no data or the query failed. */
  readonly value: number | null;
  /** The condition it was held to, e.g. `< 0.05`. @default none */
  readonly condition?: string;
  /** What the analysis made of it. */
  readonly outcome: CheckOutcome;
  /** Why, for no data and errors, e.g. `no requests to version "v2"`. @default none */
  readonly reason?: string;
  /** When it was measured, ISO 8601. @default the step's end */
  readonly at?: string;
}

/** What a release is and who started it: shared by its started record, its fold and its notifications. */
export interface ReleaseSubject {
  /** Pulumi stack, e.g. `prod`. */
  readonly stack: string;
  /** Service released. @default none */
  readonly service?: string;
  /** Candidate version. */
  readonly version: string;
  /** Version serving before. @default none (first release) */
  readonly previousVersion?: string;
  /** Who started it. */
  readonly actor: string;
  /** Strategy, e.g. `canary`. @default none */
  readonly strategy?: string;
}

/** `started`: the release began. */
export interface StartedRecord extends ReleaseSubject {
  readonly v: typeof HISTORY_FORMAT;
  readonly type: "started";
  /** Release id, unique per stack. */
  readonly releaseId: string;
  /** When, ISO 8601. */
  readonly at: string;
}

/** `step`: one step of the release plan finished. */
export interface StepRecord {
  readonly v: typeof HISTORY_FORMAT;
  readonly type: "step";
  readonly releaseId: string;
  readonly stack: string;
  /** Position in the plan, from 0. */
  readonly index: number;
  /** What the step did, e.g. `setWeight`, `pause`, `analysis`, `promote`, `revert`, `retire`. */
  readonly action: string;
  /** Candidate's traffic weight in percent after the step. @default none */
  readonly weight?: number;
  /** Whether the router read the weight back ("verified"); false is "unverified". @default none (no traffic change) */
  readonly verified?: boolean;
  /** Start and end, ISO 8601. */
  readonly startedAt: string;
  readonly endedAt: string;
  /** Checks run in the step. @default [] */
  readonly checks: readonly CheckRecord[];
  /** `passed`, or the reason the release did not go on (`error` on a retire: something keeps running). */
  readonly outcome: "passed" | "failed" | "inconclusive" | "error" | "aborted";
  /** What the step did, in words (a retire: what was stopped, what keeps running). @default none */
  readonly note?: string;
}

/** How a release ended. */
export type ReleaseOutcome = "promoted" | "reverted" | "failed" | "aborted";

/** `finished`: the release ended. */
export interface FinishedRecord {
  readonly v: typeof HISTORY_FORMAT;
  readonly type: "finished";
  readonly releaseId: string;
  readonly stack: string;
  /**
   * promoted: the candidate serves all traffic; reverted: a check failed and traffic went back;
   * aborted: stopped on request and traffic went back; failed: ended without a verified revert.
   */
  readonly outcome: ReleaseOutcome;
  /** When, ISO 8601. */
  readonly at: string;
  /** Why it did not promote. @default none */
  readonly reason?: string;
  /** Milliseconds from the failed check to traffic verified back on the previous version. @default none */
  readonly timeToRevertMs?: number;
  /** Non-secret traffic config after the release (the revert target when promoted). Never secrets. @default none */
  readonly config?: Readonly<Record<string, string>>;
}

/** Any line of a history file. */
export type HistoryRecord = StartedRecord | StepRecord | FinishedRecord;

/** A release folded from its records. */
export interface Release extends ReleaseSubject {
  readonly id: string;
  readonly startedAt: string;
  /** undefined when there is no `finished` record. */
  readonly finishedAt?: string;
  /** `unfinished` when there is no `finished` record. */
  readonly outcome: ReleaseOutcome | "unfinished";
  readonly reason?: string;
  readonly timeToRevertMs?: number;
  readonly config?: Readonly<Record<string, string>>;
  /** Steps in the order they were recorded. */
  readonly steps: readonly StepRecord[];
}

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** Why `value` is not a record this version can read, or undefined when it is one. */
export function recordProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const r = value as Record<string, unknown>;
  if (r.v !== HISTORY_FORMAT) return `format v=${String(r.v)} is not ${HISTORY_FORMAT}`;
  if (!isString(r.releaseId) || !isString(r.stack)) return "releaseId or stack missing";
  switch (r.type) {
    case "started":
      return isString(r.version) && isString(r.actor) && isString(r.at)
        ? undefined
        : "started without version, actor or at";
    case "step":
      return Number.isInteger(r.index) &&
        isString(r.startedAt) &&
        isString(r.endedAt) &&
        Array.isArray(r.checks)
        ? undefined
        : "step without index, times or checks";
    case "finished":
      return isString(r.at) && ["promoted", "reverted", "failed", "aborted"].includes(String(r.outcome))
        ? undefined
        : "finished without at or a known outcome";
    default:
      return `unknown type ${JSON.stringify(r.type)}`;
  }
}

/** Folds records (any order of releases, each in append order) into releases, newest start first. */
export function foldReleases(records: readonly HistoryRecord[]): Release[] {
  const byId = new Map<string, { started?: StartedRecord; steps: StepRecord[]; finished?: FinishedRecord }>();
  for (const r of records) {
    const key = `${r.stack}\u0000${r.releaseId}`;
    const entry = byId.get(key) ?? { steps: [] };
    byId.set(key, entry);
    if (r.type === "started") entry.started = r;
    else if (r.type === "step") entry.steps.push(r);
    else entry.finished = r;
  }
  const releases: Release[] = [];
  for (const { started, steps, finished } of byId.values()) {
    if (!started) continue; // its start line was lost (torn or deleted): nothing to say who or what
    const { service, previousVersion, strategy } = started;
    releases.push({
      id: started.releaseId,
      stack: started.stack,
      ...(service !== undefined ? { service } : {}),
      version: started.version,
      ...(previousVersion !== undefined ? { previousVersion } : {}),
      actor: started.actor,
      ...(strategy !== undefined ? { strategy } : {}),
      startedAt: started.at,
      ...(finished ? { finishedAt: finished.at } : {}),
      outcome: finished?.outcome ?? "unfinished",
      ...(finished?.reason !== undefined ? { reason: finished.reason } : {}),
      ...(finished?.timeToRevertMs !== undefined ? { timeToRevertMs: finished.timeToRevertMs } : {}),
      ...(finished?.config !== undefined ? { config: finished.config } : {}),
      steps,
    });
  }
  return releases.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
}
