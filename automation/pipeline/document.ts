// A pipeline's state in the release store, where every CI runner and operator sees it: which
// version each stage and stack took and when (the soak clocks), approvals, rejected versions and
// a bounded log of what happened. One JSON document, changed only by compare-and-swap.
import { readDocument, type Versioned, writeDocument } from "../store/documents";
import { segment } from "../store/layout";
import { CONFLICT, type ObjectStore, StoreError } from "../store/object-store";

/** Where a stack of a wave stands for one version. */
export type StackRunStatus =
  | "running"
  | "promoted"
  | "failed"
  /** Stopped because another stack of its wave failed (its release reverted, or never started). */
  | "stopped"
  | "rolledBack"
  | "kept"
  | "rollbackFailed";

export interface ServiceRun {
  /** The release's outcome, `already` when the version already ran there. */
  readonly outcome: "promoted" | "reverted" | "paused" | "failed" | "already" | "error";
  readonly releaseId?: string;
  readonly reason?: string;
}

export interface StackRun {
  readonly status: StackRunStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly reason?: string;
  readonly services: Readonly<Record<string, ServiceRun>>;
}

export interface StageRun {
  readonly status: "running" | "promoted" | "failed";
  readonly startedAt: string;
  /** When it ended; for a promoted stage, where the next stage's soak starts. */
  readonly endedAt?: string;
  readonly reason?: string;
  readonly stacks: Readonly<Record<string, StackRun>>;
}

export interface Mark {
  readonly by: string;
  readonly at: string;
}

export interface Rejection extends Mark {
  readonly reason: string;
  readonly stage?: string;
  readonly stack?: string;
}

/** One thing that happened, in order; the test and `status` read soak and concurrency from these. */
export interface PipelineEvent {
  readonly at: string;
  readonly type:
    | "stageStarted"
    | "stageEnded"
    | "stackStarted"
    | "stackEnded"
    | "soaking"
    | "waiting"
    | "approved"
    | "rejected";
  readonly version: string;
  readonly stage?: string;
  readonly stack?: string;
  readonly detail?: string;
}

export interface PipelineDocument {
  readonly v: 1;
  readonly project: string;
  readonly pipeline: string;
  /** By version: the stages it reached. */
  readonly runs: Readonly<Record<string, { readonly stages: Readonly<Record<string, StageRun>> }>>;
  /** By version, then stage. */
  readonly approvals: Readonly<Record<string, Readonly<Record<string, Mark>>>>;
  readonly rejected: Readonly<Record<string, Rejection>>;
  readonly events: readonly PipelineEvent[];
}

/** The most events a document keeps (the oldest go first). */
export const MAX_EVENTS = 1000;

export function pipelineKey(project: string, pipeline: string): string {
  return `pipelines/${segment(project)}/${segment(pipeline)}.json`;
}

/** The lease a `pipeline promote` holds from start to end: one at a time per pipeline. */
export function pipelineLeaseKey(project: string, pipeline: string): string {
  return `pipelines/${segment(project)}/${segment(pipeline)}.lock`;
}

export function emptyDocument(project: string, pipeline: string): PipelineDocument {
  return { v: 1, project, pipeline, runs: {}, approvals: {}, rejected: {}, events: [] };
}

function parse(v: unknown): PipelineDocument | undefined {
  const d = v as PipelineDocument | null;
  const maps = d && [d.runs, d.approvals, d.rejected].every((m) => typeof m === "object" && m !== null);
  return d?.v === 1 && maps && Array.isArray(d.events) ? d : undefined;
}

/** The pipeline's state as a document of a store. */
export class PipelineState {
  constructor(
    readonly objects: ObjectStore,
    readonly project: string,
    readonly pipeline: string,
  ) {}

  get key(): string {
    return pipelineKey(this.project, this.pipeline);
  }

  async read(signal?: AbortSignal): Promise<PipelineDocument> {
    const got = await this.readVersioned(signal);
    return got?.value ?? emptyDocument(this.project, this.pipeline);
  }

  private async readVersioned(signal?: AbortSignal): Promise<Versioned<PipelineDocument> | undefined> {
    const got = await readDocument(this.objects, this.key, (v) => parse(v) ?? null, signal);
    if (got && got.value === null)
      throw new StoreError(
        "failed",
        `the pipeline state ${this.key} is not a pipeline document; move it away (it is recreated empty)`,
      );
    return got as Versioned<PipelineDocument> | undefined;
  }

  /**
   * Applies `change` to the current document and writes it with a compare-and-swap, again on a
   * conflict (an operator's approve or reject meanwhile). Returns the document written.
   */
  async update(
    change: (d: PipelineDocument) => PipelineDocument,
    signal?: AbortSignal,
  ): Promise<PipelineDocument> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const got = await this.readVersioned(signal);
      const next = change(got?.value ?? emptyDocument(this.project, this.pipeline));
      const trimmed = { ...next, events: next.events.slice(-MAX_EVENTS) };
      const r = await writeDocument(this.objects, this.key, trimmed, got ? got.version : null, signal);
      if (r !== CONFLICT) return trimmed;
    }
    throw new StoreError(
      "failed",
      `the pipeline state ${this.key} kept changing while it was written; try again`,
    );
  }
}

/** `d` with one event appended. */
export function withEvent(d: PipelineDocument, e: Omit<PipelineEvent, "at">): PipelineDocument {
  return { ...d, events: [...d.events, { at: new Date().toISOString(), ...e }] };
}

/** `d` with the stage run of `version` changed by `change`. */
export function withStage(
  d: PipelineDocument,
  version: string,
  stage: string,
  change: (s: StageRun | undefined) => StageRun,
): PipelineDocument {
  const run = d.runs[version] ?? { stages: {} };
  return {
    ...d,
    runs: { ...d.runs, [version]: { stages: { ...run.stages, [stage]: change(run.stages[stage]) } } },
  };
}

/** `d` with one stack of a stage run changed by `change`. */
export function withStack(
  d: PipelineDocument,
  version: string,
  stage: string,
  stack: string,
  change: (s: StackRun | undefined) => StackRun,
): PipelineDocument {
  return withStage(d, version, stage, (s) => {
    const run = s ?? { status: "running", startedAt: new Date().toISOString(), stacks: {} };
    return { ...run, stacks: { ...run.stacks, [stack]: change(run.stacks[stack]) } };
  });
}
