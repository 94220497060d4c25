// One stage of a pipeline run: its wave of stacks in batches of `maxParallel` released at once (the
// next batch starts when the whole batch took the version), each through the driver's normal
// release; the first failure aborts the releases in flight (they revert) and the stacks that took
// the version are rolled back (the driver's rollback) or kept.
import { releaseCommand, rollbackCommand } from "../driver/commands";
import { classifyError } from "../driver/errors";
import { StackHandle } from "../driver/stack";
import type { DriverOptions } from "../driver/types";
import type { OpenedPipeline, PipelineTarget } from "./context";
import {
  type PipelineDocument,
  type ServiceRun,
  type StackRun,
  withEvent,
  withStack,
  withStage,
} from "./document";
import type { PipelineStage } from "./spec";

export interface PromoteOptions extends PipelineTarget, Omit<DriverOptions, "stateDir" | "stateStore"> {
  /** The longest soak left that the command waits out; a longer one returns "waiting". @default 15 minutes */
  readonly maxSoakWaitMs?: number;
  /** Told each pipeline event as it is recorded. @default none */
  readonly onPipelineEvent?: (line: string) => void;
}

/** One `pipeline promote` of one version: where it records what happens, and how it calls the driver. */
export class PipelineRun {
  constructor(
    readonly p: OpenedPipeline,
    readonly version: string,
    readonly o: PromoteOptions & { readonly signal: AbortSignal },
  ) {}

  async record(change: (d: PipelineDocument) => PipelineDocument): Promise<PipelineDocument> {
    return this.p.state.update(change);
  }

  async event(d: Omit<Parameters<typeof withEvent>[1], "version">): Promise<PipelineDocument> {
    this.o.onPipelineEvent?.(
      `${d.type}${d.stage ? ` ${d.stage}` : ""}${d.stack ? `/${d.stack}` : ""}${d.detail ? `: ${d.detail}` : ""}`,
    );
    return this.record((doc) => withEvent(doc, { ...d, version: this.version }));
  }

  driverOptions(signal: AbortSignal): DriverOptions {
    const o = this.o;
    return {
      signal,
      ...(o.stateDir ? { stateDir: o.stateDir } : {}),
      ...(o.stateStore ? { stateStore: o.stateStore } : {}),
      ...(o.actor ? { actor: o.actor } : {}),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      ...(o.onOutput ? { onOutput: o.onOutput } : {}),
    };
  }
}

/** Runs one stage's wave; `run` returns why it failed, or undefined when every stack took the version. */
export class Wave {
  private readonly version: string;
  private readonly p: OpenedPipeline;

  constructor(
    private readonly r: PipelineRun,
    private readonly stage: PipelineStage,
  ) {
    this.version = r.version;
    this.p = r.p;
  }

  async run(doc: PipelineDocument): Promise<string | undefined> {
    const stage = this.stage;
    const before = doc.runs[this.version]?.stages[stage.name];
    await this.r.record((d) =>
      withStage(d, this.version, stage.name, (s) => ({
        status: "running",
        startedAt: new Date().toISOString(),
        stacks: s?.stacks ?? {},
      })),
    );
    await this.r.event({ type: "stageStarted", stage: stage.name });
    const wave = new AbortController();
    const onAbort = () => wave.abort(this.r.o.signal.reason);
    this.r.o.signal.addEventListener("abort", onAbort);
    const todo = stage.stacks.filter((s) => before?.stacks[s]?.status !== "promoted");
    let failure: { stack: string; reason: string; rejects: boolean } | undefined;
    const one = async (stack: string) => {
      const ended = await this.runStack(stage, stack, wave.signal);
      if (ended.status === "failed" && !failure) {
        failure = { stack, reason: ended.reason ?? "failed", rejects: ended.rejects };
        wave.abort(new Error(`pipeline stopped: ${stack} failed`));
      }
    };
    try {
      // In batches of maxParallel: no stack takes the version while a sibling's verdict is unknown.
      for (let i = 0; i < todo.length && !failure && !wave.signal.aborted; i += stage.maxParallel)
        await Promise.all(todo.slice(i, i + stage.maxParallel).map(one));
    } finally {
      this.r.o.signal.removeEventListener("abort", onAbort);
    }
    if (!failure && this.r.o.signal.aborted) failure = { stack: "-", reason: "aborted", rejects: false };
    if (!failure) {
      await this.r.record((d) =>
        withStage(d, this.version, stage.name, (s) => ({
          ...(s as NonNullable<typeof s>),
          status: "promoted",
          endedAt: new Date().toISOString(),
        })),
      );
      await this.r.event({ type: "stageEnded", stage: stage.name, detail: "promoted" });
      return undefined;
    }
    const f = failure;
    const reason = `${f.stack}: ${f.reason}`;
    await this.settleWave(stage);
    await this.r.record((d) => {
      const ended = withStage(d, this.version, stage.name, (s) => ({
        ...(s as NonNullable<typeof s>),
        status: "failed",
        endedAt: new Date().toISOString(),
        reason,
      }));
      if (!f.rejects) return ended;
      const rejection = {
        by: "pipeline",
        at: new Date().toISOString(),
        reason: `reverted by its checks on ${reason}`,
        stage: stage.name,
        stack: f.stack,
      };
      return withEvent(
        { ...ended, rejected: { ...ended.rejected, [this.version]: rejection } },
        {
          type: "rejected",
          version: this.version,
          stage: stage.name,
          stack: f.stack,
          detail: rejection.reason,
        },
      );
    });
    await this.r.event({ type: "stageEnded", stage: stage.name, detail: `failed: ${reason}` });
    return reason;
  }

  /** Releases the version on each service of one stack, in order; the first that fails ends it. */
  private async runStack(
    stage: PipelineStage,
    stack: string,
    signal: AbortSignal,
  ): Promise<{ status: StackRun["status"]; reason?: string; rejects: boolean }> {
    const startedAt = new Date().toISOString();
    const put = (run: Omit<StackRun, "startedAt">) =>
      this.r.record((d) => withStack(d, this.version, stage.name, stack, () => ({ startedAt, ...run })));
    await put({ status: "running", services: {} });
    await this.r.event({ type: "stackStarted", stage: stage.name, stack });
    const services: Record<string, ServiceRun> = {};
    let ended: { status: StackRun["status"]; reason?: string; rejects: boolean } = {
      status: "promoted",
      rejects: false,
    };
    try {
      const names = stage.services ?? (await listServices(this.p.stack(stack)));
      for (const service of names) {
        const run = await this.release(stack, service, signal);
        services[service] = run;
        if (run.outcome === "promoted" || run.outcome === "already") continue;
        const why = `${service} ${run.outcome}${run.reason ? `: ${run.reason}` : ""}`;
        // A release the pipeline itself aborted (another stack failed) is stopped, not the failure.
        ended = signal.aborted
          ? { status: "stopped", reason: why, rejects: false }
          : { status: "failed", reason: why, rejects: run.outcome === "reverted" };
        break;
      }
    } catch (err) {
      const e = classifyError(err);
      ended = {
        status: signal.aborted ? "stopped" : "failed",
        reason: `${e.kind}: ${e.message}`,
        rejects: false,
      };
    }
    await put({
      status: ended.status,
      endedAt: new Date().toISOString(),
      ...(ended.reason ? { reason: ended.reason } : {}),
      services,
    });
    await this.r.event({ type: "stackEnded", stage: stage.name, stack, detail: ended.status });
    return ended;
  }

  private async release(stack: string, service: string, signal: AbortSignal): Promise<ServiceRun> {
    const approved = Boolean(this.p.spec.stages.find((s) => s.stacks.includes(stack))?.approval);
    try {
      const r = await releaseCommand(this.p.stack(stack, service), this.version, {
        ...this.r.driverOptions(signal),
        // The stack's own approval gate is met by the pipeline stage's approval, never implicitly.
        approve: approved,
      });
      return { outcome: r.outcome, releaseId: r.releaseId, ...(r.reason ? { reason: r.reason } : {}) };
    } catch (err) {
      const e = classifyError(err);
      if (e.kind === "sameVersion") return { outcome: "already", reason: e.message };
      throw e;
    }
  }

  /** After a failure: the wave's stacks that took the version are rolled back (or kept). */
  private async settleWave(stage: PipelineStage): Promise<void> {
    const run = (await this.p.state.read()).runs[this.version]?.stages[stage.name];
    for (const [stack, s] of Object.entries(run?.stacks ?? {})) {
      // Stacks settled by an earlier run's failure (rolled back, kept) are not this run's to settle.
      if (!["promoted", "stopped", "failed"].includes(s.status)) continue;
      const took = Object.entries(s.services).filter(([, r]) => r.outcome === "promoted");
      if (took.length === 0) continue;
      if (stage.onFailure === "keep") {
        await this.setStack(stage, stack, s, "kept", "kept (onFailure: keep)");
        continue;
      }
      const problems: string[] = [];
      for (const [service] of took) {
        try {
          const r = await rollbackCommand(
            this.p.stack(stack, service),
            this.r.driverOptions(new AbortController().signal),
          );
          if (r.outcome !== "promoted")
            problems.push(`${service}: rollback ${r.outcome}${r.reason ? `: ${r.reason}` : ""}`);
        } catch (err) {
          problems.push(`${service}: ${classifyError(err).message}`);
        }
      }
      await this.setStack(
        stage,
        stack,
        s,
        problems.length ? "rollbackFailed" : "rolledBack",
        problems.join("; ") || "rolled back",
      );
    }
  }

  private async setStack(
    stage: PipelineStage,
    stack: string,
    s: StackRun,
    status: StackRun["status"],
    why: string,
  ) {
    await this.r.record((d) =>
      withStack(d, this.version, stage.name, stack, () => ({ ...s, status, reason: why })),
    );
    await this.r.event({ type: "stackEnded", stage: stage.name, stack, detail: `${status}: ${why}` });
  }
}

/** Every service of a stack (its components' Pulumi names), from its state. */
async function listServices(target: Parameters<typeof StackHandle.open>[0]): Promise<string[]> {
  const handle = await StackHandle.open(target);
  return (await handle.services()).map((s) => s.release.name);
}
