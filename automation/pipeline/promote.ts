// `pipeline promote <version>`: the version taken stage by stage. Each stack's release is the
// driver's normal release (its own strategy, checks, gates, policy, leases); a stage is a wave of
// stacks, at most `maxParallel` at once; the first failure stops the wave (releases in flight are
// aborted, so they revert) and the stacks that took the version are rolled back or kept. Soak and
// approval make the command wait (a soak of up to `maxSoakWaitMs`) or return "waiting": it is
// resumable, since the store holds what is where.

import { formatDuration } from "../../components/core";
import { ReleaseError } from "../driver/errors";
import { heldError } from "../driver/state";
import { acquireLease, type Lease } from "../store/leases";
import type { LeaseBackend } from "../store/object-store";
import { checkVersion, openPipeline } from "./context";
import { type PipelineDocument, type PipelineState, pipelineLeaseKey } from "./document";
import type { PipelineStage } from "./spec";
import { PipelineRun, type PromoteOptions, Wave } from "./wave";

export type { PromoteOptions };

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
  const { lease, doc } = await beginPromote(p.state, p.store.leases, version);
  const stop = new AbortController();
  const onAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onAbort);
  lease.keepAlive((reason) => stop.abort(new Error(`the pipeline's lease was lost: ${reason}`)));
  try {
    return await new Promoter(p, version, { ...o, signal: stop.signal }).run(doc);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    await lease.release();
  }
}

/**
 * Takes the pipeline's lease (a `promote` running anywhere is refused, exit 5, naming it) and
 * refuses a rejected version (exit 7, giving the lease back). The caller releases the lease.
 */
export async function beginPromote(
  state: PipelineState,
  leases: LeaseBackend,
  version: string,
): Promise<{ readonly lease: Lease; readonly doc: PipelineDocument }> {
  const key = pipelineLeaseKey(state.project, state.pipeline);
  const got = await acquireLease(leases, key, `pipeline promote ${version} of ${state.pipeline}`);
  if ("heldBy" in got)
    throw heldError(`pipeline ${state.pipeline}`, got.heldBy, "wait for that pipeline promote to finish");
  try {
    const doc = await state.read();
    const rejected = doc.rejected[version];
    if (rejected)
      throw new ReleaseError(
        "rejected",
        `version ${version} was rejected by ${rejected.by} at ${rejected.at}: ${rejected.reason}; no stage takes it again: promote another version`,
      );
    return { lease: got.lease, doc };
  } catch (err) {
    await got.lease.release();
    throw err;
  }
}

class Promoter extends PipelineRun {
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
      const failed = await new Wave(this, stage).run(doc);
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
