// The release driver: walks a plan on a real stack through the Automation API. Each traffic change
// is journaled before `up` and verified after it (the outputs must report the weight, versions and
// colour written); a failed check, a reached limit, a deadline or the abort signal reverts: all
// traffic back to the last good state first (verified), then the candidate removed. A release group
// runs through the same loop: its members (member.ts) step, are judged and revert together.
import { setTimeout as sleep } from "node:timers/promises";
import { abortTraffic, type TrafficState } from "../../components/core";
import { releaseModeOf } from "../platforms";
import type { RouterControl } from "../routers/types";
import { describeHolder, type Lease } from "../store/leases";
import { runAnalysis } from "./analysis";
import { writeAndUp } from "./apply";
import { STEP_LOCK_TIMEOUT_MS } from "./contract-check";
import { classifyError, ReleaseError } from "./errors";
import type { DriverEventInput } from "./events";
import { type HookRun, runHooks } from "./hooks";
import type { Journal, JournalGroup, ReleasePhase } from "./journal";
import { planLoad, withLoad } from "./load";
import { Member, type MemberStart } from "./member";
import { describeAction, type PlanAction, type ReleasePlan } from "./plan";
import { stepOutcome, toCheckRecord } from "./recorder";
import { controlOf } from "./release-plan";
import { Stopped } from "./run-journal";
import type { ReleaseSettings } from "./settings";
import type { StackHandle, TrafficEntry } from "./stack";
import type { StackState } from "./state";
import type { DriverOptions, ReleaseMode, ReleaseResult, ReleaseTarget, StoredJournal } from "./types";

export type { DriverOptions, ReleaseResult, ReleaseTarget, StoredJournal } from "./types";

/** One member's traffic change: the member and the state written for it. */
type Move = readonly [Member, TrafficEntry];

/**
 * Drives one release: of one service, or of a release group (several services of one stack that
 * step together: each step writes every member's traffic entry and runs one `up`, every member's
 * checks are judged, and any member's failure reverts them all). Create it with the target, a plan
 * and the options; `from.also` adds the other members of a group.
 */
export class ReleaseRun {
  /** The services released, in the order they step (the lead, then `from.also`). */
  private readonly members: readonly Member[];
  /** The first member: its journal holds the fields every member shares (phase, step, reason). */
  private readonly lead: Member;
  /** The caller's signal, or an abort asked through any member's journal, or a lost lease. */
  private readonly signal: AbortSignal;
  private readonly stack: StackHandle;
  private readonly settings: ReleaseSettings;
  private readonly state: StackState;
  /**
   * Set while reverting: the revert runs to its end after the caller's abort (Ctrl-C), so its
   * read-backs get their own deadline instead of the cancelled signal.
   */
  private reverting = false;
  /** Set for services whose platform moves the traffic itself (the platform module's release mode). */
  private readonly mode: ReleaseMode | undefined;

  /**
   * `from.resumed`: the journal of a release cut short, when this run continues it; `from.replaces`:
   * the version of the service's last (finished) journal a new release replaces, null when there
   * is none. `from.lease`: the service's lease the command holds; the run renews it and stops
   * (without touching traffic) when it is lost. `from.control` makes the router's control (tests
   * pass one over a fake cloud client; default {@link controlOf}). `from.also` and `from.group`:
   * the other members of a release group (same stack and state) and the group each journal names.
   */
  constructor(
    target: ReleaseTarget,
    plan: ReleasePlan,
    private readonly o: DriverOptions,
    from: {
      readonly resumed?: StoredJournal;
      readonly replaces?: string | null;
      readonly lease?: Lease;
      readonly control?: (t: ReleaseTarget) => RouterControl;
      readonly also?: readonly MemberStart[];
      readonly group?: JournalGroup;
    } = {},
  ) {
    this.stack = target.stack;
    this.settings = target.settings;
    this.state = target.state;
    const ctx = {
      options: o,
      reverting: () => this.reverting,
      controlFor: from.control ?? controlOf,
      ...(from.group ? { group: from.group } : {}),
    };
    const lead: MemberStart = {
      target,
      plan,
      ...(from.resumed ? { resumed: from.resumed } : {}),
      ...(from.replaces !== undefined ? { replaces: from.replaces } : {}),
      ...(from.lease ? { lease: from.lease } : {}),
    };
    this.members = [lead, ...(from.also ?? [])].map((m) => new Member(m, ctx));
    this.lead = this.members[0] as Member;
    const stops = this.members.map((m) => m.log.signal);
    this.signal = AbortSignal.any(o.signal ? [o.signal, ...stops] : stops);
    // A platform that moves the traffic itself releases one service (groups refuse such members).
    this.mode =
      this.members.length === 1
        ? releaseModeOf(target, plan, o, {
            journal: () => this.journal,
            save: (patch) => this.save(patch),
            emit: (e) => this.emit(e),
            recorder: this.lead.recorder,
            withStepLease: (what, fn) => this.withStepLease(what, fn),
            signal: this.signal,
            runAnalysis,
          })
        : undefined;
  }

  /** The lead's journal: the fields every member's journal shares. */
  private get journal(): Journal {
    return this.lead.journal;
  }

  private get plan(): ReleasePlan {
    return this.lead.plan;
  }

  /** Writes every member's journal (the patch's fields are the members' shared ones). */
  private async save(patch: Partial<Journal>): Promise<void> {
    for (const m of this.members) await m.log.save(patch);
  }

  private get stopped(): string | undefined {
    return this.members.find((m) => m.log.stopped)?.log.stopped;
  }

  private stoppedError(): ReleaseError {
    const m = this.members.find((x) => x.log.stopped) ?? this.lead;
    return m.log.stoppedError(m.name);
  }

  /** The release's id: the group's when it is a group, else the service release's. */
  get releaseId(): string {
    return this.journal.group?.id ?? this.journal.releaseId;
  }

  private emit(e: DriverEventInput): void {
    this.lead.emit(e);
  }

  /** Whether every member's last traffic change was read back, and why not (named by member in a group). */
  private get verification(): { readonly verified: boolean; readonly unverifiedReason?: string } {
    const not = this.members.find((m) => !m.lastVerified);
    if (!not) return { verified: true };
    const why = not.lastUnverifiedReason;
    const reason = why && this.members.length > 1 ? `${not.name}: ${why}` : why;
    return { verified: false, ...(reason ? { unverifiedReason: reason } : {}) };
  }

  /** The result's fields of a group: each member's release and traffic. */
  private memberResults(traffic: (m: Member) => TrafficEntry): Pick<ReleaseResult, "members"> {
    if (this.members.length === 1) return {};
    return {
      members: this.members.map((m) => ({
        service: m.name,
        releaseId: m.journal.releaseId,
        traffic: traffic(m),
      })),
    };
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

  /** Every member's move of one traffic step. */
  private moves(traffic: (m: Member) => TrafficEntry | undefined): Move[] {
    return this.members.flatMap((m) => {
      const t = traffic(m);
      return t ? [[m, t] as const] : [];
    });
  }

  /**
   * Writes the members' traffic entries, runs one `up`, checks each component took exactly its
   * state (its `release` output), then reads each router back: "verified" only when the router
   * itself reports the weight (or colour); a router that cannot be read is "unverified", with why.
   */
  private async apply(moves: readonly Move[], why: string): Promise<void> {
    for (const [m, traffic] of moves) {
      await m.log.save({ intended: traffic });
      m.emit({ type: "trafficApplying", traffic, why });
    }
    const started = Date.now();
    for (const [m, traffic] of moves) {
      const refused = await m.activate(traffic, this.signal);
      if (refused !== undefined)
        throw new ReleaseError("verification", `${refused}; no traffic was moved to it`);
    }
    const host = { withStepLease: this.withStepLease.bind(this), journal: () => this.journal };
    const entries = Object.fromEntries(moves.map(([m, t]) => [m.name, t]));
    const { result: outputs, upMs } = await writeAndUp({ host, stack: this.stack }, entries, () => {
      const targets = this.weightOnlyTargets(moves);
      return this.stack.step({
        ...(targets ? { targets } : {}),
        ...(this.o.onOutput ? { onOutput: this.o.onOutput } : {}),
      });
    });
    for (const [m, traffic] of moves) {
      const reading = await m.taken(traffic, outputs, this.signal);
      m.emit({
        type: "trafficApplied",
        traffic,
        effectiveWeight: reading.verified ? reading.candidateWeight : traffic.candidateWeight,
        verified: reading.verified,
        ...(reading.verified ? {} : { unverifiedReason: reading.reason }),
        durationMs: Date.now() - started,
        upMs,
      });
    }
  }

  /** The resources a weight-only step changes, for every member; undefined (a full `up`) when any member needs one. */
  private weightOnlyTargets(moves: readonly Move[]): string[] | undefined {
    const all: string[] = [];
    for (const [m, traffic] of moves) {
      const targets = m.weightOnlyTargets(traffic);
      if (!targets) return undefined;
      all.push(...targets);
    }
    return all;
  }

  /** Runs the release from the journal's step to the end (or a manual pause). */
  async run(): Promise<ReleaseResult> {
    const unwatch = this.members.map((m) => m.log.watch(m.lease, m.name));
    try {
      return await this.runWatched();
    } finally {
      for (const stop of unwatch) stop();
    }
  }

  private async runWatched(): Promise<ReleaseResult> {
    const signal = this.signal;
    try {
      if (this.journal.stepIndex === 0 && this.journal.phase === "starting") {
        await this.save({});
        for (const m of this.members) await m.recorder.started(new Date(m.journal.startedAt));
        this.emit({
          type: "releaseStarted",
          version: this.plan.version,
          from: this.plan.previousVersion,
          strategy: this.plan.strategy.kind,
        });
        const reason = await runHooks("preTraffic", this.hookRun(signal));
        if (reason !== undefined) {
          await this.save({ phase: "failed", reason });
          for (const m of this.members) await m.recorder.finished("failed", m.plan.revertTarget, { reason });
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
            traffic: this.lead.applied,
            ...this.memberResults((m) => m.applied),
          };
        }
        if (action.kind === "pause") {
          this.emit({ type: "paused", step: i, until: new Date(Date.now() + (action.seconds ?? 0) * 1000) });
          await sleep((action.seconds ?? 0) * 1000, undefined, { signal });
          for (const m of this.members) await m.recorder.step(i, "pause", started, "passed");
        } else if (action.kind === "analysis") {
          const failed = await this.analyse(i, started);
          if (failed) return await this.revert(failed.reason, failed.at);
        } else {
          if (action.kind === "scaleDown" && action.afterSeconds > 0)
            await sleep(action.afterSeconds * 1000, undefined, { signal });
          try {
            await this.apply(
              this.moves((m) => trafficOf(m.plan.actions[i])),
              describeAction(action),
            );
          } catch (err) {
            if (
              phase === "promoting" &&
              (this.journal.applied?.candidateWeight === 100 || action.kind === "scaleDown")
            ) {
              return await this.promotionFailed(classifyError(err));
            }
            throw err;
          }
          for (const m of this.members)
            await m.recorder.step(i, action.kind, started, "passed", {
              weight: m.applied.candidateWeight,
              verified: m.lastVerified,
            });
        }
        await this.save({ stepIndex: i + 1 });
      }
      await runHooks("postPromotion", this.hookRun());
      for (const m of this.members) await m.retire(m.plan.previousVersion);
      await this.save({ phase: "succeeded" });
      this.emit({ type: "promoted", version: this.plan.version });
      const reports = [];
      for (const m of this.members) reports.push(await m.recorder.finished("promoted", m.applied));
      return {
        releaseId: this.releaseId,
        outcome: "promoted",
        traffic: this.lead.applied,
        reports: reports[0],
        ...this.memberResults((m) => m.applied),
      };
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
   * Step `i`'s analysis on every member at once, each with its own checks (and load step, when
   * progressive:release.load turns it on). The first member whose checks do not succeed ends the
   * others' measurements: its failure, worded, is returned (a group's names the member).
   */
  private async analyse(i: number, started: Date): Promise<{ reason: string; at: Date } | undefined> {
    const step = new AbortController();
    const signal = AbortSignal.any([this.signal, step.signal]);
    const results = await Promise.all(
      this.members.map(async (m) => {
        const action = m.plan.actions[i] as Extract<PlanAction, { kind: "analysis" }>;
        const at = m.analysisTarget(action);
        try {
          const result = await withLoad(
            this.settings.release.load,
            (load) => planLoad(load, action.checks, at, action.target),
            { step: i, emit: (e) => m.emit(e), signal },
            () =>
              runAnalysis(action.checks, at, {
                failFast: this.settings.release.failFast,
                onMeasurement: (measurement) => m.emit({ type: "checkResult", step: i, measurement }),
                signal,
              }),
          );
          if (result.outcome !== "Successful") step.abort(new Error(`${m.name}'s checks did not succeed`));
          m.emit({ type: "analysisDone", step: i, outcome: result.outcome, reason: result.reason });
          const checks = result.measurements.map((x) => toCheckRecord(x, new Date()));
          await m.recorder.step(i, "analysis", started, stepOutcome(result.outcome), {
            weight: m.applied.candidateWeight,
            checks,
          });
          return { m, result };
        } catch (err) {
          // Cut short because another member failed: that member's failure is the one that counts.
          if (step.signal.aborted && !this.signal.aborted) return undefined;
          throw err;
        }
      }),
    );
    const bad = results.find((r) => r && r.result.outcome !== "Successful");
    if (!bad) return undefined;
    const { m, result } = bad;
    const who = this.members.length > 1 ? `${m.name}: ` : "";
    return {
      reason: `${who}analysis ${result.outcome.toLowerCase()} at step ${i + 1}: ${result.reason}`,
      at: result.firstFailureAt ?? new Date(),
    };
  }

  /**
   * Before a release goes on after an interruption: each router must apply its journal's last
   * verified state (an analysis at 20 % must measure 20 %). A router that reads neither that nor the
   * state being applied when the driver stopped, or that cannot be read (a proxy that died with the
   * driver), gets the last verified state again through `up` (one for every member that needs it).
   */
  async restoreApplied(): Promise<void> {
    if (this.mode) return; // a platform's release mode reads its deployment again itself
    const again: Move[] = [];
    for (const m of this.members) {
      const applied = m.journal.applied;
      if (!applied) continue;
      const reading = await m.router.read(applied, this.signal);
      const matches = (t: TrafficState | undefined): boolean =>
        t !== undefined &&
        reading.verified &&
        reading.candidateWeight === t.candidateWeight &&
        (!t.activeColor || !reading.activeColor || reading.activeColor === t.activeColor);
      if (matches(applied) || matches(m.journal.intended)) continue;
      m.emit({
        type: "log",
        level: "warn",
        message: reading.verified
          ? `the router sends ${reading.candidateWeight}% to the candidate, not the ${applied.candidateWeight}% last verified: applying that state again`
          : `the router cannot be read (${reading.reason}): applying the last verified state again`,
      });
      again.push([m, applied]);
    }
    if (again.length > 0) await this.apply(again, "resume: the last verified state again");
  }

  /** The members whose canary candidate has traffic: the ones the brake sends to stable. */
  private braking(): { readonly m: Member; readonly applied: TrafficEntry & { candidateVersion: string } }[] {
    return this.members.flatMap((m) => {
      const applied = m.journal.applied;
      return m.plan.strategy.kind === "canary" &&
        applied?.candidateVersion !== undefined &&
        applied.candidateWeight > 0
        ? [{ m, applied: applied as TrafficEntry & { candidateVersion: string } }]
        : [];
    });
  }

  /**
   * All traffic back to the last good state first (verified), then the candidate removed. In a
   * group every member goes back: each router braked, then one `up` for all of them.
   */
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
      let timeToRevertMs: number | undefined;
      const braking = this.braking();
      if (braking.length > 0) {
        const started = new Date();
        // The brake first: each router itself, verified; then the `up` that records it.
        const brakes = await Promise.all(
          braking.map(({ m, applied }) =>
            m.router.sendAllToStable(abortTraffic(applied), applied.candidateVersion),
          ),
        );
        if (brakes.every((b) => b.applied)) {
          timeToRevertMs = Date.now() - since;
          this.emit({
            type: "log",
            level: "info",
            message: `router${braking.length > 1 ? "s send" : " sends"} all traffic to stable (written and read back); recording it with up`,
          });
        }
        await this.apply(
          braking.map(({ m, applied }) => [m, abortTraffic(applied)] as const),
          "revert: all traffic to stable",
        );
        for (const { m } of braking)
          await m.recorder.step(m.journal.stepIndex, "revert", started, "passed", {
            weight: 0,
            verified: m.lastVerified,
          });
      }
      timeToRevertMs ??= Date.now() - since;
      const started = new Date();
      await this.apply(
        this.moves((m) => m.journal.lastGood),
        "revert: back to the last good state",
      );
      for (const m of this.members)
        await m.recorder.step(m.journal.stepIndex, "revert", started, "passed", {
          weight: m.journal.lastGood.candidateWeight,
          verified: m.lastVerified,
        });
      for (const m of this.members) await m.retire(m.plan.version);
      await this.save({ phase: "reverted" });
      this.emit({ type: "reverted", reason, timeToRevertMs, ...this.verification });
      const reports = [];
      for (const m of this.members)
        reports.push(
          await m.recorder.finished(
            reason.startsWith("aborted") ? "aborted" : "reverted",
            m.journal.lastGood,
            {
              reason,
              timeToRevertMs,
            },
          ),
        );
      return {
        releaseId: this.releaseId,
        outcome: "reverted",
        reason,
        timeToRevertMs,
        traffic: this.journal.lastGood,
        reports: reports[0],
        ...this.memberResults((m) => m.journal.lastGood),
      };
    } catch (err) {
      if (err instanceof Stopped || this.stopped) throw this.stoppedError();
      const e = classifyError(err);
      const why = `revert did not complete: ${e.message}`;
      await this.save({ phase: "failed", reason: `${reason}; ${why}` });
      this.emit({ type: "failed", reason: `${reason}; ${why}` });
      for (const m of this.members)
        await m.recorder.finished("failed", m.journal.applied ?? m.journal.lastGood, {
          reason: `${reason}; ${why}`,
        });
      throw new ReleaseError(
        e.kind === "locked" ? "locked" : "engine",
        `${why}; run progressive status, then progressive abort to retry the revert`,
        err,
      );
    }
  }

  /** The CLI's words for this release's services: `--service web` or `--service web,api`. */
  private get serviceFlag(): string {
    const group = this.journal.group;
    return group?.name ? `--group ${group.name}` : `--service ${this.members.map((m) => m.name).join(",")}`;
  }

  /**
   * A revert whose journal cannot be written (the store stopped answering; a run that was taken
   * over never gets here): users come first, so a canary's candidate share is still braked to
   * stable on the router itself; nothing else moves, and the error says what traffic does now.
   */
  private async brakeUnrecorded(reason: string): Promise<never> {
    if (this.stopped?.includes("taken over")) throw this.stoppedError();
    const braking = this.braking();
    if (braking.length === 0) throw this.stoppedError();
    const said: string[] = [];
    for (const { m, applied } of braking) {
      const brake = await m.router.sendAllToStable(abortTraffic(applied), applied.candidateVersion);
      const who = this.members.length > 1 ? `${m.name}: ` : "";
      said.push(
        `${who}${brake.applied ? "sent all traffic to stable on the router (read back)" : `could not brake the router either (${brake.reason})`} but could not record it: the store's journal still says ${applied.candidateWeight}% to ${applied.candidateVersion}`,
      );
    }
    throw new ReleaseError(
      "store",
      `${this.stopped}; the revert (${reason}) ${said.join("; ")}; once the store answers run progressive abort ${this.serviceFlag} to record the revert`,
    );
  }

  /**
   * Promotion failed after all traffic went to the verified candidate: keep (re-apply) the last
   * verified state rather than send traffic anywhere unverified; `resume` retries, `abort` reverts.
   */
  private async promotionFailed(e: ReleaseError): Promise<ReleaseResult> {
    const keepOf = (m: Member): TrafficEntry => m.journal.applied ?? m.journal.lastGood;
    const keep = keepOf(this.lead);
    let reason = `promotion failed: ${e.message}; traffic stays on the verified ${keep.candidateWeight === 100 ? keep.candidateVersion : keep.stableVersion}`;
    try {
      await this.apply(this.moves(keepOf), "promotion failed: keep the last verified state");
    } catch (again) {
      reason += `; re-applying it also failed: ${classifyError(again).message}`;
    }
    // Not a terminal phase: the journal stays open, so `resume` retries the promotion and `abort`
    // reverts to the version that was stable before the release (journal.lastGood).
    const svc = this.serviceFlag;
    reason += `; run progressive resume ${svc} to retry the promotion, or progressive abort ${svc} to go back to ${this.journal.lastGood.stableVersion}`;
    await this.save({ phase: "promotionFailed", reason, promotionFailed: true });
    this.emit({ type: "failed", reason });
    for (const m of this.members) await m.recorder.step(m.journal.stepIndex, "promote", new Date(), "error");
    return {
      releaseId: this.releaseId,
      outcome: "failed",
      reason,
      traffic: keep,
      ...this.memberResults(keepOf),
    };
  }
}

/** The traffic a step writes, for the steps that move traffic. */
function trafficOf(a: PlanAction | undefined): TrafficEntry | undefined {
  return a && "traffic" in a ? a.traffic : undefined;
}
