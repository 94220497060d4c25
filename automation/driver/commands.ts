// The driver's operations, one function each, as the CLI and library users call them:
// release, plan, status, resume, promote, abort, rollback, history, promote to the next environment.
// Each works on one service of one stack, found in the stack's state by the release contract.
import * as os from "node:os";
import { reapOrphans } from "../../components/local/runtime/reap";
import type { Release as HistoryRelease, HistorySummary } from "../history";
import { defaultStateDir, ReleaseHistory, summarize } from "../history";
import type { RouterReading } from "../routers";
import { classifyError, ReleaseError } from "./errors";
import {
  acquireLock,
  currentOwner,
  isOpen,
  type Journal,
  journalFile,
  lockFile,
  ownerAlive,
  readJournal,
  stackStepLockFile,
  TERMINAL_PHASES,
  waitForLock,
  writeJournal,
} from "./journal";
import { buildPlan, type ReleasePlan, strategyDifference } from "./plan";
import { type PreflightOptions, preflight } from "./preflight";
import {
  controlOf,
  currentTraffic,
  type DriverOptions,
  loadJournal,
  planRelease,
  type ReleaseResult,
  ReleaseRun,
  type ReleaseTarget,
} from "./release";
import { projectName, StackHandle, type StackLock, type StackTarget, type TrafficEntry } from "./stack";

export interface CommandOptions
  extends DriverOptions,
    Omit<PreflightOptions, "onItem" | "onOutput" | "signal"> {}

/** Opens the stack, its settings and the service the target names (or its only one). */
export async function openTarget(target: StackTarget): Promise<ReleaseTarget> {
  const stack = await StackHandle.open(target);
  const settings = await stack.settings();
  const service = await stack.service(target.service);
  return { stack, settings, service };
}

/**
 * Runs `fn` holding the service's release lock, taken atomically before anything is written; a
 * second driver is refused at once (exit 5) naming the holder.
 */
async function locked<T>(
  t: ReleaseTarget,
  o: { stateDir?: string },
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const name = t.service.release.name;
  const file = lockFile(journalFile(o.stateDir ?? defaultStateDir(), t.stack.project, t.stack.name, name));
  const got = acquireLock(file, what);
  if ("heldBy" in got) {
    const h = got.heldBy;
    throw new ReleaseError(
      "inProgress",
      `service ${name} of stack ${t.stack.name} is held by ${h.what} (driver pid ${h.pid} on ${h.host}, since ${h.startedAt}); wait for it to finish, or stop that driver (Ctrl-C makes it revert)`,
    );
  }
  try {
    return await fn();
  } finally {
    got.release();
  }
}

function refuseOpen(journal: Journal | undefined): void {
  if (!isOpen(journal)) return;
  const svc = `--service ${journal.service}`;
  // A paused or failed promotion has no driver running: say what works in that state.
  if (journal.phase === "promotionFailed")
    throw new ReleaseError(
      "inProgress",
      `the promotion of release ${journal.releaseId} (${journal.version}) failed on service ${journal.service}: ${journal.reason ?? "see progressive status"}; run progressive resume ${svc} to retry it or progressive abort ${svc} to go back to ${journal.lastGood.stableVersion}`,
    );
  if (journal.phase === "paused")
    throw new ReleaseError(
      "inProgress",
      `release ${journal.releaseId} of ${journal.version} is paused for a decision on service ${journal.service}; run progressive promote ${svc} to go on or progressive abort ${svc} to revert it`,
    );
  const alive = ownerAlive(journal.owner);
  throw new ReleaseError(
    "inProgress",
    alive === true
      ? `release ${journal.releaseId} of ${journal.version} is in progress on service ${journal.service} (driver pid ${journal.owner.pid}); wait for it, or run progressive abort ${svc}`
      : `release ${journal.releaseId} of ${journal.version} was cut short in phase ${journal.phase}; run progressive resume ${svc} to continue it or progressive abort ${svc} to revert it`,
  );
}

/**
 * Plans a release and changes nothing. The plan is the deployed strategy's (what a release follows);
 * a preview tells whether the program now declares another strategy, which the plan then says,
 * with that strategy's own provider problems.
 */
export async function planCommand(target: StackTarget, version: string): Promise<ReleasePlan> {
  const t = await openTarget(target);
  const plan = await planRelease(t, version);
  const inProgram = (await t.stack.programReleases()).get(t.service.release.name);
  const differs = inProgram && strategyDifference(t.service.release.strategy, inProgram.strategy);
  if (!inProgram || !differs) return plan;
  const notes = [
    `the program's strategy differs from the deployed one (${differs}): this plan is the deployed one's; run pulumi up first (it moves no traffic) to release with the program's, then plan again (a release started now stops at its preflight strategy check, or follows the deployed strategy with progressive:release.drift off)`,
  ];
  try {
    await planRelease(
      { ...t, service: { ...t.service, release: { ...t.service.release, strategy: inProgram.strategy } } },
      version,
    );
  } catch (err) {
    notes.push(`the program's strategy would not run: ${classifyError(err).message}`);
  }
  return { ...plan, notes };
}

/** Releases `version`: preflight, then the plan, reverting on failure. */
export async function releaseCommand(
  target: StackTarget,
  version: string,
  o: CommandOptions = {},
): Promise<ReleaseResult> {
  const t = await openTarget(target);
  return locked(t, o, `release ${version}`, async () => {
    refuseOpen(loadJournal(t.stack, t.service.release.name, o.stateDir));
    const plan = await planRelease(t, version);
    const releaseEvents = (check: string, ok: boolean, detail: string) =>
      o.onEvent?.({ type: "preflight", check, ok, detail, at: new Date(), releaseId: "preflight" });
    await preflight(t, {
      ...o,
      onItem: releaseEvents,
      ...(o.onOutput ? { onOutput: o.onOutput } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return new ReleaseRun(t, plan, o).run();
  });
}

/** Where one service stands. */
export interface ServiceStatus {
  /** The component's Pulumi name (`--service`). */
  readonly name: string;
  readonly type: string;
  readonly platform: string;
  readonly kind: string;
  readonly endpoint: string;
  readonly previewEndpoint?: string;
  /** The traffic entry (the truth after a release), else what the last deploy asked. */
  readonly traffic: TrafficEntry;
  /** The version the program declared at its last `up` (`sync` releases it when it does not run). */
  readonly declaredVersion?: string;
  /** What the router applies now, read live; unverified when it cannot be read. */
  readonly router: RouterReading;
  readonly journal?: Journal;
  /** Whether the journal's driver still runs. */
  readonly driverAlive?: boolean | "unknown";
}

export interface StatusReport {
  readonly project: string;
  readonly stack: string;
  readonly services: readonly ServiceStatus[];
  readonly pendingOperations: number;
  /** Locks on the stack (file backends), e.g. left by a killed `pulumi`. */
  readonly locks: readonly StackLock[];
}

/** Where the stack's services and their releases stand (all of them, or `target.service`). */
export async function statusCommand(
  target: StackTarget,
  o: { stateDir?: string } = {},
): Promise<StatusReport> {
  const stack = await StackHandle.open(target);
  const settings = await stack.settings();
  const all = await stack.services();
  const chosen = target.service ? [await stack.service(target.service)] : all;
  const services: ServiceStatus[] = [];
  for (const service of chosen) {
    const t: ReleaseTarget = { stack, settings, service };
    const r = service.release;
    const traffic = await currentTraffic(t);
    const journal = loadJournal(stack, r.name, o.stateDir);
    const router = await controlOf(t).read(traffic);
    services.push({
      name: r.name,
      type: r.type,
      platform: r.platform,
      kind: r.kind,
      endpoint: r.endpoint,
      ...(r.previewEndpoint ? { previewEndpoint: r.previewEndpoint } : {}),
      traffic,
      ...(r.declaredVersion !== undefined ? { declaredVersion: r.declaredVersion } : {}),
      router,
      ...(journal ? { journal, driverAlive: ownerAlive(journal.owner) } : {}),
    });
  }
  return {
    project: stack.project,
    stack: stack.name,
    services,
    pendingOperations: await stack.pendingOperations(),
    locks: stack.locks(),
  };
}

/** Takes over a cut-short release: refuses while its driver still runs. */
async function takeOver(
  target: StackTarget,
  o: CommandOptions,
  /** Changes to the journal before the run is built (e.g. skip to promotion); may throw. */
  adjust: (journal: Journal, plan: ReleasePlan) => Partial<Journal> = () => ({}),
): Promise<{
  stack: StackHandle;
  journal: Journal;
  plan: ReleasePlan;
  run: ReleaseRun;
  /** Gives the service's release lock back; call when the run is over. */
  unlock: () => void;
}> {
  const t = await openTarget(target);
  const stack = t.stack;
  const name = t.service.release.name;
  const lock = acquireLock(
    lockFile(journalFile(o.stateDir ?? defaultStateDir(), stack.project, stack.name, name)),
    "a resume, promote or abort",
  );
  if ("heldBy" in lock) {
    const h = lock.heldBy;
    throw new ReleaseError(
      "inProgress",
      `service ${name} of stack ${stack.name} is held by ${h.what} (driver pid ${h.pid} on ${h.host}, since ${h.startedAt}); wait for it, or stop that driver (Ctrl-C makes it revert)`,
    );
  }
  try {
    return { ...(await takeOverLocked(t, o, adjust)), unlock: lock.release };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function takeOverLocked(
  t: ReleaseTarget,
  o: CommandOptions,
  adjust: (journal: Journal, plan: ReleasePlan) => Partial<Journal>,
): Promise<{ stack: StackHandle; journal: Journal; plan: ReleasePlan; run: ReleaseRun }> {
  const stack = t.stack;
  const name = t.service.release.name;
  const journal = loadJournal(stack, name, o.stateDir);
  if (!isOpen(journal))
    throw new ReleaseError(
      "usage",
      `service ${name} of stack ${stack.name} has no release in progress; progressive status shows the last one`,
    );
  const alive = ownerAlive(journal.owner);
  if (alive === true && journal.owner.pid !== process.pid) {
    throw new ReleaseError(
      "inProgress",
      `the driver of release ${journal.releaseId} (pid ${journal.owner.pid}) is still running; stop it first (Ctrl-C reverts)`,
    );
  }
  // Another service's driver may be in the middle of its `up` on this stack: its lock and its
  // pending operations are not ours to clear. Wait for its step, then settle what a crash left.
  const stepLock = await waitForLock(
    stackStepLockFile(o.stateDir ?? defaultStateDir(), stack.project, stack.name),
    `settling ${journal.releaseId} (${name})`,
    { timeoutMs: 30 * 60_000 },
  );
  if ("heldBy" in stepLock)
    throw new ReleaseError(
      "locked",
      `stack ${stack.name} is held by ${stepLock.heldBy.what} (driver pid ${stepLock.heldBy.pid}); wait for it to finish`,
    );
  let pending: number;
  try {
    if ((await stack.unlockIfStale()) === "unlocked") {
      o.onEvent?.({
        type: "log",
        level: "warn",
        message: `removed the lock a crashed pulumi left on ${stack.name} (its process is gone)`,
        at: new Date(),
        releaseId: journal.releaseId,
      });
    }
    pending = await stack.pendingOperations();
    if (pending > 0) {
      // A driver killed during `up` can leave pending operations; refresh settles them against reality.
      o.onEvent?.({
        type: "log",
        level: "warn",
        message: `${pending} pending operation(s) from the interrupted update: refreshing`,
        at: new Date(),
        releaseId: journal.releaseId,
      });
      await stack.refresh(o.onOutput, true);
    }
  } finally {
    stepLock.release();
  }
  // The refresh may have changed the state: read the service again.
  const service = pending > 0 ? await stack.service(name) : t.service;
  if (service.release.platform === "local") {
    // An instance set whose create the crash cut short is gone from the state but may still run:
    // stop what the state does not know, and remove config files that may hold secret env.
    const { dir, known } = await stack.localDaemons(service);
    if (dir) {
      const reaped = await reapOrphans(dir, known);
      if (reaped.stopped.length > 0 || reaped.removed.length > 0)
        o.onEvent?.({
          type: "log",
          level: "warn",
          message: `stopped ${reaped.stopped.length} process group(s) the state did not know (pids ${reaped.stopped.join(", ") || "none"}) and removed ${reaped.removed.length} config file(s) left by the interrupted run`,
          at: new Date(),
          releaseId: journal.releaseId,
        });
    }
  }
  const plan = buildPlan(
    `${stack.name}/${name}`,
    service.release.strategy,
    journal.lastGood,
    journal.version,
  );
  const owned: Journal = {
    ...journal,
    ...adjust(journal, plan),
    owner: currentOwner(),
    updatedAt: new Date().toISOString(),
  };
  writeJournal(journalFile(o.stateDir ?? defaultStateDir(), stack.project, stack.name, name), owned);
  const run = new ReleaseRun({ ...t, service }, plan, o, owned);
  return { stack, journal: owned, plan, run };
}

/** Continues a cut-short release from its journal (also a failed promotion: it is retried). */
export async function resumeCommand(target: StackTarget, o: CommandOptions = {}): Promise<ReleaseResult> {
  const { journal, run, unlock } = await takeOver(target, o);
  try {
    if (journal.phase === "reverting")
      return await run.revert(journal.reason ?? "resumed revert", new Date(journal.failureAt ?? Date.now()));
    if (journal.phase === "paused") {
      const svc = `--service ${journal.service}`;
      throw new ReleaseError(
        "usage",
        `release ${journal.releaseId} is paused for a manual decision: run progressive promote ${svc} or progressive abort ${svc}`,
      );
    }
    await run.restoreApplied();
    return await run.run();
  } finally {
    unlock();
  }
}

/** Reverts the release in progress (or cut short). */
export async function abortCommand(target: StackTarget, o: CommandOptions = {}): Promise<ReleaseResult> {
  const t = await openTarget(target);
  const stack = t.stack;
  const name = t.service.release.name;
  const journal = loadJournal(stack, name, o.stateDir);
  if (isOpen(journal) && ownerAlive(journal.owner) === true && journal.owner.pid !== process.pid) {
    // The running driver reverts on SIGINT; ask it, then wait until it has finished.
    process.kill(journal.owner.pid, "SIGINT");
    const file = journalFile(o.stateDir ?? defaultStateDir(), stack.project, stack.name, name);
    for (let i = 0; i < 600; i++) {
      const j = readJournal(file);
      if (!isOpen(j) || ownerAlive(j.owner) !== true) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const after: Journal | undefined = readJournal(file);
    if (after && TERMINAL_PHASES.includes(after.phase)) {
      return {
        releaseId: journal.releaseId,
        outcome: "reverted",
        traffic: after.lastGood,
        ...(after.reason ? { reason: after.reason } : {}),
      };
    }
  }
  const { journal: j, run, unlock } = await takeOver(target, o);
  try {
    return await run.revert(
      `aborted by ${o.actor ?? process.env.USER ?? os.userInfo().username}`,
      new Date(j.failureAt ?? Date.now()),
    );
  } finally {
    unlock();
  }
}

/** Continues past a pause that waits for a decision; `full` skips the remaining steps. */
export async function promoteCommand(
  target: StackTarget,
  o: CommandOptions & { full?: boolean } = {},
): Promise<ReleaseResult> {
  const { run, unlock } = await takeOver(target, o, (journal, plan) => {
    if (journal.phase !== "paused" && !o.full) {
      throw new ReleaseError(
        "usage",
        `release ${journal.releaseId} is ${journal.phase}, not paused; use --full to skip its remaining steps`,
      );
    }
    if (!o.full) return {};
    const first = plan.actions.findIndex((a) => a.kind === "promote" || a.kind === "switch");
    return { phase: "stepping", stepIndex: Math.max(first, journal.stepIndex) };
  });
  try {
    return await run.run();
  } finally {
    unlock();
  }
}

/** Promoted releases of one service, newest first. */
async function goodReleases(t: ReleaseTarget, stateDir: string | undefined): Promise<HistoryRelease[]> {
  const history = new ReleaseHistory({ stateDir: stateDir ?? defaultStateDir() });
  return (await history.listReleases(t.stack.key)).filter(
    (r) => r.outcome === "promoted" && (r.service === undefined || r.service === t.service.release.name),
  );
}

/** Returns to an earlier good version from the history (default: the one before the current). */
export async function rollbackCommand(
  target: StackTarget,
  o: CommandOptions & { to?: string } = {},
): Promise<ReleaseResult> {
  const t = await openTarget(target);
  return locked(t, o, "a rollback", () => rollbackLocked(t, o));
}

async function rollbackLocked(t: ReleaseTarget, o: CommandOptions & { to?: string }): Promise<ReleaseResult> {
  const name = t.service.release.name;
  refuseOpen(loadJournal(t.stack, name, o.stateDir));
  const good = await goodReleases(t, o.stateDir);
  const now = await currentTraffic(t);
  const current = now.stableVersion;
  const candidates = [...good.map((r) => r.version), ...good.map((r) => r.previousVersion ?? "")].filter(
    (v) => v && v !== current,
  );
  const to = o.to ?? good.find((r) => r.version === current)?.previousVersion;
  if (!to || !candidates.includes(to)) {
    throw new ReleaseError(
      "usage",
      `no earlier good version ${o.to ? `named ${o.to} ` : ""}in the history of ${t.stack.key} service ${name}; known good: ${[...new Set(candidates)].join(", ") || "none"}`,
    );
  }
  const colour = now.activeColor ? { activeColor: now.activeColor } : {};
  const plan: ReleasePlan = {
    stack: `${t.stack.name}/${name}`,
    version: to,
    previousVersion: current,
    strategy: t.service.release.strategy,
    actions: [
      {
        kind: "deploy",
        traffic: { stableVersion: to, candidateWeight: 0, ...colour },
        description: `roll back to ${to}`,
      },
    ],
    revertTarget: { stableVersion: current, candidateWeight: 0, ...colour },
  };
  return new ReleaseRun(t, plan, o).run();
}

/** Releases the version last promoted in `from` to the `to` stack, through `to`'s own gates. */
export async function promoteEnvironmentCommand(
  from: StackTarget,
  to: StackTarget,
  o: CommandOptions = {},
): Promise<ReleaseResult> {
  const source = await openTarget(from);
  const good = await goodReleases(source, o.stateDir);
  const version = good[0]?.version ?? (await currentTraffic(source)).stableVersion;
  const next = source.settings.release.next;
  if (next && next !== to.stackName) {
    o.onEvent?.({
      type: "log",
      level: "warn",
      message: `${source.stack.name} names ${next} as its next environment, not ${to.stackName}`,
      at: new Date(),
      releaseId: "promote-env",
    });
  }
  return releaseCommand({ ...to, service: to.service ?? source.service.release.name }, version, o);
}

/**
 * Releases and summary figures: of one stack of the project in `target.workDir` (and one service
 * when `target.service` is set), or of every stack under the state folder.
 */
export async function historyCommand(
  target: { readonly workDir?: string; readonly stackName?: string; readonly service?: string } = {},
  o: { stateDir?: string } = {},
): Promise<{ releases: HistoryRelease[]; summary: HistorySummary }> {
  const history = new ReleaseHistory({ stateDir: o.stateDir ?? defaultStateDir() });
  const key = target.stackName
    ? `${projectName(target.workDir ?? process.cwd())}/${target.stackName}`
    : undefined;
  const all = await history.listReleases(key);
  // No history for a named stack: say whether it is a stack at all (a typo must not read as "0 releases").
  if (target.stackName && all.length === 0)
    await StackHandle.open({ ...target, stackName: target.stackName });
  const releases = all.filter((r) => !target.service || r.service === target.service);
  if (target.service && all.length > 0 && !all.some((r) => r.service === target.service)) {
    const known = [...new Set(all.map((r) => r.service).filter((s) => s !== undefined))];
    throw new ReleaseError(
      "usage",
      `the history of ${key ?? "every stack"} has no release of a service named "${target.service}"; it has ${known.join(", ") || "none"}`,
    );
  }
  return { releases, summary: summarize(releases) };
}
