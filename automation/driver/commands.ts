// The driver's operations, one function each, as the CLI and library users call them:
// release, plan, status, resume, promote, abort, rollback, history, promote to the next environment.
// Each works on one service of one stack, found in the stack's state by the release contract, with
// its release state (journal, leases, history, reports) in the stack's release store.
import * as os from "node:os";
import type { Release as HistoryRelease, HistorySummary } from "../history";
import { newReleaseId, summarize } from "../history";
import { beforeTakeOver } from "../platforms";
import type { RouterReading } from "../routers/types";
import { describeHolder, type HeldLease, hostName, type Lease } from "../store/leases";
import { CONFLICT } from "../store/object-store";
import { classifyError, ReleaseError } from "./errors";
import { checkGroup, groupMembers } from "./group";
import { currentOwner, drivenElsewhere, isOpen, type Journal, ownerAlive, TERMINAL_PHASES } from "./journal";
import type { MemberStart } from "./member";
import { buildPlan, type ReleasePlan, strategyDifference } from "./plan";
import { type PreflightOptions, preflight } from "./preflight";
import {
  type DriverOptions,
  type ReleaseResult,
  ReleaseRun,
  type ReleaseTarget,
  type StoredJournal,
} from "./release";
import { controlOf, currentTraffic, planRelease } from "./release-plan";
import { type ReleaseSettings } from "./settings";
import { StackHandle, type StackLock, type StackTarget, type TrafficEntry } from "./stack";
import { selectService } from "./stack-state";
import {
  chooseStore,
  heldError,
  openStore,
  releaseRunning,
  STATE_STORE_ENV,
  StackState,
  type StoreChoice,
  type StoreOptions,
} from "./state";
import { projectName } from "./workspace";

export interface CommandOptions
  extends DriverOptions,
    Omit<PreflightOptions, "onItem" | "onOutput" | "signal"> {}

/** Opens the release store of a stack: chosen from the options, the environment, its settings and its backend. */
export async function openState(
  stack: StackHandle,
  settings: ReleaseSettings,
  o: StoreOptions = {},
  /** "import": the caller moves this machine's unfinished releases into the store itself. */
  how: { readonly leftovers?: "refuse" | "import" } = {},
): Promise<StackState> {
  const choice: StoreChoice = chooseStore(o, settings, stack.backendUrl);
  const state = new StackState(await openStore(choice), stack.project, stack.name, choice);
  if (how.leftovers !== "import") await refuseLocalLeftovers(state);
  return state;
}

/**
 * A shared store must not silently forget a release that is still open in this machine's state
 * folder (a user who switches to a shared store mid-release): refuse, naming both ways out.
 */
async function refuseLocalLeftovers(state: StackState): Promise<void> {
  if (!state.store.shared || state.choice.folder) return;
  const local = await StackState.localFolder(state.project, state.stack);
  if (!local) return;
  for (const journal of await local.journals()) {
    if (!isOpen(journal)) continue;
    const shared = await state.journal(journal.service);
    if (shared?.journal.releaseId === journal.releaseId) continue;
    const svc = `--service ${journal.service}`;
    throw new ReleaseError(
      "inProgress",
      `release ${journal.releaseId} of ${journal.service} (${journal.version}, ${journal.phase}) is unfinished in this machine's state folder ${local.store.url}, not in the release store ${state.store.url}: finish it there (progressive resume ${svc} --state-dir ${local.store.folder}) or move it into the store with progressive store-import --stack ${state.stack}, then resume it`,
    );
  }
}

/** Opens the stack, its settings, the service the target names (or its only one) and its release state. */
export async function openTarget(target: StackTarget, o: StoreOptions = {}): Promise<ReleaseTarget> {
  const { targets, group } = await openTargets(target, o);
  if (group)
    throw new ReleaseError(
      "usage",
      `${target.group !== undefined ? `--group (${target.group})` : `--service (${target.service})`} names a release group; this command acts on one service: name one with --service <name>`,
    );
  return targets[0] as ReleaseTarget;
}

/**
 * The services a command names: one (`--service web`, or the stack's only one), or the members of a
 * release group (`--service web,api`, `--group checkout`), each with the stack, settings and state.
 */
export async function openTargets(
  target: StackTarget,
  o: StoreOptions = {},
): Promise<{
  readonly targets: ReleaseTarget[];
  readonly group?: { name?: string; members: readonly string[] };
}> {
  const stack = await StackHandle.open(target);
  const settings = await stack.settings();
  const group = groupMembers(target, settings);
  const services = group ? await stack.services() : [await stack.service(target.service)];
  const chosen = group ? group.members.map((name) => selectService(services, name, stack.name)) : services;
  const state = await openState(stack, settings, o);
  const targets = chosen.map((service) => ({ stack, settings, service, state }));
  return group ? { targets, group } : { targets };
}

/**
 * The targets of an open release's group, when the one service named is a member of one (resume,
 * abort and promote act on the whole group); else the targets as named.
 */
async function withOpenGroup(
  named: Awaited<ReturnType<typeof openTargets>>,
): Promise<Awaited<ReturnType<typeof openTargets>>> {
  const t = named.targets[0] as ReleaseTarget;
  if (named.group || named.targets.length !== 1) return named;
  const journal = (await t.state.journal(t.service.release.name))?.journal;
  const group = isOpen(journal) ? journal.group : undefined;
  if (!group) return named;
  const services = await t.stack.services();
  const targets = group.members.map((name) => ({
    ...t,
    service: selectService(services, name, t.stack.name),
  }));
  return { targets, group: { ...(group.name ? { name: group.name } : {}), members: group.members } };
}

/**
 * Runs `fn` holding the lease of every service named, each taken atomically before anything is
 * written (a live lease of another driver, on any machine, is refused at once, exit 5, naming it);
 * the leases are given back when `fn` ends, also when the release pauses. A group's leases are
 * taken in name order whatever order the group lists its members in, so that two drivers whose
 * groups share members meet at the same first lease.
 */
async function locked<T>(
  targets: readonly ReleaseTarget[],
  what: string,
  fn: (leases: Lease[]) => Promise<T>,
  fix = "wait for it to finish, or stop that driver (Ctrl-C makes it revert; progressive abort asks it to)",
): Promise<T> {
  const names = targets.map((t) => t.service.release.name);
  const held = new Map<string, Lease>();
  try {
    for (const name of [...names].sort()) {
      const t = targets[names.indexOf(name)] as ReleaseTarget;
      const got = await t.state.take(t.state.serviceLease(name), `${what} of ${names.join(", ")}`);
      if ("heldBy" in got) throw heldError(`service ${name} of stack ${t.stack.name}`, got.heldBy, fix);
      held.set(name, got.lease);
    }
    return await fn(names.map((n) => held.get(n) as Lease));
  } finally {
    for (const lease of held.values()) await lease.release();
  }
}

/** Who started a journal's release, for messages. */
function startedBy(j: Journal): string {
  return `started by ${j.actor} from ${j.owner.host}${j.owner.ciRunUrl ? ` (${j.owner.ciRunUrl})` : ""}`;
}

/** The CLI's words for a journal's release: `--service web`, or its group's `--group checkout`. */
function namedBy(j: Journal): string {
  if (!j.group) return `--service ${j.service}`;
  return j.group.name ? `--group ${j.group.name}` : `--service ${j.group.members.join(",")}`;
}

/** Refuses a new release while one is open: says what works in its state and who started it. */
function refuseOpen(journal: Journal | undefined): void {
  if (!isOpen(journal)) return;
  const svc = namedBy(journal);
  const who = startedBy(journal);
  // A paused or failed promotion has no driver running: say what works in that state.
  if (journal.phase === "promotionFailed")
    throw new ReleaseError(
      "inProgress",
      `the promotion of release ${journal.releaseId} (${journal.version}, ${who}) failed on service ${journal.service}: ${journal.reason ?? "see progressive status"}; run progressive resume ${svc} to retry it or progressive abort ${svc} to go back to ${journal.lastGood.stableVersion}`,
    );
  if (journal.phase === "paused")
    throw new ReleaseError(
      "inProgress",
      `release ${journal.releaseId} of ${journal.version} (${who}) is paused for a decision on service ${journal.service}; run progressive promote ${svc} to go on or progressive abort ${svc} to revert it`,
    );
  // Held under our own lease: its driver can only be one on this host without a lease (an older
  // driver), known by its pid.
  const alive = ownerAlive(journal.owner) === true && journal.owner.pid !== process.pid;
  throw new ReleaseError(
    "inProgress",
    alive
      ? `release ${journal.releaseId} of ${journal.version} is in progress on service ${journal.service} (driver pid ${journal.owner.pid}); wait for it, or run progressive abort ${svc}`
      : `release ${journal.releaseId} of ${journal.version} (${who}) was cut short in phase ${journal.phase}; run progressive resume ${svc} to continue it or progressive abort ${svc} to revert it`,
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

/**
 * Releases `version`: preflight, then the plan, reverting on failure. A release group (`--service
 * web,api`, `--group`) releases its members as one: their plans must share the step list.
 */
export async function releaseCommand(
  target: StackTarget,
  version: string,
  o: CommandOptions = {},
): Promise<ReleaseResult> {
  const { targets, group } = await openTargets(target, o);
  return locked(targets, `release ${version}`, async (leases) => {
    const starts: MemberStart[] = [];
    for (const [i, t] of targets.entries()) {
      const last = await t.state.journal(t.service.release.name);
      refuseOpen(last?.journal);
      const plan = await planRelease(t, version);
      starts.push({ target: t, plan, replaces: last?.version ?? null, lease: leases[i] as Lease });
    }
    if (group) checkGroup(starts.map((m) => ({ name: m.target.service.release.name, plan: m.plan })));
    const [lead, ...also] = starts as [MemberStart, ...MemberStart[]];
    const releaseEvents = (check: string, ok: boolean, detail: string) =>
      o.onEvent?.({ type: "preflight", check, ok, detail, at: new Date(), releaseId: "preflight" });
    await preflight(
      lead.target,
      {
        ...o,
        onItem: releaseEvents,
        ...(o.onOutput ? { onOutput: o.onOutput } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      },
      also.map((m) => m.target.service),
    );
    const members = group ? { also, group: { id: newReleaseId(), ...group } } : {};
    return new ReleaseRun(lead.target, lead.plan, o, {
      replaces: lead.replaces ?? null,
      ...(lead.lease ? { lease: lead.lease } : {}),
      ...members,
    }).run();
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
  /** Whether the journal's driver still runs ("unknown": on another host, and no lease says). */
  readonly driverAlive?: boolean | "unknown";
  /** Who holds the service's lease (the driver of a running release), live or run out. */
  readonly holder?: HeldLease;
}

export interface StatusReport {
  readonly project: string;
  readonly stack: string;
  /** The release store in use, and what named it. */
  readonly store: { readonly url: string; readonly source: string; readonly shared: boolean };
  readonly services: readonly ServiceStatus[];
  readonly pendingOperations: number;
  /** Locks on the stack (file backends), e.g. left by a killed `pulumi`. */
  readonly locks: readonly StackLock[];
}

/** Where the stack's services and their releases stand (all of them, or `target.service`). */
export async function statusCommand(target: StackTarget, o: StoreOptions = {}): Promise<StatusReport> {
  const stack = await StackHandle.open(target);
  const settings = await stack.settings();
  const state = await openState(stack, settings, o);
  const all = await stack.services();
  const group = groupMembers(target, settings);
  const chosen = group
    ? group.members.map((name) => selectService(all, name, stack.name))
    : target.service
      ? [await stack.service(target.service)]
      : all;
  const services: ServiceStatus[] = [];
  for (const service of chosen) {
    const t: ReleaseTarget = { stack, settings, service, state };
    const r = service.release;
    const traffic = await currentTraffic(t);
    const journal = (await state.journal(r.name))?.journal;
    const holder = await state.holder(state.serviceLease(r.name));
    const router = await controlOf(t).read(traffic);
    const alive = holder && !holder.free ? true : journal ? ownerAlive(journal.owner) : undefined;
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
      ...(journal ? { journal } : {}),
      ...(alive !== undefined ? { driverAlive: alive } : {}),
      ...(holder ? { holder } : {}),
    });
  }
  return {
    project: stack.project,
    stack: stack.name,
    store: { url: state.store.url, source: state.choice.source, shared: state.store.shared },
    services,
    pendingOperations: await stack.pendingOperations(),
    locks: stack.locks(),
  };
}

/** A cut-short release taken over: its run, ready to go on. */
interface TakenOver {
  readonly stack: StackHandle;
  /** The (lead member's) journal, owned by this driver now. */
  readonly journal: Journal;
  readonly plan: ReleasePlan;
  readonly run: ReleaseRun;
}

/**
 * Takes over a cut-short release (of one service, or of every member of its group: naming one
 * member is enough) and runs `body` with it: refuses while its driver still runs (its lease is live,
 * or its process on this host is), else takes the leases, settles what a crash left and owns the
 * journals. The leases are given back when `body` ends.
 */
async function takeOver<T>(
  target: StackTarget,
  o: CommandOptions,
  /** Changes to the journal before the run is built (e.g. skip to promotion); may throw. */
  adjust: (journal: Journal, plan: ReleasePlan) => Partial<Journal>,
  body: (taken: TakenOver) => Promise<T>,
): Promise<T> {
  const { targets } = await withOpenGroup(await openTargets(target, o));
  return locked(
    targets,
    "a resume, promote or abort",
    async (leases) => {
      const members: MemberStart[] = [];
      for (const [i, t] of targets.entries())
        members.push(await takeOverLocked(t, o, adjust, leases[i] as Lease));
      const [lead, ...also] = members as [MemberStart, ...MemberStart[]];
      const id = lead.resumed?.journal.group?.id;
      const stray = also.find((m) => m.resumed?.journal.group?.id !== id || id === undefined);
      if (stray)
        throw new ReleaseError(
          "usage",
          `${stray.target.service.release.name}'s open release (${stray.resumed?.journal.releaseId}) is not of the same release group as ${lead.target.service.release.name}'s (${lead.resumed?.journal.releaseId}); resume or abort each with --service <name>`,
        );
      const resumed = lead.resumed as StoredJournal;
      const run = new ReleaseRun(lead.target, lead.plan, o, { resumed, also, lease: leases[0] as Lease });
      return body({ stack: lead.target.stack, journal: resumed.journal, plan: lead.plan, run });
    },
    "wait for it, or for its lease to run out if its driver was stopped (then resume or abort take over)",
  );
}

async function takeOverLocked(
  t: ReleaseTarget,
  o: CommandOptions,
  adjust: (journal: Journal, plan: ReleasePlan) => Partial<Journal>,
  lease: Lease,
): Promise<MemberStart> {
  const stack = t.stack;
  const name = t.service.release.name;
  const read = await t.state.journal(name);
  const journal = read?.journal;
  if (!read || !isOpen(journal))
    throw new ReleaseError(
      "usage",
      `service ${name} of stack ${stack.name} has no release in progress; progressive status shows the last one`,
    );
  if (drivenElsewhere(journal)) {
    throw new ReleaseError(
      "inProgress",
      `the driver of release ${journal.releaseId} (pid ${journal.owner.pid}) is still running; stop it first (Ctrl-C reverts)`,
    );
  }
  if (lease.tookOver)
    o.onEvent?.({
      type: "log",
      level: "warn",
      message: `took over the lease of ${describeHolder(lease.tookOver.holder)}, which ran out at ${lease.tookOver.expiresAt.toISOString()}`,
      at: new Date(),
      releaseId: journal.releaseId,
    });
  // Another service's driver may be in the middle of its `up` on this stack: its lock and its
  // pending operations are not ours to clear. Wait for its step, then settle what a crash left.
  const step = await t.state.waitFor(t.state.stepLease, `settling ${journal.releaseId} (${name})`, {
    timeoutMs: 30 * 60_000,
  });
  if ("heldBy" in step) throw heldError(`stack ${stack.name}`, step.heldBy, "wait for its step to finish");
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
    await step.lease.release();
  }
  // The refresh may have changed the state: read the service again.
  const service = pending > 0 ? await stack.service(name) : t.service;
  // The platform's own work before a take-over (the local platform stops daemons a crash left).
  const warnings = await beforeTakeOver(service.release.platform, {
    service,
    stateResources: () => stack.stateResources(),
  });
  for (const message of warnings)
    o.onEvent?.({ type: "log", level: "warn", message, at: new Date(), releaseId: journal.releaseId });
  const plan = buildPlan(
    `${stack.name}/${name}`,
    service.release.strategy,
    journal.lastGood,
    journal.version,
  );
  const { abortRequested: _done, ...rest } = journal;
  const owned: Journal = {
    ...rest,
    ...adjust(journal, plan),
    owner: currentOwner(),
    updatedAt: new Date().toISOString(),
  };
  const version = await t.state.writeJournal(owned, read.version);
  if (version === CONFLICT)
    throw new ReleaseError(
      "inProgress",
      `the journal of release ${journal.releaseId} changed while this driver took it over; run progressive status and try again`,
    );
  return { target: { ...t, service }, plan, resumed: { journal: owned, version }, lease };
}

/** Continues a cut-short release from its journal (also a failed promotion: it is retried). */
export async function resumeCommand(target: StackTarget, o: CommandOptions = {}): Promise<ReleaseResult> {
  return takeOver(
    target,
    o,
    () => ({}),
    async ({ journal, run }) => {
      if (journal.phase === "reverting")
        return await run.revert(
          journal.reason ?? "resumed revert",
          new Date(journal.failureAt ?? Date.now()),
        );
      if (journal.phase === "paused") {
        const svc = namedBy(journal);
        throw new ReleaseError(
          "usage",
          `release ${journal.releaseId} is paused for a manual decision: run progressive promote ${svc} or progressive abort ${svc}`,
        );
      }
      await run.restoreApplied();
      return await run.run();
    },
  );
}

/**
 * Reverts the release in progress (or cut short). A release whose driver runs (its lease is live,
 * on any machine) is asked through its journal and reverts itself; this waits until it has.
 * A stopped one is taken over and reverted here.
 */
export async function abortCommand(target: StackTarget, o: CommandOptions = {}): Promise<ReleaseResult> {
  // A group's driver watches every member's journal: asking through the first member's reaches it.
  const t = (await withOpenGroup(await openTargets(target, o))).targets[0] as ReleaseTarget;
  const name = t.service.release.name;
  const actor = o.actor ?? process.env.USER ?? os.userInfo().username;
  const read = await t.state.journal(name);
  const journal = read?.journal;
  if (read && isOpen(journal)) {
    const held = await releaseRunning(t.state, journal);
    const local = drivenElsewhere(journal);
    if (held || local) {
      const asked = await askToAbort(t.state, name, actor);
      if (asked) {
        o.onEvent?.({
          type: "log",
          level: "info",
          message: `asked the running driver (${held ? describeHolder(held.holder) : `pid ${journal.owner.pid}`}) to revert release ${journal.releaseId}; waiting for it`,
          at: new Date(),
          releaseId: journal.releaseId,
        });
        const after = await waitForEnd(t.state, journal, o.signal);
        if (after && TERMINAL_PHASES.includes(after.phase)) {
          return {
            releaseId: journal.releaseId,
            outcome: after.phase === "reverted" ? "reverted" : "failed",
            traffic: after.lastGood,
            ...(after.reason ? { reason: after.reason } : {}),
          };
        }
      }
    }
  }
  return takeOver(
    target,
    o,
    () => ({}),
    ({ journal: j, run }) => run.revert(`aborted by ${actor}`, new Date(j.failureAt ?? Date.now())),
  );
}

/** Writes an abort request into a release's journal (a compare-and-swap); false when it ended meanwhile. */
async function askToAbort(state: StackState, service: string, actor: string): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const now = await state.journal(service);
    if (!now || !isOpen(now.journal)) return false;
    const request = { by: actor, host: hostName(), at: new Date().toISOString() };
    const r = await state.writeJournal({ ...now.journal, abortRequested: request }, now.version);
    if (r !== CONFLICT) return true;
  }
  return false;
}

/**
 * Waits until the release ends (a terminal phase), or its driver stops without ending it (its
 * lease runs out and its process, on this host, is gone): up to ten minutes.
 */
async function waitForEnd(
  state: StackState,
  journal: Journal,
  signal?: AbortSignal,
): Promise<Journal | undefined> {
  const until = Date.now() + 10 * 60_000;
  for (;;) {
    const j = (await state.journal(journal.service))?.journal;
    if (!j || j.releaseId !== journal.releaseId || !isOpen(j)) return j;
    const held = await releaseRunning(state, j);
    if (!held && ownerAlive(j.owner) !== true) return j;
    if (Date.now() > until) return j;
    signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Continues past a pause that waits for a decision; `full` skips the remaining steps. */
export async function promoteCommand(
  target: StackTarget,
  o: CommandOptions & { full?: boolean } = {},
): Promise<ReleaseResult> {
  return takeOver(
    target,
    o,
    (journal, plan) => {
      if (journal.phase !== "paused" && !o.full) {
        throw new ReleaseError(
          "usage",
          `release ${journal.releaseId} is ${journal.phase}, not paused; use --full to skip its remaining steps`,
        );
      }
      if (!o.full) return {};
      const first = plan.actions.findIndex((a) => a.kind === "promote" || a.kind === "switch");
      return { phase: "stepping", stepIndex: Math.max(first, journal.stepIndex) };
    },
    ({ run }) => run.run(),
  );
}

/** Promoted releases of one service, newest first. */
async function goodReleases(t: ReleaseTarget): Promise<HistoryRelease[]> {
  return (await t.state.store.history.listReleases(t.stack.key)).filter(
    (r) => r.outcome === "promoted" && (r.service === undefined || r.service === t.service.release.name),
  );
}

/** Returns to an earlier good version from the history (default: the one before the current). */
export async function rollbackCommand(
  target: StackTarget,
  o: CommandOptions & { to?: string } = {},
): Promise<ReleaseResult> {
  const t = await openTarget(target, o);
  return locked([t], "a rollback", ([lease]) => rollbackLocked(t, o, lease as Lease));
}

async function rollbackLocked(
  t: ReleaseTarget,
  o: CommandOptions & { to?: string },
  lease: Lease,
): Promise<ReleaseResult> {
  const name = t.service.release.name;
  const last = await t.state.journal(name);
  refuseOpen(last?.journal);
  const good = await goodReleases(t);
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
  return new ReleaseRun(t, plan, o, { replaces: last?.version ?? null, lease }).run();
}

/** Releases the version last promoted in `from` to the `to` stack, through `to`'s own gates. */
export async function promoteEnvironmentCommand(
  from: StackTarget,
  to: StackTarget,
  o: CommandOptions = {},
): Promise<ReleaseResult> {
  const source = await openTarget(from, o);
  const good = await goodReleases(source);
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
 * when `target.service` is set), or of every stack in the release store.
 */
export async function historyCommand(
  target: {
    readonly workDir?: string;
    readonly stackName?: string;
    readonly service?: string;
    readonly pulumiPath?: string;
    readonly env?: Readonly<Record<string, string>>;
  } = {},
  o: StoreOptions = {},
): Promise<{ releases: HistoryRelease[]; summary: HistorySummary }> {
  const workDir = target.workDir ?? process.cwd();
  const key = target.stackName ? `${projectName(workDir)}/${target.stackName}` : undefined;
  const named = o.stateStore || o.stateDir || process.env[STATE_STORE_ENV];
  // A store named by the caller: read it at once. Else a stack's own store (its settings and backend
  // may name one), which takes opening the stack; else the default folder.
  const open = async (): Promise<StackHandle> =>
    StackHandle.open({ ...target, workDir, stackName: target.stackName as string });
  const history =
    named || !target.stackName
      ? (await openStore(chooseStore(o, {}, process.env.PULUMI_BACKEND_URL))).history
      : await (async () => {
          const stack = await open();
          return (await openState(stack, await stack.settings(), o)).store.history;
        })();
  const all = await history.listReleases(key);
  // No history for a named stack: say whether it is a stack at all (a typo must not read as "0 releases").
  if (target.stackName && all.length === 0 && named) await open();
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
