// One service of a release run (a release group has several; a single service is a group of one):
// its plan, its journal and history, its router, and what each step does for it alone (the checks'
// target, the resources a weight step changes, the read-back after the group's `up`). The release
// loop (release.ts) moves every member together; this module knows one member.
import * as os from "node:os";
import { newReleaseId } from "../history";
import type { RouterControl, RouterReading } from "../routers/types";
import type { Lease } from "../store/leases";
import { readBackDifferences, trafficDifferences, trafficNotTaken } from "./contract-check";
import type { DriverEvent, DriverEventInput } from "./events";
import { currentOwner, type Journal, type JournalGroup } from "./journal";
import { type PlanAction, type ReleasePlan, strategyDifference } from "./plan";
import { notifiersFrom, Recorder } from "./recorder";
import { retireTakenOut } from "./retire";
import { RunJournal } from "./run-journal";
import type { StackService, StepOutputs, TrafficEntry } from "./stack";
import { isReleaseOutputs } from "./stack-state";
import type { AnalysisTarget, DriverOptions, ReleaseTarget, StoredJournal } from "./types";

/** What a member starts from: its target and plan, and its journal when the run resumes it. */
export interface MemberStart {
  readonly target: ReleaseTarget;
  readonly plan: ReleasePlan;
  /** The journal of a release cut short, when this run continues it. */
  readonly resumed?: StoredJournal;
  /** The version of the service's last (finished) journal a new release replaces; null when none. */
  readonly replaces?: string | null;
  /** The service's lease the command holds; the run renews it. */
  readonly lease?: Lease;
}

/** What the run shares with its members: whether it reverts now, and how routers are controlled. */
export interface MemberContext {
  readonly options: DriverOptions;
  readonly reverting: () => boolean;
  readonly controlFor: (t: ReleaseTarget) => RouterControl;
  readonly group?: JournalGroup;
}

export class Member {
  readonly target: ReleaseTarget;
  readonly plan: ReleasePlan;
  readonly lease: Lease | undefined;
  /** The member's journal in the store, and the stop it causes. */
  readonly log: RunJournal;
  readonly recorder: Recorder;
  service: StackService;
  /** Whether the last traffic change was read back from the router, and why not. */
  lastVerified = false;
  lastUnverifiedReason: string | undefined;
  /** Whether the run said that an `up` deployed another strategy than this member's plan. */
  private strategyChangeSaid = false;
  /** The control of the router as the last `up` described it (Container Apps revisions change with each version). */
  private control: { readonly descriptor: string; readonly router: RouterControl };

  constructor(
    start: MemberStart,
    private readonly ctx: MemberContext,
  ) {
    const { target, plan, resumed } = start;
    const o = ctx.options;
    this.target = target;
    this.plan = plan;
    this.lease = start.lease;
    this.service = target.service;
    this.control = {
      descriptor: JSON.stringify(target.service.release.router),
      router: ctx.controlFor(target),
    };
    const now = new Date().toISOString();
    const journal: Journal = resumed?.journal ?? {
      v: 1,
      releaseId: newReleaseId(),
      project: target.stack.project,
      stack: target.stack.name,
      service: target.service.release.name,
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
      ...(ctx.group ? { group: ctx.group } : {}),
    };
    this.log = new RunJournal(
      target.state,
      journal,
      resumed?.version ?? start.replaces ?? null,
      ctx.reverting,
    );
    this.recorder = new Recorder({
      store: target.state.store,
      releaseId: journal.releaseId,
      stack: target.stack.key,
      service: journal.service,
      version: journal.version,
      previousVersion: journal.previousVersion,
      actor: journal.actor,
      strategy: journal.strategy,
      notifiers: notifiersFrom(target.settings.notify, (level, message) =>
        this.emit({ type: "log", level, message }),
      ),
      log: (level, message) => this.emit({ type: "log", level, message }),
    });
  }

  get name(): string {
    return this.service.release.name;
  }

  get journal(): Journal {
    return this.log.current;
  }

  /** The last state verified, else the revert target (nothing applied yet). */
  get applied(): TrafficEntry {
    return this.journal.applied ?? this.plan.revertTarget;
  }

  emit(e: DriverEventInput): void {
    this.ctx.options.onEvent?.({ ...e, at: new Date(), releaseId: this.journal.releaseId } as DriverEvent);
  }

  /** The service's router control, made again when an `up` registered another descriptor. */
  get router(): RouterControl {
    const descriptor = JSON.stringify(this.service.release.router);
    if (descriptor !== this.control.descriptor) {
      this.control = { descriptor, router: this.ctx.controlFor({ ...this.target, service: this.service }) };
    }
    return this.control.router;
  }

  /**
   * Before an `up` that brings versions in: the router starts again what a past release stopped
   * there (a deactivated Container Apps revision), so no traffic goes to what cannot answer.
   * Returns why it could not, when the run must not go on.
   */
  async activate(traffic: TrafficEntry, signal: AbortSignal | undefined): Promise<string | undefined> {
    const last = this.journal.applied;
    const same =
      last?.stableVersion === traffic.stableVersion && last.candidateVersion === traffic.candidateVersion;
    if (!this.router.activate || same) return undefined;
    const reverting = this.ctx.reverting();
    const r = await this.router.activate(traffic, reverting ? undefined : signal);
    for (const what of r.started)
      this.emit({
        type: "log",
        level: "info",
        message: `${what} runs again (a past release had stopped it)`,
      });
    if (r.applied) return undefined;
    if (!reverting) return r.reason;
    this.emit({ type: "log", level: "warn", message: `${r.reason}; the revert goes on` });
    return undefined;
  }

  /**
   * After the `up`: the component must have taken exactly `traffic` (its `release` output, from the
   * event log or a `stack export`), then the router is read back. Throws what differs.
   */
  async taken(
    traffic: TrafficEntry,
    outputs: StepOutputs,
    signal: AbortSignal | undefined,
  ): Promise<RouterReading> {
    const name = this.name;
    const registered = outputs.get(this.service.urn)?.release;
    this.service =
      isReleaseOutputs(registered) && registered.name === name
        ? { ...this.service, release: registered }
        : await this.target.stack.service(name);
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
    const reading = await this.router.read(traffic, this.ctx.reverting() ? undefined : signal);
    const notRead = readBackDifferences(this.plan.strategy.kind, reading, traffic);
    if (notRead) throw notRead;
    await this.log.save({ applied: traffic });
    this.lastVerified = reading.verified;
    this.lastUnverifiedReason = reading.verified ? undefined : reading.reason;
    return reading;
  }

  /**
   * Once the release has settled: the router stops what `version` left running. Never changes how
   * the release ended; only Ctrl-C cuts it short (not the one that asked for a revert it ends).
   */
  async retire(version: string): Promise<void> {
    const signal = this.ctx.options.signal?.aborted ? undefined : this.ctx.options.signal;
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
  weightOnlyTargets(next: TrafficEntry): string[] | undefined {
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

  /** What the checks of an analysis step measure on this member. */
  analysisTarget(action: Extract<PlanAction, { kind: "analysis" }>): AnalysisTarget {
    const applied = this.applied;
    const header = this.plan.strategy.kind === "canary" ? this.plan.strategy.headerRoute : undefined;
    const release = this.service.release;
    const base = action.target === "preview" ? release.previewEndpoint : release.endpoint;
    return {
      candidate: this.plan.version,
      stable: this.plan.previousVersion,
      candidateWeight: applied.candidateWeight,
      release,
      secrets: this.service.secrets,
      metrics: this.target.settings.metrics,
      ...(action.target === "candidate" && header ? { candidateHeader: header } : {}),
      ...(base ? { httpBaseUrl: base } : {}),
    };
  }
}
