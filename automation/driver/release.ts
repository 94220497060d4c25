// The release driver: walks a plan on a real stack through the Automation API. Each traffic change
// is journaled before `up` and verified after it (the outputs must report the weight, versions and
// colour written); a failed check, a reached limit, a deadline or the abort signal reverts: all
// traffic back to the last good state first (verified), then the candidate removed.
import * as os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import {
  abortTraffic,
  type Check,
  checkVersionLabel,
  formatValue,
  type Problem,
  type TrafficState,
} from "../../components/core";
import { defaultStateDir, newReleaseId, ReleaseHistory } from "../history";
import { type RouterControl, routerControl } from "../routers";
import { type AnalysisTarget, metricQueryProblems, runAnalysis, unknownProviderProblems } from "./analysis";
import { EcsNativeRelease, isEcsManaged } from "./ecs-native";
import { classifyError, ReleaseError } from "./errors";
import type { DriverEvent, DriverEventInput } from "./events";
import {
  currentOwner,
  type Journal,
  journalFile,
  type ReleasePhase,
  readJournal,
  stackStepLockFile,
  waitForLock,
  writeJournal,
} from "./journal";
import { planLoad, withLoad } from "./load";
import {
  asFlagPlan,
  buildPlan,
  describeAction,
  type PlanAction,
  type ReleasePlan,
  strategyDifference,
} from "./plan";
import { runCommand } from "./preflight";
import { notifiersFrom, Recorder, stepOutcome, toCheckRecord } from "./recorder";
import type { ReleaseSettings } from "./settings";
import {
  isReleaseOutputs,
  type StackHandle,
  type StackService,
  type StepOutputs,
  type TrafficEntry,
} from "./stack";

export interface DriverOptions {
  /** Who runs it, for history and notifications. @default $USER */
  readonly actor?: string;
  /** Where journals, history and reports live. @default $PROGRESSIVE_STATE_DIR, else ~/.local/state/pulumi-progressive-delivery */
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

/** Checks that every metric check of the plan names a provider this service and stack have. */
export function checkProviders(plan: ReleasePlan, service: StackService, settings: ReleaseSettings): void {
  const all: Check[] = plan.actions.flatMap((a) => (a.kind === "analysis" ? [...a.checks] : []));
  // A check runs in several analysis steps; report it once.
  const checks = [...new Map(all.map((c) => [c.name, c])).values()];
  const problems = [
    ...unknownProviderProblems(checks, service.release, settings.metrics),
    ...metricQueryProblems(checks, service.release, settings.metrics),
  ];
  if (problems.length > 0) throw new ReleaseError("config", problems.join("; "));
}

/** One service of one stack, with its settings: what a release runs on. */
export interface ReleaseTarget {
  readonly stack: StackHandle;
  readonly service: StackService;
  readonly settings: ReleaseSettings;
}

/** The driver-side control of a service's router. */
export function controlOf(t: ReleaseTarget): RouterControl {
  return routerControl(t.service.release.router, t.service.secrets, {
    ...(t.settings.kubernetes.kubeconfig ? { kubeconfig: t.settings.kubernetes.kubeconfig } : {}),
    ...(t.settings.kubernetes.context ? { context: t.settings.kubernetes.context } : {}),
  });
}

/** How long a step waits for another driver's step on the same stack. */
const STEP_LOCK_TIMEOUT_MS = 30 * 60_000;

/** Drives one release of one service. Create it with the target, a plan and the options. */
export class ReleaseRun {
  private journal: Journal;
  private readonly file: string;
  /** The stack's step lock (see {@link stackStepLockFile}). */
  private readonly stepLock: string;
  private readonly recorder: Recorder;
  private readonly stack: StackHandle;
  private readonly settings: ReleaseSettings;
  private service: StackService;
  private readonly router: RouterControl;
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
  /** Set for ECS-managed services (controller "ecs"): ECS moves the traffic, ecs-native.ts watches it. */
  private readonly ecs: EcsNativeRelease | undefined;

  constructor(
    target: ReleaseTarget,
    private readonly plan: ReleasePlan,
    private readonly o: DriverOptions,
    journal?: Journal,
  ) {
    this.stack = target.stack;
    this.settings = target.settings;
    this.service = target.service;
    this.router = controlOf(target);
    const stack = target.stack;
    const name = target.service.release.name;
    const stateDir = o.stateDir ?? defaultStateDir();
    this.file = journalFile(stateDir, stack.project, stack.name, name);
    this.stepLock = stackStepLockFile(stateDir, stack.project, stack.name);
    const now = new Date().toISOString();
    this.journal = journal ?? {
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
    this.recorder = new Recorder({
      history: new ReleaseHistory({ stateDir }),
      stateDir,
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
    this.ecs = isEcsManaged(target.service)
      ? new EcsNativeRelease(target, plan, o, {
          journal: () => this.journal,
          save: (patch) => this.save(patch),
          emit: (e) => this.emit(e),
          recorder: this.recorder,
          stepLock: this.stepLock,
        })
      : undefined;
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

  /**
   * Writes the service's traffic entry, runs `up`, checks the component took exactly that state
   * (its `release` output), then reads the router back: "verified" only when the router itself
   * reports the weight (or colour); a router that cannot be read is "unverified", with why.
   */
  private async apply(traffic: TrafficEntry, why: string): Promise<void> {
    this.save({ intended: traffic });
    this.emit({ type: "trafficApplying", traffic, why });
    const started = Date.now();
    const name = this.service.release.name;
    const lock = await waitForLock(this.stepLock, `${this.journal.releaseId} (${name})`, {
      timeoutMs: STEP_LOCK_TIMEOUT_MS,
      onWait: (h) =>
        this.emit({
          type: "log",
          level: "info",
          message: `waiting for stack ${this.stack.name}: ${h.what} (driver pid ${h.pid}) is changing it`,
        }),
    });
    if ("heldBy" in lock) {
      const h = lock.heldBy;
      throw new ReleaseError(
        "locked",
        `stack ${this.stack.name} was held for ${STEP_LOCK_TIMEOUT_MS / 60_000} minutes by ${h.what} (driver pid ${h.pid} on ${h.host}, since ${h.startedAt}); wait for it to finish`,
      );
    }
    let upMs: number;
    let stepOutputs: StepOutputs = new Map();
    try {
      await this.stack.writeTraffic(name, traffic);
      const upStarted = Date.now();
      const targets = this.weightOnlyTargets(traffic);
      stepOutputs = await this.stack.step({
        ...(targets ? { targets } : {}),
        ...(this.o.onOutput ? { onOutput: this.o.onOutput } : {}),
      });
      upMs = Date.now() - upStarted;
    } finally {
      lock.release();
    }
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
    const asked = this.service.release.traffic;
    const wrong: string[] = [];
    if (asked.stableVersion !== traffic.stableVersion) wrong.push(`stableVersion is ${asked.stableVersion}`);
    if ((asked.candidateVersion ?? undefined) !== traffic.candidateVersion)
      wrong.push(`candidateVersion is ${asked.candidateVersion ?? "unset"}`);
    if (asked.candidateWeight !== traffic.candidateWeight)
      wrong.push(`candidateWeight is ${asked.candidateWeight}`);
    if (traffic.activeColor && asked.activeColor !== undefined && asked.activeColor !== traffic.activeColor)
      wrong.push(`activeColor is ${asked.activeColor}`);
    if (wrong.length > 0) {
      throw new ReleaseError(
        "verification",
        `after up, service ${name} reports ${wrong.join(", ")}; expected ${JSON.stringify(traffic)}` +
          (this.service.release.trafficSource === "arg"
            ? "; the program passes an explicit traffic arg, so the driver cannot move it: drop the arg and let the component read progressive:traffic"
            : ""),
      );
    }
    const reading = await this.router.read(traffic, this.reverting ? undefined : this.o.signal);
    if (reading.verified) {
      const kind = this.plan.strategy.kind;
      if (kind === "canary" && reading.candidateWeight !== traffic.candidateWeight)
        wrong.push(`the router sends ${reading.candidateWeight}% to the candidate`);
      if (
        kind === "blueGreen" &&
        traffic.activeColor &&
        reading.activeColor &&
        reading.activeColor !== traffic.activeColor
      )
        wrong.push(`the router serves the ${reading.activeColor} colour`);
      if (wrong.length > 0) {
        throw new ReleaseError(
          "verification",
          `after up, ${wrong.join(", ")} (read back from the router); expected ${JSON.stringify(traffic)}`,
        );
      }
    }
    this.save({ applied: traffic });
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
        for (const hook of this.settings.release.hooks.preTraffic) {
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
      if (this.ecs) return await this.ecs.run();
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
        this.save({ stepIndex: i + 1 });
      }
      for (const hook of this.settings.release.hooks.postPromotion) {
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

  /**
   * Before a release goes on after an interruption: the router must apply the journal's last
   * verified state (an analysis at 20 % must measure 20 %). A router that reads neither that nor the
   * state being applied when the driver stopped, or that cannot be read (a proxy that died with the
   * driver), gets the last verified state again through `up`.
   */
  async restoreApplied(): Promise<void> {
    if (this.ecs) return; // an ECS-managed release reads its deployment again itself
    const applied = this.journal.applied;
    if (!applied) return;
    const reading = await this.router.read(applied, this.o.signal);
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
    if (this.ecs) return this.ecs.revert(reason, failureAt);
    this.reverting = true;
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
      this.save({ phase: "reverted" });
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
    // Not a terminal phase: the journal stays open, so `resume` retries the promotion and `abort`
    // reverts to the version that was stable before the release (journal.lastGood).
    const svc = `--service ${this.service.release.name}`;
    reason += `; run progressive resume ${svc} to retry the promotion, or progressive abort ${svc} to go back to ${this.journal.lastGood.stableVersion}`;
    this.save({ phase: "promotionFailed", reason, promotionFailed: true });
    this.emit({ type: "failed", reason });
    await this.recorder.step(this.journal.stepIndex, "promote", new Date(), "error");
    return { releaseId: this.releaseId, outcome: "failed", reason, traffic: keep };
  }
}

/** Reads a service's current journal (undefined when it never had a release). */
export function loadJournal(stack: StackHandle, service: string, stateDir?: string): Journal | undefined {
  return readJournal(journalFile(stateDir ?? defaultStateDir(), stack.project, stack.name, service));
}

/** The service's traffic now: its `progressive:traffic` entry, else what its last deploy asked. */
export async function currentTraffic(t: ReleaseTarget): Promise<TrafficEntry> {
  const entries = await t.stack.trafficEntries();
  return entries[t.service.release.name] ?? t.service.release.traffic;
}

/** The plan of releasing `version` on a service, validated (providers, same version). */
export async function planRelease(t: ReleaseTarget, version: string): Promise<ReleasePlan> {
  // The component would reject it after the first `up`: say so before anything is written.
  const problems: Problem[] = [];
  checkVersionLabel(version, "version", problems);
  if (problems.length > 0) {
    const p = problems[0] as Problem;
    throw new ReleaseError("usage", `${p.path} (${formatValue(p.value)}): ${p.message}; ${p.fix}`);
  }
  const plan = buildPlan(
    `${t.stack.name}/${t.service.release.name}`,
    t.service.release.strategy,
    await currentTraffic(t),
    version,
  );
  checkProviders(plan, t.service, t.settings);
  const router = t.service.release.router;
  if (t.service.release.flag) return asFlagPlan(plan, t.service.release.name);
  return router.kind === "aws-ecs-deployment" ? { ...plan, managedBy: `ECS (${router.strategy})` } : plan;
}
