// The release driver: walks a plan on a real stack through the Automation API. Each traffic change
// is journaled before `up` and verified after it (the outputs must report the weight, versions and
// colour written); a failed check, a reached limit, a deadline or the abort signal reverts: all
// traffic back to the last good state first (verified), then the candidate removed.
import * as os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { abortTraffic, type Outcome, type TrafficState } from "../../components/core";
import type { StackConfig } from "../../stacks/config";
import { defaultStateDir, newReleaseId, ReleaseHistory } from "../history";
import { type AnalysisTarget, knownProviders, runAnalysis } from "./analysis";
import { classifyError, ReleaseError } from "./errors";
import type { DriverEvent, DriverEventInput } from "./events";
import { fastRevert } from "./fast-revert";
import {
  currentOwner,
  type Journal,
  journalFile,
  type ReleasePhase,
  readJournal,
  writeJournal,
} from "./journal";
import { buildPlan, describeAction, type PlanAction, type ReleasePlan } from "./plan";
import { runCommand } from "./preflight";
import { notifiersFrom, Recorder, toCheckRecord } from "./recorder";
import type { ServiceOutputs, StackHandle } from "./stack";

export interface DriverOptions {
  /** Who runs it, for history and notifications. @default $USER */
  readonly actor?: string;
  /** Where journals, history and reports live. @default $PROGRESSIVE_STATE_DIR or ./.state */
  readonly stateDir?: string;
  /** Aborts the release: it reverts (like Ctrl-C in the CLI). @default none */
  readonly signal?: AbortSignal;
  /** Receives every typed progress event. @default none */
  readonly onEvent?: (e: DriverEvent) => void;
  /** The engine's own output of each `up`. @default dropped */
  readonly onOutput?: (s: string) => void;
}

/** How a release call ended. */
export interface ReleaseResult {
  readonly releaseId: string;
  readonly outcome: "promoted" | "reverted" | "paused" | "failed";
  readonly reason?: string;
  readonly timeToRevertMs?: number;
  readonly traffic: TrafficState;
  readonly reports?: { markdown?: string; json?: string };
}

/** Checks that every metric check names a provider this stack has. */
export function checkProviders(plan: ReleasePlan, cfg: StackConfig): void {
  const known = knownProviders(cfg.monitoring.prometheusUrl);
  for (const a of plan.actions) {
    if (a.kind !== "analysis") continue;
    for (const c of a.checks) {
      if (c.kind === "metric" && !known.includes(c.provider)) {
        throw new ReleaseError(
          "config",
          `check "${c.name}" uses metric provider "${c.provider}", which this stack does not have; use one of ${known.map((k) => `"${k}"`).join(", ")}` +
            (c.provider === "prometheus" ? " (set monitoring.prometheusUrl to use Prometheus)" : ""),
        );
      }
    }
  }
}

/** Drives one release of one stack. Create it with the stack, its config and a plan. */
export class ReleaseRun {
  private journal: Journal;
  private readonly file: string;
  private readonly recorder: Recorder;
  private outputs: ServiceOutputs = {};

  constructor(
    private readonly stack: StackHandle,
    private readonly cfg: StackConfig,
    private readonly plan: ReleasePlan,
    private readonly o: DriverOptions,
    journal?: Journal,
    notifyUrls: { slack?: string; webhook?: string } = {},
  ) {
    const stateDir = o.stateDir ?? defaultStateDir();
    this.file = journalFile(stateDir, stack.project, stack.name);
    const now = new Date().toISOString();
    this.journal = journal ?? {
      v: 1,
      releaseId: newReleaseId(),
      project: stack.project,
      stack: stack.name,
      version: plan.version,
      previousVersion: plan.previousVersion,
      strategy: plan.strategy.kind,
      actor: o.actor ?? process.env.USER ?? os.userInfo().username,
      phase: "starting",
      stepIndex: 0,
      lastGood: plan.revertTarget,
      owner: currentOwner(),
      startedAt: now,
      updatedAt: now,
    };
    this.recorder = new Recorder({
      history: new ReleaseHistory({ stateDir }),
      stateDir,
      releaseId: this.journal.releaseId,
      stack: stack.name,
      service: cfg.service.name,
      version: this.journal.version,
      previousVersion: this.journal.previousVersion,
      actor: this.journal.actor,
      strategy: this.journal.strategy,
      notifiers: notifiersFrom(notifyUrls, (level, message) => this.emit({ type: "log", level, message })),
      log: (level, message) => this.emit({ type: "log", level, message }),
    });
  }

  get releaseId(): string {
    return this.journal.releaseId;
  }

  private emit(e: DriverEventInput): void {
    this.o.onEvent?.({ ...e, at: new Date(), releaseId: this.journal.releaseId } as DriverEvent);
  }

  private save(patch: Partial<Journal>): void {
    this.journal = { ...this.journal, ...patch, updatedAt: new Date().toISOString() };
    writeJournal(this.file, this.journal);
  }

  /** Writes the state, runs `up`, and checks the outputs report exactly that state. */
  private async apply(traffic: TrafficState, why: string): Promise<void> {
    this.save({ intended: traffic });
    this.emit({ type: "trafficApplying", traffic, why });
    const started = Date.now();
    await this.stack.writeTraffic(traffic);
    const upStarted = Date.now();
    const { outputs } = await this.stack.up(this.o.onOutput ? { onOutput: this.o.onOutput } : {});
    const upMs = Date.now() - upStarted;
    this.outputs = outputs;
    const wrong: string[] = [];
    if (outputs.stableVersion !== undefined && outputs.stableVersion !== traffic.stableVersion)
      wrong.push(`stableVersion is ${outputs.stableVersion}`);
    if (
      outputs.candidateVersion !== undefined &&
      (outputs.candidateVersion ?? undefined) !== traffic.candidateVersion
    )
      wrong.push(`candidateVersion is ${outputs.candidateVersion}`);
    const effective = outputs.effectiveWeight ?? outputs.candidateWeight;
    if (
      this.plan.strategy.kind === "canary" &&
      effective !== undefined &&
      effective !== traffic.candidateWeight
    )
      wrong.push(`the router sends ${effective}% to the candidate`);
    if (
      traffic.activeColor &&
      outputs.activeColor !== undefined &&
      outputs.activeColor !== traffic.activeColor
    )
      wrong.push(`activeColor is ${outputs.activeColor}`);
    if (wrong.length > 0) {
      throw new ReleaseError(
        "verification",
        `after up, ${wrong.join(", ")}; expected ${JSON.stringify(traffic)}`,
      );
    }
    this.save({ applied: traffic });
    this.emit({
      type: "trafficApplied",
      traffic,
      effectiveWeight: effective ?? traffic.candidateWeight,
      durationMs: Date.now() - started,
      upMs,
    });
  }

  private analysisTarget(action: Extract<PlanAction, { kind: "analysis" }>): AnalysisTarget {
    const applied = this.journal.applied ?? this.plan.revertTarget;
    const header = this.plan.strategy.kind === "canary" ? this.plan.strategy.headerRoute : undefined;
    const base = action.target === "preview" ? this.outputs.previewEndpoint : this.outputs.endpoint;
    return {
      candidate: this.plan.version,
      stable: this.plan.previousVersion,
      candidateWeight: applied.candidateWeight,
      outputs: this.outputs,
      ...(this.cfg.monitoring.prometheusUrl ? { prometheusUrl: this.cfg.monitoring.prometheusUrl } : {}),
      ...(action.target === "candidate" && header ? { candidateHeader: header } : {}),
      ...(base ? { httpBaseUrl: base } : {}),
    };
  }

  /** Runs the release from the journal's step to the end (or a manual pause). */
  async run(): Promise<ReleaseResult> {
    const signal = this.o.signal;
    try {
      if (this.journal.stepIndex === 0 && this.journal.phase === "starting") {
        this.save({});
        await this.recorder.started(new Date(this.journal.startedAt));
        this.emit({
          type: "releaseStarted",
          version: this.plan.version,
          from: this.plan.previousVersion,
          strategy: this.plan.strategy.kind,
        });
        for (const hook of this.cfg.release.hooks.preTraffic) {
          const r = await runCommand(hook.command, {
            cwd: this.stack.workDir,
            timeoutSeconds: hook.timeoutSeconds,
            ...(signal ? { signal } : {}),
          });
          this.emit({ type: "hook", name: hook.name, ok: r.ok, detail: r.detail });
          if (!r.ok) {
            const reason = `pre-traffic hook ${hook.name} failed: ${r.detail}`;
            this.save({ phase: "failed", reason });
            await this.recorder.finished("failed", this.plan.revertTarget, { reason });
            throw new ReleaseError("hook", `${reason}; no traffic moved`);
          }
        }
      }
      this.outputs = await this.stack.outputs();
      const actions = this.plan.actions;
      for (let i = this.journal.stepIndex; i < actions.length; i++) {
        const action = actions[i] as PlanAction;
        signal?.throwIfAborted();
        const started = new Date();
        this.emit({
          type: "stepStarted",
          index: i,
          total: actions.length,
          description: describeAction(action),
        });
        const phase: ReleasePhase =
          action.kind === "deploy"
            ? "deploying"
            : action.kind === "promote" || action.kind === "switch"
              ? "promoting"
              : action.kind === "scaleDown"
                ? "scalingDown"
                : this.journal.phase === "promoting"
                  ? "verifying"
                  : "stepping";
        this.save({ phase, stepIndex: i });
        if (action.kind === "pause" && action.seconds === undefined) {
          this.save({ phase: "paused", stepIndex: i + 1 });
          this.emit({ type: "paused", step: i });
          return {
            releaseId: this.releaseId,
            outcome: "paused",
            traffic: this.journal.applied ?? this.plan.revertTarget,
          };
        }
        if (action.kind === "pause") {
          this.emit({ type: "paused", step: i, until: new Date(Date.now() + (action.seconds ?? 0) * 1000) });
          await sleep((action.seconds ?? 0) * 1000, undefined, { signal });
          await this.recorder.step(i, "pause", started, "passed");
        } else if (action.kind === "analysis") {
          const result = await runAnalysis(action.checks, this.analysisTarget(action), {
            failFast: this.cfg.failFast,
            onMeasurement: (measurement) => this.emit({ type: "checkResult", step: i, measurement }),
            ...(signal ? { signal } : {}),
          });
          const checks = result.measurements.map((m) => toCheckRecord(m, new Date()));
          this.emit({ type: "analysisDone", step: i, outcome: result.outcome, reason: result.reason });
          await this.recorder.step(i, "analysis", started, stepOutcome(result.outcome), {
            weight: this.journal.applied?.candidateWeight ?? 0,
            checks,
          });
          if (result.outcome !== "Successful") {
            return await this.revert(
              `analysis ${result.outcome.toLowerCase()} at step ${i + 1}: ${result.reason}`,
              result.firstFailureAt ?? new Date(),
            );
          }
        } else {
          if (action.kind === "scaleDown" && action.afterSeconds > 0)
            await sleep(action.afterSeconds * 1000, undefined, { signal });
          try {
            await this.apply(action.traffic, describeAction(action));
          } catch (err) {
            if (
              phase === "promoting" &&
              (this.journal.applied?.candidateWeight === 100 || action.kind === "scaleDown")
            ) {
              return await this.promotionFailed(classifyError(err));
            }
            throw err;
          }
          await this.recorder.step(i, action.kind, started, "passed", {
            weight: action.traffic.candidateWeight,
          });
        }
        this.save({ stepIndex: i + 1 });
      }
      for (const hook of this.cfg.release.hooks.postPromotion) {
        const r = await runCommand(hook.command, {
          cwd: this.stack.workDir,
          timeoutSeconds: hook.timeoutSeconds,
        });
        this.emit({ type: "hook", name: hook.name, ok: r.ok, detail: r.detail });
      }
      const traffic = this.journal.applied ?? this.plan.revertTarget;
      this.save({ phase: "succeeded" });
      this.emit({ type: "promoted", version: this.plan.version });
      const reports = await this.recorder.finished("promoted", traffic);
      return { releaseId: this.releaseId, outcome: "promoted", traffic, reports };
    } catch (err) {
      const e = classifyError(err);
      if (e.kind === "hook" || e.kind === "preflight") throw e;
      const reason =
        e.kind === "aborted"
          ? `aborted: ${signal?.reason instanceof Error ? signal.reason.message : "abort signal"}`
          : e.message;
      return await this.revert(reason, new Date());
    }
  }

  /** All traffic back to the last good state first (verified), then the candidate removed. */
  async revert(reason: string, failureAt: Date): Promise<ReleaseResult> {
    this.save({ phase: "reverting", reason, failureAt: this.journal.failureAt ?? failureAt.toISOString() });
    this.emit({ type: "reverting", reason });
    const since = Date.parse(this.journal.failureAt ?? failureAt.toISOString());
    try {
      const applied = this.journal.applied;
      let timeToRevertMs: number | undefined;
      if (
        this.plan.strategy.kind === "canary" &&
        applied?.candidateVersion !== undefined &&
        applied.candidateWeight > 0
      ) {
        const started = new Date();
        // The brake first: the router itself, verified; then the `up` that records it.
        if (!this.outputs.adminEndpoint) this.outputs = await this.stack.outputs().catch(() => this.outputs);
        const brake = await fastRevert(this.outputs, applied.stableVersion, applied.candidateVersion);
        if (brake.applied) {
          timeToRevertMs = Date.now() - since;
          this.emit({
            type: "log",
            level: "info",
            message: "router sends all traffic to stable (written and read back); recording it with up",
          });
        }
        await this.apply(abortTraffic(applied), "revert: all traffic to stable");
        await this.recorder.step(this.journal.stepIndex, "revert", started, "passed", { weight: 0 });
      }
      timeToRevertMs ??= Date.now() - since;
      const started = new Date();
      await this.apply(this.journal.lastGood, "revert: back to the last good state");
      await this.recorder.step(this.journal.stepIndex, "revert", started, "passed", {
        weight: this.journal.lastGood.candidateWeight,
      });
      this.save({ phase: "reverted" });
      this.emit({ type: "reverted", reason, timeToRevertMs });
      const reports = await this.recorder.finished(
        reason.startsWith("aborted") ? "aborted" : "reverted",
        this.journal.lastGood,
        { reason, timeToRevertMs },
      );
      return {
        releaseId: this.releaseId,
        outcome: "reverted",
        reason,
        timeToRevertMs,
        traffic: this.journal.lastGood,
        reports,
      };
    } catch (err) {
      const e = classifyError(err);
      const why = `revert did not complete: ${e.message}`;
      this.save({ phase: "failed", reason: `${reason}; ${why}` });
      this.emit({ type: "failed", reason: `${reason}; ${why}` });
      await this.recorder.finished("failed", this.journal.applied ?? this.journal.lastGood, {
        reason: `${reason}; ${why}`,
      });
      throw new ReleaseError(
        e.kind === "locked" ? "locked" : "engine",
        `${why}; run progressive status, then progressive abort to retry the revert`,
        err,
      );
    }
  }

  /**
   * Promotion failed after all traffic went to the verified candidate: keep (re-apply) the last
   * verified state rather than send traffic anywhere unverified; `resume` retries, `abort` reverts.
   */
  private async promotionFailed(e: ReleaseError): Promise<ReleaseResult> {
    const keep = this.journal.applied ?? this.journal.lastGood;
    let reason = `promotion failed: ${e.message}; traffic stays on the verified ${keep.candidateWeight === 100 ? keep.candidateVersion : keep.stableVersion}`;
    try {
      await this.apply(keep, "promotion failed: keep the last verified state");
    } catch (again) {
      reason += `; re-applying it also failed: ${classifyError(again).message}`;
    }
    this.save({ phase: "failed", reason, promotionFailed: true });
    this.emit({ type: "failed", reason });
    await this.recorder.finished("failed", keep, { reason });
    return { releaseId: this.releaseId, outcome: "failed", reason, traffic: keep };
  }
}

function stepOutcome(o: Outcome): "passed" | "failed" | "inconclusive" | "error" {
  return o === "Successful"
    ? "passed"
    : o === "Failed"
      ? "failed"
      : o === "Inconclusive"
        ? "inconclusive"
        : "error";
}

/** Reads the stack's current journal (undefined when it never had a release). */
export function loadJournal(stack: StackHandle, stateDir?: string): Journal | undefined {
  return readJournal(journalFile(stateDir ?? defaultStateDir(), stack.project, stack.name));
}

/** The plan of releasing `version` on a stack, validated (providers, same version). */
export function planRelease(stack: StackHandle, cfg: StackConfig, version: string): ReleasePlan {
  const plan = buildPlan(stack.name, cfg.strategy, cfg.traffic, version);
  checkProviders(plan, cfg);
  return plan;
}
