// The driver's operations, one function each, as the CLI and library users call them:
// release, plan, status, resume, promote, abort, rollback, history, promote to the next environment.
import * as os from "node:os";
import type { TrafficState } from "../../components/core";
import type { Release as HistoryRelease, HistorySummary } from "../history";
import { defaultStateDir, ReleaseHistory, summarize } from "../history";
import { ReleaseError } from "./errors";
import {
  currentOwner,
  isOpen,
  type Journal,
  journalFile,
  ownerAlive,
  readJournal,
  TERMINAL_PHASES,
  writeJournal,
} from "./journal";
import { buildPlan, type ReleasePlan } from "./plan";
import { type PreflightOptions, preflight } from "./preflight";
import { type DriverOptions, loadJournal, planRelease, type ReleaseResult, ReleaseRun } from "./release";
import { type ServiceOutputs, StackHandle, type StackLock, type StackTarget } from "./stack";

export interface CommandOptions
  extends DriverOptions,
    Omit<PreflightOptions, "onItem" | "onOutput" | "signal"> {}

async function secretUrls(stack: StackHandle): Promise<{ slack?: string; webhook?: string }> {
  const all = await stack.stack.getAllConfig();
  const get = (key: string) => {
    const v = all[`${stack.project}:${key}`]?.value;
    return v ? v : undefined;
  };
  const slack = get("slackWebhookUrl");
  const webhook = get("webhookUrl");
  return { ...(slack ? { slack } : {}), ...(webhook ? { webhook } : {}) };
}

function refuseOpen(journal: Journal | undefined): void {
  if (!isOpen(journal)) return;
  const alive = ownerAlive(journal.owner);
  throw new ReleaseError(
    "inProgress",
    alive === true
      ? `release ${journal.releaseId} of ${journal.version} is in progress on this stack (driver pid ${journal.owner.pid}); wait for it, or run progressive abort`
      : `release ${journal.releaseId} of ${journal.version} was cut short in phase ${journal.phase}; run progressive resume to continue it or progressive abort to revert it`,
  );
}

/** Plans a release and changes nothing. */
export async function planCommand(target: StackTarget, version: string): Promise<ReleasePlan> {
  const stack = await StackHandle.open(target);
  return planRelease(stack, stack.config(), version);
}

/** Releases `version`: preflight, then the plan, reverting on failure. */
export async function releaseCommand(
  target: StackTarget,
  version: string,
  o: CommandOptions = {},
): Promise<ReleaseResult> {
  const stack = await StackHandle.open(target);
  const cfg = stack.config();
  refuseOpen(loadJournal(stack, o.stateDir));
  const plan = planRelease(stack, cfg, version);
  const releaseEvents = (check: string, ok: boolean, detail: string) =>
    o.onEvent?.({ type: "preflight", check, ok, detail, at: new Date(), releaseId: "preflight" });
  await preflight(stack, cfg, {
    ...o,
    onItem: releaseEvents,
    ...(o.onOutput ? { onOutput: o.onOutput } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const run = new ReleaseRun(stack, cfg, plan, o, undefined, await secretUrls(stack));
  return run.run();
}

export interface StatusReport {
  readonly stack: string;
  readonly journal?: Journal;
  /** Whether the journal's driver still runs. */
  readonly driverAlive?: boolean | "unknown";
  readonly outputs: ServiceOutputs;
  readonly traffic: TrafficState;
  readonly pendingOperations: number;
  /** Locks on the stack (file backends), e.g. left by a killed `pulumi`. */
  readonly locks: readonly StackLock[];
}

/** Where the stack's release stands. */
export async function statusCommand(
  target: StackTarget,
  o: { stateDir?: string } = {},
): Promise<StatusReport> {
  const stack = await StackHandle.open(target);
  const journal = loadJournal(stack, o.stateDir);
  const outputs = await stack.outputs().catch(() => ({}) as ServiceOutputs);
  const cfg = stack.config();
  return {
    stack: stack.name,
    ...(journal ? { journal, driverAlive: ownerAlive(journal.owner) } : {}),
    outputs: stripSecrets(outputs),
    traffic: cfg.traffic,
    pendingOperations: await stack.pendingOperations(),
    locks: stack.locks(),
  };
}

function stripSecrets(o: ServiceOutputs): ServiceOutputs {
  const { adminToken: _hidden, ...rest } = o;
  return rest;
}

/** Takes over a cut-short release: refuses while its driver still runs. */
async function takeOver(
  target: StackTarget,
  o: CommandOptions,
  /** Changes to the journal before the run is built (e.g. skip to promotion); may throw. */
  adjust: (journal: Journal, plan: ReleasePlan) => Partial<Journal> = () => ({}),
): Promise<{ stack: StackHandle; journal: Journal; plan: ReleasePlan; run: ReleaseRun }> {
  const stack = await StackHandle.open(target);
  const journal = loadJournal(stack, o.stateDir);
  if (!isOpen(journal))
    throw new ReleaseError(
      "usage",
      `stack ${stack.name} has no release in progress; progressive status shows the last one`,
    );
  const alive = ownerAlive(journal.owner);
  if (alive === true && journal.owner.pid !== process.pid) {
    throw new ReleaseError(
      "inProgress",
      `the driver of release ${journal.releaseId} (pid ${journal.owner.pid}) is still running; stop it first (Ctrl-C reverts)`,
    );
  }
  if ((await stack.unlockIfStale()) === "unlocked") {
    o.onEvent?.({
      type: "log",
      level: "warn",
      message: `removed the lock a crashed pulumi left on ${stack.name} (its process is gone)`,
      at: new Date(),
      releaseId: journal.releaseId,
    });
  }
  const pending = await stack.pendingOperations();
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
  const cfg = stack.config();
  const plan = buildPlan(stack.name, cfg.strategy, journal.lastGood, journal.version);
  const owned: Journal = {
    ...journal,
    ...adjust(journal, plan),
    owner: currentOwner(),
    updatedAt: new Date().toISOString(),
  };
  writeJournal(journalFile(o.stateDir ?? defaultStateDir(), stack.project, stack.name), owned);
  const run = new ReleaseRun(stack, cfg, plan, o, owned, await secretUrls(stack));
  return { stack, journal: owned, plan, run };
}

/** Continues a cut-short release from its journal. */
export async function resumeCommand(target: StackTarget, o: CommandOptions = {}): Promise<ReleaseResult> {
  const { journal, run } = await takeOver(target, o);
  if (journal.phase === "reverting")
    return run.revert(journal.reason ?? "resumed revert", new Date(journal.failureAt ?? Date.now()));
  if (journal.phase === "paused") {
    throw new ReleaseError(
      "usage",
      `release ${journal.releaseId} is paused for a manual decision: run progressive promote or progressive abort`,
    );
  }
  return run.run();
}

/** Reverts the release in progress (or cut short). */
export async function abortCommand(target: StackTarget, o: CommandOptions = {}): Promise<ReleaseResult> {
  const stack = await StackHandle.open(target);
  const journal = loadJournal(stack, o.stateDir);
  if (isOpen(journal) && ownerAlive(journal.owner) === true && journal.owner.pid !== process.pid) {
    // The running driver reverts on SIGINT; ask it, then wait until it has finished.
    process.kill(journal.owner.pid, "SIGINT");
    const file = journalFile(o.stateDir ?? defaultStateDir(), stack.project, stack.name);
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
  const { journal: j, run } = await takeOver(target, o);
  return run.revert(
    `aborted by ${o.actor ?? process.env.USER ?? os.userInfo().username}`,
    new Date(j.failureAt ?? Date.now()),
  );
}

/** Continues past a pause that waits for a decision; `full` skips the remaining steps. */
export async function promoteCommand(
  target: StackTarget,
  o: CommandOptions & { full?: boolean } = {},
): Promise<ReleaseResult> {
  const { run } = await takeOver(target, o, (journal, plan) => {
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
  return run.run();
}

/** Returns to an earlier good version from the history (default: the one before the current). */
export async function rollbackCommand(
  target: StackTarget,
  o: CommandOptions & { to?: string } = {},
): Promise<ReleaseResult> {
  const stack = await StackHandle.open(target);
  const cfg = stack.config();
  refuseOpen(loadJournal(stack, o.stateDir));
  const history = new ReleaseHistory({ stateDir: o.stateDir ?? defaultStateDir() });
  const good = (await history.listReleases(stack.name)).filter((r) => r.outcome === "promoted");
  const current = cfg.traffic.stableVersion;
  const candidates = [...good.map((r) => r.version), ...good.map((r) => r.previousVersion ?? "")].filter(
    (v) => v && v !== current,
  );
  const to = o.to ?? good.reverse().find((r) => r.version === current)?.previousVersion;
  if (!to || !candidates.includes(to)) {
    throw new ReleaseError(
      "usage",
      `no earlier good version ${o.to ? `named ${o.to} ` : ""}in the history of ${stack.name}; known good: ${[...new Set(candidates)].join(", ") || "none"}`,
    );
  }
  const plan: ReleasePlan = {
    stack: stack.name,
    version: to,
    previousVersion: current,
    strategy: cfg.strategy,
    actions: [
      {
        kind: "deploy",
        traffic: {
          stableVersion: to,
          candidateWeight: 0,
          ...(cfg.traffic.activeColor ? { activeColor: cfg.traffic.activeColor } : {}),
        },
        description: `roll back to ${to}`,
      },
    ],
    revertTarget: {
      stableVersion: current,
      candidateWeight: 0,
      ...(cfg.traffic.activeColor ? { activeColor: cfg.traffic.activeColor } : {}),
    },
  };
  return new ReleaseRun(stack, cfg, plan, o, undefined, await secretUrls(stack)).run();
}

/** Releases the version last promoted in `from` to the `to` stack, through `to`'s own gates. */
export async function promoteEnvironmentCommand(
  from: StackTarget,
  to: StackTarget,
  o: CommandOptions = {},
): Promise<ReleaseResult> {
  const source = await StackHandle.open(from);
  const cfg = source.config();
  const history = new ReleaseHistory({ stateDir: o.stateDir ?? defaultStateDir() });
  const good = await history.latestGood(source.name);
  const version = good?.version ?? cfg.traffic.stableVersion;
  if (cfg.release.next && cfg.release.next !== to.stackName) {
    o.onEvent?.({
      type: "log",
      level: "warn",
      message: `${source.name} names ${cfg.release.next} as its next environment, not ${to.stackName}`,
      at: new Date(),
      releaseId: "promote-env",
    });
  }
  return releaseCommand(to, version, o);
}

/** A stack's releases and summary figures. */
export async function historyCommand(
  stackName: string | undefined,
  o: { stateDir?: string } = {},
): Promise<{ releases: HistoryRelease[]; summary: HistorySummary }> {
  const history = new ReleaseHistory({ stateDir: o.stateDir ?? defaultStateDir() });
  const releases = await history.listReleases(stackName);
  return { releases, summary: summarize(releases) };
}
