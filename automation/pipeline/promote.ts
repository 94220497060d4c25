// `pipeline promote <version>`: the version taken stage by stage. Each stack's release is the
// driver's normal release (its own strategy, checks, gates, policy, leases); a stage is a wave of
// stacks, at most `maxParallel` at once; the first failure stops the wave (releases in flight are
// aborted, so they revert) and the stacks that took the version are rolled back or kept. Soak and
// approval make the command wait (a soak of up to `maxSoakWaitMs`) or return "waiting": it is
// resumable, since the store holds what is where.

import { formatDuration } from "../../components/core";
import { releaseCommand, rollbackCommand } from "../driver/commands";
import { classifyError, ReleaseError } from "../driver/errors";
import { StackHandle } from "../driver/stack";
import { heldError } from "../driver/state";
import type { DriverOptions } from "../driver/types";
import { acquireLease } from "../store/leases";
import { checkVersion, type OpenedPipeline, openPipeline, type PipelineTarget } from "./context";
import {
  type PipelineDocument,
  pipelineLeaseKey,
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

export interface PromoteResult {
  readonly version: string;
  /** promoted: every stage took it; waiting: for a soak or an approval (run again); failed: a wave failed. */
  readonly outcome: "promoted" | "waiting" | "failed";
  readonly reason?: string;
  /** The stage that waits or failed. */
  readonly stage?: string;
  /** When a waiting soak ends: run `pipeline promote` again then. */
  readonly retryAt?: string;
}

/** The default longest soak the command waits out before it returns "waiting" instead. */
export const DEFAULT_MAX_SOAK_WAIT_MS = 15 * 60_000;

export async function pipelinePromote(version: string, o: PromoteOptions = {}): Promise<PromoteResult> {
  checkVersion(version);
  const p = await openPipeline(o);
  const leaseKey = pipelineLeaseKey(p.project, p.spec.name);
  const got = await acquireLease(p.store.leases, leaseKey, `pipeline promote ${version} of ${p.spec.name}`);
  if ("heldBy" in got)
    throw heldError(`pipeline ${p.spec.name}`, got.heldBy, "wait for that pipeline promote to finish");
  const stop = new AbortController();
  const onAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onAbort);
  got.lease.keepAlive((reason) => stop.abort(new Error(`the pipeline's lease was lost: ${reason}`)));
  try {
    const doc = await p.state.read();
    const rejected = doc.rejected[version];
    if (rejected)
      throw new ReleaseError(
        "rejected",
        `version ${version} was rejected by ${rejected.by} at ${rejected.at}: ${rejected.reason}; no stage takes it again: promote another version`,
      );
    return await new Promoter(p, version, { ...o, signal: stop.signal }).run(doc);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    await got.lease.release();
  }
}

class Promoter {
  constructor(
    private readonly p: OpenedPipeline,
    private readonly version: string,
    private readonly o: PromoteOptions & { readonly signal: AbortSignal },
  ) {}

  private async record(change: (d: PipelineDocument) => PipelineDocument): Promise<PipelineDocument> {
    return this.p.state.update(change);
  }

  private async event(d: Omit<Parameters<typeof withEvent>[1], "version">): Promise<PipelineDocument> {
    this.o.onPipelineEvent?.(
      `${d.type}${d.stage ? ` ${d.stage}` : ""}${d.stack ? `/${d.stack}` : ""}${d.detail ? `: ${d.detail}` : ""}`,
    );
    return this.record((doc) => withEvent(doc, { ...d, version: this.version }));
  }

  async run(start: PipelineDocument): Promise<PromoteResult> {
    let doc = start;
    const stages = this.p.spec.stages;
    for (const [i, stage] of stages.entries()) {
      const runs = doc.runs[this.version]?.stages ?? {};
      if (runs[stage.name]?.status === "promoted") continue;
      const prev = i > 0 ? (stages[i - 1] as PipelineStage) : undefined;
      const prevEnd = prev && runs[prev.name]?.endedAt;
      if (prev && prevEnd) {
        const left = Date.parse(prevEnd) + prev.soakSeconds * 1000 - Date.now();
        if (left > 0) {
          const retryAt = new Date(Date.now() + left).toISOString();
          const detail = `${prev.name} soaks until ${retryAt}`;
          if (left > (this.o.maxSoakWaitMs ?? DEFAULT_MAX_SOAK_WAIT_MS)) {
            await this.event({ type: "waiting", stage: stage.name, detail });
            return this.waiting(stage, `${detail}; run pipeline promote ${this.version} again then`, retryAt);
          }
          await this.event({
            type: "soaking",
            stage: stage.name,
            detail: `${detail} (${formatDuration(left / 1000)} left)`,
          });
          await sleep(left, this.o.signal);
        }
      }
      if (stage.approval && !doc.approvals[this.version]?.[stage.name]) {
        await this.event({ type: "waiting", stage: stage.name, detail: "approval" });
        return this.waiting(
          stage,
          `stage ${stage.name} waits for approval: progressive pipeline approve ${this.version} --stage ${stage.name}, then pipeline promote ${this.version} again`,
        );
      }
      const failed = await this.runStage(stage, doc);
      doc = await this.p.state.read();
      if (failed) return { version: this.version, outcome: "failed", stage: stage.name, reason: failed };
    }
    return { version: this.version, outcome: "promoted" };
  }

  private waiting(stage: PipelineStage, reason: string, retryAt?: string): PromoteResult {
    return {
      version: this.version,
      outcome: "waiting",
      stage: stage.name,
      reason,
      ...(retryAt ? { retryAt } : {}),
    };
  }

  /** Runs one wave; returns why it failed, or undefined when every stack took the version. */
  private async runStage(stage: PipelineStage, doc: PipelineDocument): Promise<string | undefined> {
    const before = doc.runs[this.version]?.stages[stage.name];
    await this.record((d) =>
      withStage(d, this.version, stage.name, (s) => ({
        status: "running",
        startedAt: new Date().toISOString(),
        stacks: s?.stacks ?? {},
      })),
    );
    await this.event({ type: "stageStarted", stage: stage.name });
    const wave = new AbortController();
    const onAbort = () => wave.abort(this.o.signal.reason);
    this.o.signal.addEventListener("abort", onAbort);
    const queue = stage.stacks.filter((s) => before?.stacks[s]?.status !== "promoted");
    let failure: { stack: string; reason: string; rejects: boolean } | undefined;
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (failure || wave.signal.aborted) break;
        const ended = await this.runStack(stage, next, wave.signal);
        if (ended.status === "failed" && !failure) {
          failure = { stack: next, reason: ended.reason ?? "failed", rejects: ended.rejects };
          wave.abort(new Error(`pipeline stopped: ${next} failed`));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(stage.maxParallel, queue.length) }, worker));
    } finally {
      this.o.signal.removeEventListener("abort", onAbort);
    }
    if (!failure && this.o.signal.aborted) failure = { stack: "-", reason: "aborted", rejects: false };
    if (!failure) {
      await this.record((d) =>
        withStage(d, this.version, stage.name, (s) => ({
          ...(s as NonNullable<typeof s>),
          status: "promoted",
          endedAt: new Date().toISOString(),
        })),
      );
      await this.event({ type: "stageEnded", stage: stage.name, detail: "promoted" });
      return undefined;
    }
    const f = failure;
    const reason = `${f.stack}: ${f.reason}`;
    await this.settleWave(stage);
    await this.record((d) => {
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
    await this.event({ type: "stageEnded", stage: stage.name, detail: `failed: ${reason}` });
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
      this.record((d) => withStack(d, this.version, stage.name, stack, () => ({ startedAt, ...run })));
    await put({ status: "running", services: {} });
    await this.event({ type: "stackStarted", stage: stage.name, stack });
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
    await this.event({ type: "stackEnded", stage: stage.name, stack, detail: ended.status });
    return ended;
  }

  private async release(stack: string, service: string, signal: AbortSignal): Promise<ServiceRun> {
    const approved = Boolean(this.p.spec.stages.find((s) => s.stacks.includes(stack))?.approval);
    try {
      const r = await releaseCommand(this.p.stack(stack, service), this.version, {
        ...this.driverOptions(signal),
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

  private driverOptions(signal: AbortSignal): DriverOptions {
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

  /** After a failure: the wave's stacks that took the version are rolled back (or kept). */
  private async settleWave(stage: PipelineStage): Promise<void> {
    const run = (await this.p.state.read()).runs[this.version]?.stages[stage.name];
    for (const [stack, s] of Object.entries(run?.stacks ?? {})) {
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
            this.driverOptions(new AbortController().signal),
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
    await this.record((d) =>
      withStack(d, this.version, stage.name, stack, () => ({ ...s, status, reason: why })),
    );
    await this.event({ type: "stackEnded", stage: stage.name, stack, detail: `${status}: ${why}` });
  }
}

/** Every service of a stack (its components' Pulumi names), from its state. */
async function listServices(target: Parameters<typeof StackHandle.open>[0]): Promise<string[]> {
  const handle = await StackHandle.open(target);
  return (await handle.services()).map((s) => s.release.name);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
