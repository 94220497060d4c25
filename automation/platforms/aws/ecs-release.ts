// Releases of ECS-managed services (`controller: "ecs"`, router kind `aws-ecs-deployment`). ECS's
// own BLUE_GREEN, CANARY or LINEAR deployment moves the traffic; the driver starts it, watches it,
// runs the strategy's checks while the new revision has traffic, and stops it with rollback when
// one fails:
//
// 1. deploy: the service's traffic entry takes the new version (`{stableVersion: <new>,
//    candidateWeight: 0}`) and `up` registers a new task definition revision; ECS starts its
//    deployment (the component does not wait for steady state, so `up` returns at once);
// 2. find the deployment that `up` started: the newest ListServiceDeployments entry created after
//    the `up` began;
// 3. watch: DescribeServiceDeployments every poll (status, lifecycle stage, the revisions' asked
//    weights), each change reported and read back against the production rule; the checks run
//    while the new revision has test traffic (blue-green pre-promotion checks) or production
//    traffic (canary analysis checks, blue-green post-promotion checks);
// 4. SUCCESSFUL is a promotion. A failed check, the deadline or the abort signal stop the
//    deployment (StopServiceDeployment, ROLLBACK) and wait for ROLLBACK_SUCCESSFUL; ECS's own
//    rollback (circuit breaker, alarms) is reported as "reverted by ECS". Either way the stable
//    version is then recorded again and `up` run (see settle()).
//
// The journal's `ecsDeployment` names the deployment, so a resumed driver watches the same one.
// ReleaseRun (release.ts) hands these services here; its start (history, pre-traffic hooks) and its
// catch (anything thrown here makes it call revert) stay its own.
import { setTimeout as sleep } from "node:timers/promises";
import { writeAndUp } from "../../driver/apply";
import { trafficNotTaken } from "../../driver/contract-check";
import { classifyError, ReleaseError } from "../../driver/errors";
import type { CheckMeasurement } from "../../driver/events";
import { runHooks } from "../../driver/hooks";
import type { EcsDeploymentRecord } from "../../driver/journal";
import type { ReleasePlan } from "../../driver/plan";
import { stepOutcome, toCheckRecord } from "../../driver/recorder";
import type { StackService, TrafficEntry } from "../../driver/stack";
import type {
  AnalysisResult,
  AnalysisTarget,
  DriverOptions,
  ReleaseMode,
  ReleaseResult,
} from "../../driver/types";
import {
  describeDeployment,
  type EcsDeploymentDescriptor,
  type EcsDeployments,
  type EcsServiceDeployment,
  ecsDeploymentReading,
  ecsDeployments,
  isFinished,
  isRollback,
  requestedWeight,
  shortArn,
} from "../../routers/aws/ecs-deployment";
import {
  ECS_RELEASE_DEFAULTS,
  type EcsReleaseHost,
  type EcsReleaseOptions,
  type EcsReleaseTarget,
} from "./ecs-release-options";
import {
  candidateRoleOf,
  checksFor,
  deploymentBudgetSeconds,
  deploymentMetrics,
  type EcsTrafficWindow,
  trafficWindow,
} from "./ecs-windows";

export type { EcsReleaseHost, EcsReleaseOptions, EcsReleaseTarget } from "./ecs-release-options";

/** Whether a service's release is ECS's to run (router kind `aws-ecs-deployment`). */
export function isEcsManaged(service: StackService): boolean {
  return service.release.router?.kind === "aws-ecs-deployment";
}

/** How a watched deployment ended. */
type WatchEnd =
  | { readonly kind: "finished"; readonly deployment: EcsServiceDeployment }
  | { readonly kind: "checkFailed"; readonly result: AnalysisResult };

/** One round of checks in progress. */
interface Round {
  readonly window: EcsTrafficWindow;
  readonly stop: AbortController;
  readonly startedAt: Date;
  readonly weight: number;
  settled?: AnalysisResult | "stopped";
  readonly done: Promise<void>;
}

/** One release of an ECS-managed service; ReleaseRun creates it and calls run() or revert(). */
export class EcsNativeRelease implements ReleaseMode {
  private service: StackService;
  private readonly descriptor: EcsDeploymentDescriptor;
  private readonly api: EcsDeployments;
  private readonly pollMs: number;
  /** What the last poll reported, so each change is told once. */
  private lastLine = "";
  private lastWeight: number | undefined;
  /** A revert that failed: ReleaseRun's catch calls revert again, which must not redo it. */
  private failedRevert: ReleaseError | undefined;

  constructor(
    private readonly t: EcsReleaseTarget,
    private readonly plan: ReleasePlan,
    private readonly o: DriverOptions,
    private readonly host: EcsReleaseHost,
    private readonly e: EcsReleaseOptions,
  ) {
    this.service = t.service;
    this.descriptor = t.service.release.router as EcsDeploymentDescriptor;
    this.api = e.deployments ?? ecsDeployments(this.descriptor, e);
    this.pollMs = e.pollMs ?? ECS_RELEASE_DEFAULTS.pollMs;
  }

  private get name(): string {
    return this.service.release.name;
  }

  private get serviceLabel(): string {
    return `ECS service ${shortArn(this.descriptor.serviceArn)} (cluster ${shortArn(this.descriptor.clusterArn)})`;
  }

  private async record(patch: Partial<EcsDeploymentRecord>): Promise<EcsDeploymentRecord> {
    const rec = {
      ...(this.host.journal().ecsDeployment ?? { upStartedAt: new Date().toISOString() }),
      ...patch,
    };
    await this.host.save({ ecsDeployment: rec });
    return rec;
  }

  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return sleep(ms, undefined, signal ? { signal } : {});
  }

  /**
   * Deploys, finds and watches the deployment to its end. Called by ReleaseRun.run() after its
   * start; anything thrown makes ReleaseRun revert (through {@link revert}).
   */
  async run(): Promise<ReleaseResult> {
    let rec = this.host.journal().ecsDeployment;
    let dep: EcsServiceDeployment | undefined;
    if (rec?.arn) {
      dep = await this.api.describe(rec.arn, this.host.signal ?? this.o.signal);
      this.log("info", `resuming the watch of ${describeDeployment(dep)}`);
    } else {
      // A driver stopped during the deploy: its `up` may have started the deployment already.
      const signal = this.host.signal ?? this.o.signal;
      if (rec) dep = await this.find(rec.upStartedAt, 0, signal);
      if (!dep) {
        const deployed = await this.deploy();
        rec = deployed.rec;
        if (!deployed.changed)
          throw new ReleaseError(
            "verification",
            `the up changed no resource, so ECS has nothing to deploy to ${this.serviceLabel}: does the image of ${this.plan.version} differ from ${this.plan.previousVersion}'s?`,
          );
        dep = await this.find(
          rec.upStartedAt,
          this.e.findTimeoutMs ?? ECS_RELEASE_DEFAULTS.findTimeoutMs,
          signal,
        );
      }
      if (!dep?.serviceDeploymentArn) {
        throw new ReleaseError(
          "verification",
          `no ECS deployment of ${this.serviceLabel} started after the up at ${rec?.upStartedAt ?? "?"} within ${Math.round((this.e.findTimeoutMs ?? ECS_RELEASE_DEFAULTS.findTimeoutMs) / 1000)} s; check the service's events (aws ecs describe-services)`,
        );
      }
      const rule = await this.api.ruleWeights(this.host.signal ?? this.o.signal);
      const role = "shares" in rule ? candidateRoleOf(rule.shares, dep) : undefined;
      if (role === undefined)
        this.log(
          "warn",
          `cannot tell which target group runs the new revision (${"reason" in rule ? rule.reason : rule.detail}): builtin checks will read no data`,
        );
      rec = await this.record({
        arn: dep.serviceDeploymentArn,
        status: dep.status ?? "UNKNOWN",
        ...(role !== undefined ? { candidateRole: role } : {}),
      });
      this.log("info", `watching ${describeDeployment(dep)}`);
    }
    await this.host.save({ phase: "stepping", stepIndex: 1 });
    const end = await this.watch(dep);
    if (end.kind === "checkFailed") {
      const r = end.result;
      return this.revert(
        `analysis ${r.outcome.toLowerCase()} during the ECS deployment: ${r.reason}`,
        r.firstFailureAt ?? new Date(),
      );
    }
    const d = end.deployment;
    if (d.status === "SUCCESSFUL") return this.promoted(d);
    if (isRollback(d.status)) {
      const why = d.rollback?.reason ?? d.statusReason ?? "no reason given";
      return this.revert(`reverted by ECS (${d.status}): ${why}`, d.rollback?.startedAt ?? new Date());
    }
    throw new ReleaseError(
      "verification",
      `${describeDeployment(d)}: ECS stopped the deployment without a rollback; the revert deploys ${this.plan.previousVersion} again`,
    );
  }

  /** Writes the entry with the new version and runs `up`, which starts ECS's deployment. */
  private async deploy(): Promise<{ rec: EcsDeploymentRecord; changed: boolean }> {
    const started = new Date();
    const entry: TrafficEntry = { stableVersion: this.plan.version, candidateWeight: 0 };
    // Saved before `up`: a resumed driver looks for a deployment created after this.
    const rec: EcsDeploymentRecord = { upStartedAt: started.toISOString() };
    await this.host.save({ phase: "deploying", stepIndex: 0, intended: entry, ecsDeployment: rec });
    const { upMs, changed } = await this.writeAndUp(
      entry,
      `deploy ${this.plan.version}: ECS ${this.descriptor.strategy} deployment`,
    );
    await this.host.save({ applied: entry });
    this.host.emit({
      type: "trafficApplied",
      traffic: {
        stableVersion: this.plan.previousVersion,
        candidateVersion: this.plan.version,
        candidateWeight: 0,
      },
      effectiveWeight: 0,
      verified: false,
      unverifiedReason: "ECS starts its deployment after the up; its weights are read back while it runs",
      durationMs: Date.now() - started.getTime(),
      upMs,
    });
    await this.host.recorder.step(0, "deploy", started, "passed", { weight: 0, verified: false });
    return { rec, changed };
  }

  /**
   * Writes `entry` and runs `up` under the stack's step lock; checks the component took it.
   * `changed`: whether the `up` changed any resource (none: ECS has nothing to deploy).
   */
  private async writeAndUp(entry: TrafficEntry, why: string): Promise<{ upMs: number; changed: boolean }> {
    this.host.emit({ type: "trafficApplying", traffic: entry, why });
    const { result: up, upMs } = await writeAndUp(
      { host: this.host, stack: this.t.stack },
      { [this.name]: entry },
      () => this.t.stack.up(this.o.onOutput ? { onOutput: this.o.onOutput } : {}),
    );
    const ops = up.result.summary?.resourceChanges;
    const changed = ops === undefined || Object.entries(ops).some(([op, n]) => op !== "same" && (n ?? 0) > 0);
    this.service = await this.t.stack.service(this.name);
    const asked = this.service.release.traffic;
    if (asked.stableVersion !== entry.stableVersion || asked.candidateVersion !== undefined)
      throw trafficNotTaken(this.service, JSON.stringify(asked), entry);
    return { upMs, changed };
  }

  /**
   * The deployment created after `after` (newest first), waiting up to `timeoutMs` for it to
   * appear; undefined when none did.
   */
  private async find(
    after: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<EcsServiceDeployment | undefined> {
    const since = new Date(Date.parse(after) - (this.e.clockSkewMs ?? ECS_RELEASE_DEFAULTS.clockSkewMs));
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [newest] = await this.api.list(since, signal);
      if (newest?.serviceDeploymentArn) return this.api.describe(newest.serviceDeploymentArn, signal);
      if (Date.now() >= until) return undefined;
      await this.wait(Math.min(this.pollMs, Math.max(0, until - Date.now())), signal);
    }
  }

  /** Reports `dep` when it changed: a log line, and the split read back when ECS's weight moved. */
  private async report(dep: EcsServiceDeployment, signal: AbortSignal | undefined): Promise<void> {
    const line = describeDeployment(dep);
    if (line !== this.lastLine) {
      this.lastLine = line;
      this.log("info", line);
      await this.record({ status: dep.status ?? "UNKNOWN" });
    }
    const w = requestedWeight(dep);
    if (w === undefined || w === this.lastWeight) return;
    this.lastWeight = w;
    const started = Date.now();
    const rec = this.host.journal().ecsDeployment;
    const reading = ecsDeploymentReading(dep, await this.api.ruleWeights(signal), rec?.candidateRole);
    this.host.emit({
      type: "trafficApplied",
      traffic: {
        stableVersion: this.plan.previousVersion,
        candidateVersion: this.plan.version,
        candidateWeight: w,
      },
      effectiveWeight: reading.verified ? reading.candidateWeight : w,
      verified: reading.verified,
      ...(reading.verified ? {} : { unverifiedReason: reading.reason }),
      durationMs: Date.now() - started,
      upMs: 0,
    });
  }

  private analysisTarget(dep: EcsServiceDeployment, target: "candidate" | "active"): AnalysisTarget {
    const release = this.service.release;
    const header = this.descriptor.testHeader;
    return {
      candidate: this.plan.version,
      stable: this.plan.previousVersion,
      candidateWeight: requestedWeight(dep) ?? 0,
      release: {
        ...release,
        metrics: deploymentMetrics(release.metrics, this.host.journal().ecsDeployment?.candidateRole),
      },
      secrets: this.service.secrets,
      metrics: this.t.settings.metrics,
      // HTTP checks of the new revision go through the test rule; "active" ones to production.
      ...(target === "candidate" && header ? { candidateHeader: header } : {}),
      httpBaseUrl: release.endpoint,
    };
  }

  private startRound(dep: EcsServiceDeployment, window: EcsTrafficWindow): Round | undefined {
    const { checks, target } = checksFor(this.plan.strategy, window);
    if (checks.length === 0) return undefined;
    const stop = new AbortController();
    const outer = this.host.signal ?? this.o.signal;
    const onAbort = () => stop.abort(outer?.reason);
    outer?.addEventListener("abort", onAbort, { once: true });
    const run = this.e.runAnalysis;
    const round: Round = {
      window,
      stop,
      startedAt: new Date(),
      weight: requestedWeight(dep) ?? 0,
      done: run(checks, this.analysisTarget(dep, target), {
        signal: stop.signal,
        failFast: this.t.settings.release.failFast,
        onMeasurement: (measurement: CheckMeasurement) =>
          this.host.emit({ type: "checkResult", step: 1, measurement }),
      }).then(
        (r) => {
          round.settled = r;
        },
        (err: unknown) => {
          // Stopped by the watch (the window ended) is no verdict; the caller's abort is.
          if (stop.signal.aborted && !outer?.aborted) round.settled = "stopped";
          else throw err;
        },
      ),
    };
    void round.done.finally(() => outer?.removeEventListener("abort", onAbort)).catch(() => undefined);
    return round;
  }

  private async stopRound(round: Round | undefined): Promise<void> {
    if (!round || round.settled) return;
    round.stop.abort(new Error("the deployment left the window of these checks"));
    await round.done.catch(() => undefined);
  }

  /** Polls the deployment to its end, running the checks in their windows. */
  private async watch(first: EcsServiceDeployment): Promise<WatchEnd> {
    const arn = first.serviceDeploymentArn as string;
    const budgetMs =
      this.e.deploymentTimeoutMs ??
      (deploymentBudgetSeconds(this.plan.strategy) + ECS_RELEASE_DEFAULTS.marginSeconds) * 1000;
    const deadline = Date.now() + budgetMs;
    const errorLimit = this.e.readErrorLimit ?? ECS_RELEASE_DEFAULTS.readErrorLimit;
    let dep = first;
    let round: Round | undefined;
    let errors = 0;
    const signal = this.host.signal ?? this.o.signal;
    try {
      for (;;) {
        await this.report(dep, signal);
        if (isFinished(dep.status) || isRollback(dep.status)) {
          await this.stopRound(round);
          // A rollback ECS started itself: wait for its end like the driver's own.
          return {
            kind: "finished",
            deployment: isFinished(dep.status) ? dep : await this.waitFinished(arn, signal),
          };
        }
        const window = trafficWindow(dep);
        if (round && round.window !== window) {
          await this.stopRound(round);
          round = undefined;
        }
        if (!round && window) round = this.startRound(dep, window);
        if (Date.now() >= deadline) {
          throw new ReleaseError(
            "verification",
            `${describeDeployment(dep)}: still not finished after ${Math.round(budgetMs / 60_000)} min (the strategy's pauses, checks and bake, its progress deadline and 10 min); stopping it with rollback`,
          );
        }
        const waits: Promise<unknown>[] = [
          this.wait(Math.min(this.pollMs, Math.max(0, deadline - Date.now())), signal),
        ];
        if (round) waits.push(round.done);
        await Promise.race(waits);
        if (round?.settled !== undefined) {
          const r = round.settled;
          const ended = round;
          round = undefined;
          if (r !== "stopped") {
            this.host.emit({ type: "analysisDone", step: 1, outcome: r.outcome, reason: r.reason });
            await this.host.recorder.step(1, "analysis", ended.startedAt, stepOutcome(r.outcome), {
              weight: ended.weight,
              checks: r.measurements.map((m) => toCheckRecord(m, new Date())),
            });
            if (r.outcome !== "Successful") return { kind: "checkFailed", result: r };
          }
          // A passed round starts again at the next poll: the checks watch the whole window.
        }
        try {
          dep = await this.api.describe(arn, signal);
          errors = 0;
        } catch (err) {
          signal?.throwIfAborted();
          errors++;
          if (errors >= errorLimit) throw err;
          this.log(
            "warn",
            `${classifyError(err).message} (${errors} of ${errorLimit} reads failed in a row; retrying)`,
          );
        }
      }
    } finally {
      await this.stopRound(round);
    }
  }

  /** Polls until ECS is done with the deployment (or the rollback timeout passes). */
  private async waitFinished(arn: string, signal: AbortSignal | undefined): Promise<EcsServiceDeployment> {
    const timeoutMs = this.e.rollbackTimeoutMs ?? ECS_RELEASE_DEFAULTS.rollbackTimeoutMs;
    const until = Date.now() + timeoutMs;
    for (;;) {
      const dep = await this.api.describe(arn, signal);
      await this.report(dep, signal);
      if (isFinished(dep.status)) return dep;
      if (Date.now() >= until)
        throw new ReleaseError(
          "verification",
          `${describeDeployment(dep)}: not finished after ${Math.round(timeoutMs / 60_000)} min of rollback; see the service's events (aws ecs describe-service-deployments)`,
        );
      await this.wait(Math.min(this.pollMs, Math.max(0, until - Date.now())), signal);
    }
  }

  private async promoted(dep: EcsServiceDeployment): Promise<ReleaseResult> {
    await runHooks("postPromotion", {
      settings: this.t.settings,
      cwd: this.t.stack.workDir,
      emit: (e) => this.host.emit(e),
    });
    const traffic: TrafficEntry = { stableVersion: this.plan.version, candidateWeight: 0 };
    await this.record({ status: dep.status ?? "SUCCESSFUL" });
    await this.host.save({ phase: "succeeded", stepIndex: 2 });
    this.log("info", `${describeDeployment(dep)} (read back from ECS)`);
    this.host.emit({ type: "promoted", version: this.plan.version });
    const reports = await this.host.recorder.finished("promoted", traffic);
    return { releaseId: this.host.journal().releaseId, outcome: "promoted", traffic, reports };
  }

  /**
   * Stops the deployment with rollback (unless ECS is rolling it back or is done with it), waits
   * for ROLLBACK_SUCCESSFUL, then records the stable version again (see {@link settle}).
   */
  async revert(reason: string, failureAt: Date): Promise<ReleaseResult> {
    if (this.failedRevert) throw this.failedRevert;
    const j = this.host.journal();
    await this.host.save({ phase: "reverting", reason, failureAt: j.failureAt ?? failureAt.toISOString() });
    this.host.emit({ type: "reverting", reason });
    const since = Date.parse(this.host.journal().failureAt ?? failureAt.toISOString());
    const lastGood = j.lastGood;
    try {
      const started = new Date();
      let timeToRevertMs: number | undefined;
      let rec = j.ecsDeployment;
      if (rec?.arn) {
        const arn = rec.arn;
        let dep = await this.api.describe(arn);
        if (!isFinished(dep.status) && !isRollback(dep.status) && !rec.stopRequestedAt) {
          await this.api.stop(arn);
          rec = await this.record({ stopRequestedAt: new Date().toISOString() });
          this.log("info", `StopServiceDeployment (ROLLBACK) sent for ${describeDeployment(dep)}`);
        }
        // Not under the caller's signal: an aborted release still waits for its rollback.
        dep = isFinished(dep.status) ? dep : await this.waitFinished(arn, undefined);
        if (dep.status === "ROLLBACK_SUCCESSFUL") {
          timeToRevertMs = Date.now() - since;
          this.log(
            "info",
            `${describeDeployment(dep)}: traffic is back on ${lastGood.stableVersion} (read back from ECS)`,
          );
        } else if (dep.status !== "SUCCESSFUL" && dep.status !== "STOPPED") {
          throw new ReleaseError(
            "verification",
            `${describeDeployment(dep)}: ECS could not roll the deployment back; see the service's events (aws ecs describe-service-deployments)`,
          );
        }
        // SUCCESSFUL (it ended before the stop) or STOPPED: the settle's deployment takes it back.
      }
      await this.settle(lastGood);
      timeToRevertMs ??= Date.now() - since;
      await this.host.recorder.step(this.host.journal().stepIndex, "revert", started, "passed", {
        weight: 0,
        verified: rec?.arn !== undefined,
      });
      await this.host.save({ phase: "reverted" });
      this.host.emit({
        type: "reverted",
        reason,
        timeToRevertMs,
        verified: rec?.arn !== undefined,
        ...(rec?.arn === undefined ? { unverifiedReason: "no ECS deployment was found to read back" } : {}),
      });
      const reports = await this.host.recorder.finished(
        reason.startsWith("aborted") ? "aborted" : "reverted",
        lastGood,
        {
          reason,
          timeToRevertMs,
        },
      );
      return {
        releaseId: j.releaseId,
        outcome: "reverted",
        reason,
        timeToRevertMs,
        traffic: lastGood,
        reports,
      };
    } catch (err) {
      const e = classifyError(err);
      const why = `revert did not complete: ${e.message}`;
      await this.host.save({ phase: "failed", reason: `${reason}; ${why}` });
      this.host.emit({ type: "failed", reason: `${reason}; ${why}` });
      await this.host.recorder.finished("failed", lastGood, { reason: `${reason}; ${why}` });
      this.failedRevert = new ReleaseError(
        e.kind === "locked" ? "locked" : "engine",
        `${why}; run progressive status, then progressive abort to retry the revert`,
        err,
      );
      throw this.failedRevert;
    }
  }

  /**
   * Records the stable version again and runs `up`, so the stack's state and config match what
   * ECS runs. What that `up` does to ECS: the rollback left the service on the old task definition
   * revision while Pulumi's state still holds the new one; with the old version in the entry the
   * component renders the old image again, Pulumi replaces the task definition (a new revision
   * with the old content: ECS never reuses one) and updates the service, and ECS starts one more
   * deployment, from the old revision to an identical copy. Traffic stays on the old code all
   * along. Skipping the `up` would leave the next `up` of the stack (any service's release step)
   * to start that same deployment unannounced, and the state naming a version that does not run;
   * so the driver runs it now and waits for that deployment to end, holding the release lock.
   */
  private async settle(lastGood: TrafficEntry): Promise<void> {
    const entry: TrafficEntry = { stableVersion: lastGood.stableVersion, candidateWeight: 0 };
    let rec = this.host.journal().ecsDeployment;
    const reuse = rec?.settleStartedAt;
    const started = reuse ?? new Date().toISOString();
    if (!reuse) rec = await this.record({ settleStartedAt: started });
    // Not under the caller's signal: an aborted release still records the stable version.
    const { changed } = await this.writeAndUp(entry, `revert: record ${entry.stableVersion} again`);
    await this.host.save({ applied: entry });
    // No change and no earlier settle: the release's own up never reached ECS.
    const dep =
      changed || reuse
        ? await this.find(started, this.e.findTimeoutMs ?? ECS_RELEASE_DEFAULTS.findTimeoutMs, undefined)
        : undefined;
    if (!dep?.serviceDeploymentArn || dep.serviceDeploymentArn === rec?.arn) {
      this.log("info", `the revert's up started no ECS deployment of ${this.serviceLabel}`);
      return;
    }
    this.log(
      "info",
      `the revert's up re-registered ${entry.stableVersion}'s task definition; ECS deploys it (old code on both sides): ${describeDeployment(dep)}`,
    );
    const end = isFinished(dep.status) ? dep : await this.waitFinished(dep.serviceDeploymentArn, undefined);
    if (end.status !== "SUCCESSFUL")
      this.log(
        "warn",
        `${describeDeployment(end)}: the service still runs ${entry.stableVersion}, on the revision the rollback left`,
      );
  }

  private log(level: "info" | "warn", message: string): void {
    this.host.emit({ type: "log", level, message });
  }
}
