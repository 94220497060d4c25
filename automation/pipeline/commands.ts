// `pipeline status`, `pipeline approve` and `pipeline reject`: read or mark the pipeline's state
// in the release store. Status is computed from the document alone (no stack is opened but the
// first, for its store), so it is quick from any machine that shares the store.
import * as os from "node:os";
import { ReleaseError } from "../driver/errors";
import { checkVersion, openPipeline, type PipelineTarget } from "./context";
import { type Mark, type PipelineDocument, type Rejection, type StackRun, withEvent } from "./document";
import type { Pipeline } from "./spec";

export interface StackStatus {
  readonly stack: string;
  /** The newest version this stack took through the pipeline (and still runs), if any. */
  readonly version?: string;
  /** The newest run touching it: its version, status and why. */
  readonly last?: { readonly version: string } & StackRun;
}

export interface StageStatus {
  readonly stage: string;
  /** The newest version the whole stage took. */
  readonly version?: string;
  readonly promotedAt?: string;
  /** Seconds of this stage's soak left before the next stage may take `version`. */
  readonly soakLeftSeconds?: number;
  /** Versions that reached this stage's door and wait for `pipeline approve`. */
  readonly awaitingApproval: readonly string[];
  readonly stacks: readonly StackStatus[];
}

export interface PipelineStatus {
  readonly pipeline: string;
  readonly project: string;
  readonly store: string;
  readonly stages: readonly StageStatus[];
  readonly rejected: Readonly<Record<string, Rejection>>;
  readonly approvals: Readonly<Record<string, Readonly<Record<string, Mark>>>>;
}

/** Where every stage and stack stands, from the document (pure; `now` for the soak clocks). */
export function pipelineStatus(
  spec: Pipeline,
  d: PipelineDocument,
  now = new Date(),
): Omit<PipelineStatus, "store" | "project"> {
  const byTime = (a?: string, b?: string) => Date.parse(b ?? "") - Date.parse(a ?? "");
  const versions = Object.keys(d.runs);
  const stages = spec.stages.map((stage, i): StageStatus => {
    const promoted = versions
      .map((v) => ({ v, run: d.runs[v]?.stages[stage.name] }))
      .filter((x) => x.run?.status === "promoted")
      .sort((a, b) => byTime(a.run?.endedAt, b.run?.endedAt));
    const current = promoted[0];
    const next = spec.stages[i + 1];
    const taken = current && next && d.runs[current.v]?.stages[next.name];
    const left =
      current?.run?.endedAt && next && !taken
        ? Date.parse(current.run.endedAt) + stage.soakSeconds * 1000 - now.getTime()
        : 0;
    const prev = spec.stages[i - 1];
    const awaiting = stage.approval
      ? versions.filter(
          (v) =>
            !d.rejected[v] &&
            !d.approvals[v]?.[stage.name] &&
            !d.runs[v]?.stages[stage.name] &&
            (!prev || d.runs[v]?.stages[prev.name]?.status === "promoted"),
        )
      : [];
    const stacks = stage.stacks.map((stack): StackStatus => {
      const runs = versions
        .map((v) => ({ version: v, run: d.runs[v]?.stages[stage.name]?.stacks[stack] }))
        .filter((x): x is { version: string; run: StackRun } => x.run !== undefined)
        .sort((a, b) => byTime(a.run.startedAt, b.run.startedAt));
      const good = runs.find((x) => x.run.status === "promoted" || x.run.status === "kept");
      const last = runs[0];
      return {
        stack,
        ...(good ? { version: good.version } : {}),
        ...(last ? { last: { version: last.version, ...last.run } } : {}),
      };
    });
    return {
      stage: stage.name,
      ...(current ? { version: current.v, promotedAt: current.run?.endedAt as string } : {}),
      ...(left > 0 ? { soakLeftSeconds: Math.ceil(left / 1000) } : {}),
      awaitingApproval: awaiting,
      stacks,
    };
  });
  return { pipeline: spec.name, stages, rejected: d.rejected, approvals: d.approvals };
}

export async function pipelineStatusCommand(t: PipelineTarget = {}): Promise<PipelineStatus> {
  const p = await openPipeline(t);
  return { ...pipelineStatus(p.spec, await p.state.read()), project: p.project, store: p.store.url };
}

const actorOf = (actor?: string) => actor ?? process.env.USER ?? os.userInfo().username;

/** Lets `stage` take `version` (the stage must ask for approval). */
export async function pipelineApprove(
  version: string,
  stage: string,
  t: PipelineTarget & { readonly actor?: string } = {},
): Promise<Mark> {
  checkVersion(version);
  const p = await openPipeline(t);
  const spec = p.spec.stages.find((s) => s.name === stage);
  if (!spec?.approval)
    throw new ReleaseError(
      "usage",
      `--stage (${JSON.stringify(stage)}): ${spec ? "does not ask for approval (approval: true)" : "is not a stage of the pipeline"}; stages asking for approval: ${
        p.spec.stages
          .filter((s) => s.approval)
          .map((s) => s.name)
          .join(", ") || "none"
      }`,
    );
  const mark: Mark = { by: actorOf(t.actor), at: new Date().toISOString() };
  await p.state.update((d) => {
    if (d.rejected[version])
      throw new ReleaseError(
        "rejected",
        `version ${version} is rejected (${d.rejected[version]?.reason}); it cannot be approved`,
      );
    const approved = { ...d.approvals, [version]: { ...d.approvals[version], [stage]: mark } };
    return withEvent({ ...d, approvals: approved }, { type: "approved", version, stage, detail: mark.by });
  });
  return mark;
}

/** Marks `version` bad: no stage takes it again. */
export async function pipelineReject(
  version: string,
  t: PipelineTarget & { readonly actor?: string; readonly reason?: string } = {},
): Promise<Rejection> {
  checkVersion(version);
  const p = await openPipeline(t);
  const rejection: Rejection = {
    by: actorOf(t.actor),
    at: new Date().toISOString(),
    reason: t.reason ?? "rejected by hand",
  };
  await p.state.update((d) =>
    withEvent(
      { ...d, rejected: { ...d.rejected, [version]: d.rejected[version] ?? rejection } },
      { type: "rejected", version, detail: rejection.reason },
    ),
  );
  return rejection;
}
