// The release driver: walks a plan on a real stack through the Automation API. Each traffic change
// is journaled before `up` and verified after it (the outputs must report the weight, versions and
// colour written); a failed check, a reached limit, a deadline or the abort signal reverts: all
// traffic back to the last good state first (verified), then the candidate removed.
import * as os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { abortTraffic, type TrafficState } from "../../components/core";
import { newReleaseId } from "../history";
import { releaseModeOf } from "../platforms";
import type { RouterControl } from "../routers/types";
import { describeHolder, type Lease } from "../store/leases";
import { type AnalysisTarget, runAnalysis } from "./analysis";
import { writeAndUp } from "./apply";
import {
  readBackDifferences,
  STEP_LOCK_TIMEOUT_MS,
  trafficDifferences,
  trafficNotTaken,
} from "./contract-check";
import { classifyError, ReleaseError } from "./errors";
import type { DriverEvent, DriverEventInput } from "./events";
import { type HookRun, runHooks } from "./hooks";
import { currentOwner, type Journal, type ReleasePhase } from "./journal";
import { planLoad, withLoad } from "./load";
import { describeAction, type PlanAction, type ReleasePlan, strategyDifference } from "./plan";
import { notifiersFrom, Recorder, stepOutcome, toCheckRecord } from "./recorder";
import { controlOf } from "./release-plan";
import { retireTakenOut } from "./retire";
import { RunJournal, Stopped } from "./run-journal";
import type { ReleaseSettings } from "./settings";
import type { StackHandle, StackService, TrafficEntry } from "./stack";
import { isReleaseOutputs } from "./stack-state";
import { type StackState } from "./state";
import type { DriverOptions, ReleaseMode, ReleaseResult, ReleaseTarget, StoredJournal } from "./types";

export type { DriverOptions, ReleaseResult, ReleaseTarget, StoredJournal } from "./types";

/** Drives one release of one service. Create it with the target, a plan and the options. */
export class ReleaseRun {
  /** The release's journal in the store, and the stop it causes when it is taken or cannot be written. */
  private readonly log: RunJournal;
  private readonly state: StackState;
  /** The caller's signal, or an abort asked through the journal, or a lost lease. */
  private readonly signal: AbortSignal;
  /** The service's lease the command holds, renewed while the run goes on. */
  private readonly lease: Lease | undefined;
  private readonly recorder: Recorder;
  private readonly stack: StackHandle;
  private readonly settings: ReleaseSettings;
  private service: StackService;
  /** The control of the router as the last `up` described it (Container Apps revisions change with each version). */
  private control: { readonly descriptor: string; readonly router: RouterControl };
  private readonly controlFor: (t: ReleaseTarget) => RouterControl;
  /** Whether the last traffic change was read back from the router. */
  private lastVerified = false;
  /** Why the last traffic change could not be read back. */
  private lastUnverifiedReason: string | undefined;
  /**
   * Set while reverting: the revert runs to its end after the caller's abort (Ctrl-C), so its
   * read-backs get their own deadline instead of the cancelled signal.
   */
  private reverting = false;
  /** Whether the release said that an `up` deployed another strategy than its plan's. */
  private strategyChangeSaid = false;
  /** Set for services whose platform moves the traffic itself (the platform module's release mode). */
  private readonly mode: ReleaseMode | undefined;

  /**
   * `from.resumed`: the journal of a release cut short, when this run continues it; `from.replaces`:
   * the version of the service's last (finished) journal a new release replaces, null when there
   * is none. `from.lease`: the service's lease the command holds; the run renews it and stops
   * (without touching traffic) when it is lost. `from.control` makes the router's control (tests
   * pass one over a fake cloud client; default {@link controlOf}).
   */
  constructor(
    target: ReleaseTarget,
    private readonly plan: ReleasePlan,
    private readonly o: DriverOptions,
    from: {
      readonly resumed?: StoredJournal;
      readonly replaces?: string | null;
      readonly lease?: Lease;
      readonly control?: (t: ReleaseTarget) => RouterControl;
    } = {},
  ) {
    const resumed = from.resumed;
    this.lease = from.lease;
    this.stack = target.stack;
    this.settings = target.settings;
    this.service = target.service;
    this.state = target.state;
    this.controlFor = from.control ?? controlOf;
    this.control = {
      descriptor: JSON.stringify(target.service.release.router),
      router: this.controlFor(target),
    };
    const stack = target.stack;
    const name = target.service.release.name;
    const now = new Date().toISOString();
    const journal: Journal = resumed?.journal ?? {
      v: 1,
      releaseId: newReleaseId(),
      project: stack.project,
      stack: stack.name,
      service: name,
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
    this.log = new RunJournal(
      this.state,
      journal,
      resumed?.version ?? from.replaces ?? null,
      () => this.reverting,
    );
    this.signal = o.signal ? AbortSignal.any([o.signal, this.log.signal]) : this.log.signal;
    this.recorder = new Recorder({
      store: target.state.store,
      releaseId: this.journal.releaseId,
      stack: stack.key,
      service: name,
      version: this.journal.version,
      previousVersion: this.journal.previousVersion,
      actor: this.journal.actor,
      strategy: this.journal.strategy,
      notifiers: notifiersFrom(target.settings.notify, (level, message) =>
        this.emit({ type: "log", level, message }),
      ),
      log: (level, message) => this.emit({ type: "log", level, message }),
    });
    this.mode = releaseModeOf(target, plan, o, {
      journal: () => this.journal,
      save: (patch) => this.save(patch),
      emit: (e) => this.emit(e),
      recorder: this.recorder,
      withStepLease: (what, fn) => this.withStepLease(what, fn),
      signal: this.signal,
      runAnalysis,
    });
  }

  private get journal(): Journal {
    return this.log.current;
  }

  private save(patch: Partial<Journal>): Promise<void> {
    return this.log.save(patch);
  }

  private get stopped(): string | undefined {
    return this.log.stopped;
  }

  private stoppedError(): ReleaseError {
    return this.log.stoppedError(this.service.release.name);
  }

  get releaseId(): string {
    return this.journal.releaseId;
  }

  /** The service's router control, made again when an `up` registered another descriptor. */
  private get router(): RouterControl {
    const descriptor = JSON.stringify(this.service.release.router);
    if (descriptor !== this.control.descriptor) {
      const target = { stack: this.stack, service: this.service, settings: this.settings, state: this.state };
      this.control = { descriptor, router: this.controlFor(target) };
    }
    return this.control.router;
  }

  private emit(e: DriverEventInput): void {
    this.o.onEvent?.({ ...e, at: new Date(), releaseId: this.journal.releaseId } as DriverEvent);
  }

  /** Where the release hooks run; `signal` stops a pre-traffic hook. */
  private hookRun(signal?: AbortSignal): HookRun {
    return { settings: this.settings, cwd: this.stack.workDir, emit: (e) => this.emit(e), signal };
  }

  /** Runs `fn` holding the stack's step lease (waiting for another driver's step), renewed meanwhile. */
  private async withStepLease<T>(what: string, fn: () => Promise<T>): Promise<T> {
    // A revert waits for the stack even when the release was aborted: the abort is what it answers.
    const got = await this.state.waitFor(this.state.stepLease, what, {
      timeoutMs: STEP_LOCK_TIMEOUT_MS,
      ...(this.reverting ? {} : { signal: this.signal }),
      onWait: (h) =>
        this.emit({
          type: "log",
          level: "info",
          message: `waiting for stack ${this.stack.name}: ${describeHolder(h.holder)} is changing it`,
        }),
    });
    if ("heldBy" in got) {
      throw new ReleaseError(
        "locked",
        `stack ${this.stack.name} was held for ${STEP_LOCK_TIMEOUT_MS / 60_000} minutes by ${describeHolder(got.heldBy.holder)}; wait for it to finish`,
      );
    }
    // Pulumi's own stack lock guards the `up`; the lease only keeps other drivers' steps out.
    got.lease.keepAlive(() => undefined);
    try {
      return await fn();
    } finally {
      await got.lease.release();
    }
  }

  /**
   * Writes the service's traffic entry, runs `up`, checks the component took exactly that state
   * (its `release` output), then reads the router back: "verified" only when the router itself
   * reports the weight (or colour); a router that cannot be read is "unverified", with why.
   */
  private async apply(traffic: TrafficEntry, why: string): Promise<void> {
    await this.save({ intended: traffic });
    this.emit({ type: "trafficApplying", traffic, why });
    const started = Date.now();
    await this.activate(traffic);
    const name = this.service.release.name;
    const host = { withStepLease: this.withStepLease.bind(this), journal: () => this.journal };
    const { result: stepOutputs, upMs } = await writeAndUp({ host, stack: this.stack, name }, traffic, () => {
      const targets = this.weightOnlyTargets(traffic);
      return this.stack.step({
        ...(targets ? { targets } : {}),
        ...(this.o.onOutput ? { onOutput: this.o.onOutput } : {}),
      });
    });
    // The component's `release` as the `up` registered it; a `stack export` when the event log
    // did not say (an SDK without the command runner, or an event the engine did not write).
    const registered = stepOutputs.get(this.service.urn)?.release;
    this.service =
      isReleaseOutputs(registered) && registered.name === name
        ? { ...this.service, release: registered }
        : await this.stack.service(name);
    const changed = strategyDifference(this.plan.strategy, this.service.release.strategy);
    if (changed && !this.strategyChangeSaid) {
      this.strategyChangeSaid = true;
      this.emit({
        type: "log",
        level: "warn",
        message: `this up deployed a strategy that differs from the one this release follows (${changed}); the release keeps its plan, the next release follows the new strategy`,
      });
    }
    const wrong = trafficDifferences(this.service.release.traffic, traffic);
    if (wrong.length > 0) throw trafficNotTaken(this.service, wrong.join(", "), traffic);
    const reading = await this.router.read(traffic, this.reverting ? undefined : this.signal);
    const notRead = readBackDifferences(this.plan.strategy.kind, reading, traffic);
    if (notRead) throw notRead;
    await this.save({ applied: traffic });
    this.lastVerified = reading.verified;
    this.lastUnverifiedReason = reading.verified ? undefined : reading.reason;
    this.emit({
      type: "trafficApplied",
      traffic,
      effectiveWeight: reading.verified ? reading.candidateWeight : traffic.candidateWeight,
      verified: reading.verified,
      ...(reading.verified ? {} : { unverifiedReason: reading.reason }),
      durationMs: Date.now() - started,
      upMs,
    });
  }

  /**
   * Before an `up` that brings versions in: the router starts again what a past release stopped
   * there (a deactivated Container Apps revision), so no traffic goes to what cannot answer.
   */
  private async activate(traffic: TrafficEntry): Promise<void> {
    const last = this.journal.applied;
    const same =
      last?.stableVersion === traffic.stableVersion && last.candidateVersion === traffic.candidateVersion;
    if (!this.router.activate || same) return;
    const r = await this.router.activate(traffic, this.reverting ? undefined : this.signal);
    for (const what of r.started)
      this.emit({
        type: "log",
        level: "info",
        message: `${what} runs again (a past release had stopped it)`,
      });
    if (r.applied) return;
    if (!this.reverting) throw new ReleaseError("verification", `${r.reason}; no traffic was moved to it`);
    this.emit({ type: "log", level: "warn", message: `${r.reason}; the revert goes on` });
  }

  /**
   * Once the release has settled: the router stops what `version` left running. Never changes how
   * the release ended; only Ctrl-C cuts it short (not the one that asked for a revert it ends).
   */
  private async retire(version: string): Promise<void> {
    const signal = this.o.signal?.aborted ? undefined : this.o.signal;
    await retireTakenOut(this.router, [version], signal, {
      log: (level, message) => this.emit({ type: "log", level, message }),
      record: (outcome, note, started) =>
        this.recorder.step(this.journal.stepIndex, "retire", started, outcome, { note }),
    });
  }

  /**
   * When `next` differs from the state last verified only in its weight, the resources the `up`
   * must change are the ones that hold the weight (the release contract's `trafficUrns`) and the
   * component itself (its `release` output); other services and this service's instances keep
   * their state, and the engine skips their Check and Diff. Any other change (a version, a colour,
   * idle replicas) is a full `up`. A component that names no traffic resources gets full `up`s.
   */
  private weightOnlyTargets(next: TrafficEntry): string[] | undefined {
    const urns = this.service.release.trafficUrns ?? [];
    const last = this.journal.applied as TrafficEntry | undefined;
    if (urns.length === 0 || !last || !this.service.urn) return undefined;
    const same =
      last.stableVersion === next.stableVersion &&
      last.candidateVersion === next.candidateVersion &&
      last.activeColor === next.activeColor &&
      last.idleReplicas === next.idleReplicas;
    return same && last.candidateWeight !== next.candidateWeight ? [this.service.urn, ...urns] : undefined;
  }

  private analysisTarget(action: Extract<PlanAction, { kind: "analysis" }>): AnalysisTarget {
    const applied = this.journal.applied ?? this.plan.revertTarget;
    const header = this.plan.strategy.kind === "canary" ? this.plan.strategy.headerRoute : undefined;
    const release = this.service.release;
    const base = action.target === "preview" ? release.previewEndpoint : release.endpoint;
    return {
      candidate: this.plan.version,
      stable: this.plan.previousVersion,
      candidateWeight: applied.candidateWeight,
      release,
      secrets: this.service.secrets,
      metrics: this.settings.metrics,
      ...(action.target === "candidate" && header ? { candidateHeader: header } : {}),
      ...(base ? { httpBaseUrl: base } : {}),
    };
  }

  /** Runs the release from the journal's step to the end (or a manual pause). */
  async run(): Promise<ReleaseResult> {
    const unwatch = this.log.watch(this.lease, this.service.release.name);
    try {
      return await this.runWatched();
    } finally {
      unwatch();
    }
  }

  private async runWatched(): Promise<ReleaseResult> {
    const signal = this.signal;
    try {
      if (this.journal.stepIndex === 0 && this.journal.phase === "starting") {
        await this.save({});
        await this.recorder.started(new Date(this.journal.startedAt));
        this.emit({
          type: "releaseStarted",
          version: this.plan.version,
          from: this.plan.previousVersion,
          strategy: this.plan.strategy.kind,
        });
        const reason = await runHooks("preTraffic", this.hookRun(signal));
        if (reason !== undefined) {
          await this.save({ phase: "failed", reason });
          await this.recorder.finished("failed", this.plan.revertTarget, { reason });
          throw new ReleaseError("hook", `${reason}; no traffic moved`);
        }
      }
      if (this.mode) return await this.mode.run();
      const actions = this.plan.actions;
      for (let i = this.journal.stepIndex; i < actions.length; i++) {
        const action = actions[i] as PlanAction;
        signal?.throwIfAborted();
        const started = new Date();
        this.emit({
          type: "stepStarted",
          index: i,
          total: actions.length,
          description: describeAction(action, this.plan.flag),
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
        await this.save({ phase, stepIndex: i });
        if (action.kind === "pause" && action.seconds === undefined) {
          await this.save({ phase: "paused", stepIndex: i + 1 });
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
          const at = this.analysisTarget(action);
          // The load step (when progressive:release.load turns it on) runs around the analysis.
          const result = await withLoad(
            this.settings.release.load,
            (load) => planLoad(load, action.checks, at, action.target),
            { step: i, emit: (e) => this.emit(e), ...(signal ? { signal } : {}) },
            () =>
              runAnalysis(action.checks, at, {
                failFast: this.settings.release.failFast,
                onMeasurement: (measurement) => this.emit({ type: "checkResult", step: i, measurement }),
                ...(signal ? { signal } : {}),
              }),
          );
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
            verified: this.lastVerified,
          });
        }
        await this.save({ stepIndex: i + 1 });
      }
      await runHooks("postPromotion", this.hookRun());
      const traffic = this.journal.applied ?? this.plan.revertTarget;
      await this.retire(this.plan.previousVersion);
      await this.save({ phase: "succeeded" });
      this.emit({ type: "promoted", version: this.plan.version });
      const reports = await this.recorder.finished("promoted", traffic);
      return { releaseId: this.releaseId, outcome: "promoted", traffic, reports };
    } catch (err) {
      // Taken over, or the store stopped answering: nothing more moves from here.
      if (err instanceof Stopped || this.stopped) throw this.stoppedError();
      const e = classifyError(err);
      if (e.kind === "hook" || e.kind === "preflight") throw e;
      // Whatever was waiting when the signal came may throw the signal's own reason (a plain
      // Error), not an AbortError: an aborted signal decides the kind, not the error's name.
      const why = signal.reason instanceof Error ? signal.reason.message : "abort signal";
      const aborted = e.kind === "aborted" || signal.aborted;
      const reason = aborted ? (why.startsWith("aborted") ? why : `aborted: ${why}`) : e.message;
      return await this.revert(reason, new Date());
    }
  }

  /**
   * Before a release goes on after an interruption: the router must apply the journal's last
   * verified state (an analysis at 20 % must measure 20 %). A router that reads neither that nor the
   * state being applied when the driver stopped, or that cannot be read (a proxy that died with the
   * driver), gets the last verified state again through `up`.
   */
  async restoreApplied(): Promise<void> {
    if (this.mode) return; // a platform's release mode reads its deployment again itself
    const applied = this.journal.applied;
    if (!applied) return;
    const reading = await this.router.read(applied, this.signal);
    const matches = (t: TrafficState | undefined): boolean =>
      t !== undefined &&
      reading.verified &&
      reading.candidateWeight === t.candidateWeight &&
      (!t.activeColor || !reading.activeColor || reading.activeColor === t.activeColor);
    if (matches(applied) || matches(this.journal.intended)) return;
    this.emit({
      type: "log",
      level: "warn",
      message: reading.verified
        ? `the router sends ${reading.candidateWeight}% to the candidate, not the ${applied.candidateWeight}% last verified: applying that state again`
        : `the router cannot be read (${reading.reason}): applying the last verified state again`,
    });
    await this.apply(applied, "resume: the last verified state again");
  }

  /** All traffic back to the last good state first (verified), then the candidate removed. */
  async revert(reason: string, failureAt: Date): Promise<ReleaseResult> {
    if (this.mode) return this.mode.revert(reason, failureAt);
    this.reverting = true;
    try {
      await this.save({
        phase: "reverting",
        reason,
        failureAt: this.journal.failureAt ?? failureAt.toISOString(),
      });
    } catch (err) {
      if (!(err instanceof Stopped)) throw err;
      return await this.brakeUnrecorded(reason);
    }
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
        const brake = await this.router.sendAllToStable(abortTraffic(applied), applied.candidateVersion);
        if (brake.applied) {
          timeToRevertMs = Date.now() - since;
          this.emit({
            type: "log",
            level: "info",
            message: "router sends all traffic to stable (written and read back); recording it with up",
          });
        }
        await this.apply(abortTraffic(applied), "revert: all traffic to stable");
        await this.recorder.step(this.journal.stepIndex, "revert", started, "passed", {
          weight: 0,
          verified: this.lastVerified,
        });
      }
      timeToRevertMs ??= Date.now() - since;
      const started = new Date();
      await this.apply(this.journal.lastGood, "revert: back to the last good state");
      await this.recorder.step(this.journal.stepIndex, "revert", started, "passed", {
        weight: this.journal.lastGood.candidateWeight,
        verified: this.lastVerified,
      });
      await this.retire(this.plan.version);
      await this.save({ phase: "reverted" });
      this.emit({
        type: "reverted",
        reason,
        timeToRevertMs,
        verified: this.lastVerified,
        ...(this.lastUnverifiedReason ? { unverifiedReason: this.lastUnverifiedReason } : {}),
      });
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
      if (err instanceof Stopped || this.stopped) throw this.stoppedError();
      const e = classifyError(err);
      const why = `revert did not complete: ${e.message}`;
      await this.save({ phase: "failed", reason: `${reason}; ${why}` });
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
   * A revert whose journal cannot be written (the store stopped answering; a run that was taken
   * over never gets here): users come first, so a canary's candidate share is still braked to
   * stable on the router itself; nothing else moves, and the error says what traffic does now.
   */
  private async brakeUnrecorded(reason: string): Promise<never> {
    if (this.stopped?.includes("taken over")) throw this.stoppedError();
    const applied = this.journal.applied;
    if (
      this.plan.strategy.kind === "canary" &&
      applied?.candidateVersion !== undefined &&
      applied.candidateWeight > 0
    ) {
      const brake = await this.router.sendAllToStable(abortTraffic(applied), applied.candidateVersion);
      const svc = `--service ${this.service.release.name}`;
      throw new ReleaseError(
        "store",
        `${this.stopped}; the revert (${reason}) ${brake.applied ? "sent all traffic to stable on the router (read back)" : `could not brake the router either (${brake.reason})`} but could not record it: the store's journal still says ${applied.candidateWeight}% to ${applied.candidateVersion}; once the store answers run progressive abort ${svc} to record the revert`,
      );
    }
    throw this.stoppedError();
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
    // Not a terminal phase: the journal stays open, so `resume` retries the promotion and `abort`
    // reverts to the version that was stable before the release (journal.lastGood).
    const svc = `--service ${this.service.release.name}`;
    reason += `; run progressive resume ${svc} to retry the promotion, or progressive abort ${svc} to go back to ${this.journal.lastGood.stableVersion}`;
    await this.save({ phase: "promotionFailed", reason, promotionFailed: true });
    this.emit({ type: "failed", reason });
    await this.recorder.step(this.journal.stepIndex, "promote", new Date(), "error");
    return { releaseId: this.releaseId, outcome: "failed", reason, traffic: keep };
  }
}
