// The current release of a stack, on disk, so that a driver killed at any point can be followed
// by `status`, `resume` and `abort`. Written atomically (temp file + fsync + rename) before each
// traffic change (`intended`) and after it is verified (`applied`). Also the release lock: a
// journal in a running phase whose owner process is alive belongs to another driver.
import * as fs from "node:fs";
import * as path from "node:path";
import type { StrategyKind, TrafficState } from "../../components/core";
import { isAlive, isRunning, refOf, SELF } from "../../components/process/identity";
import { ciRunUrl, hostName, RUN_ID } from "../store/leases";

/** Where a release stands. */
export type ReleasePhase =
  | "starting" // preflight and hooks; nothing has moved
  | "deploying" // candidate being deployed at 0 %
  | "stepping" // walking the plan
  | "paused" // waiting for `promote` at a pause without duration
  | "promoting" // applying the promotion sequence
  | "verifying" // post-promotion checks
  | "scalingDown" // waiting out the scale-down delay, then retiring the old version
  | "promotionFailed" // promotion failed after all traffic went to the verified candidate: resume retries, abort reverts
  | "reverting" // going back to lastGood
  | "succeeded"
  | "reverted"
  | "failed";

/** Phases after which nothing more happens. */
export const TERMINAL_PHASES: readonly ReleasePhase[] = ["succeeded", "reverted", "failed"];

export interface JournalOwner {
  readonly pid: number;
  /** The driver process's run id (unique across machines); unset in journals of older drivers. */
  readonly runId?: string;
  /** The CI job the driver runs in, when there is one. */
  readonly ciRunUrl?: string;
  /** The process's start time (`/proc/<pid>/stat` field 22), so that a reused pid is not taken for it. */
  readonly startTime?: number;
  readonly host: string;
  readonly startedAt: string;
}

export interface Journal {
  readonly v: 1;
  readonly releaseId: string;
  readonly project: string;
  readonly stack: string;
  /** The service released (the component's Pulumi name). */
  readonly service: string;
  readonly version: string;
  readonly previousVersion: string;
  readonly strategy: StrategyKind;
  readonly actor: string;
  readonly phase: ReleasePhase;
  /** Index of the next plan step to run. */
  readonly stepIndex: number;
  /** The revert target: the traffic state before the release. */
  readonly lastGood: TrafficState;
  /** The state being applied now (written before `up`). */
  readonly intended?: TrafficState;
  /** The last state verified after `up`. */
  readonly applied?: TrafficState;
  readonly owner: JournalOwner;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** When the first failed check was seen (for time to revert). */
  readonly failureAt?: string;
  /** Why the release reverted or failed. */
  readonly reason?: string;
  /** Promotion failed after all traffic went to the verified candidate: its own case. */
  readonly promotionFailed?: boolean;
  /** The ECS deployment an ECS-managed release (`controller: "ecs"`) watches. @default unset: another router */
  readonly ecsDeployment?: EcsDeploymentRecord;
  /**
   * An abort asked by another process (`progressive abort`, `flag off`, from any machine): the
   * release's driver reads it within a second and reverts. @default unset
   */
  readonly abortRequested?: { readonly by: string; readonly host?: string; readonly at: string };
  /**
   * The release group this release is one member of (every member has its own journal, each
   * naming the group): resume and abort of any member act on all of them. @default unset: one service
   */
  readonly group?: JournalGroup;
}

/** A release group as each member's journal records it. */
export interface JournalGroup {
  /** The group release's id, the same in every member's journal. */
  readonly id: string;
  /** The group's name in progressive:release.groups. @default unset: named by `--service a,b` */
  readonly name?: string;
  /** Every member's service name, in the order the release steps them. */
  readonly members: readonly string[];
}

/**
 * What an ECS-managed release knows of its deployment, so a resumed driver watches the same one
 * (automation/platforms/aws/ecs-release.ts).
 */
export interface EcsDeploymentRecord {
  /** When the `up` that starts the deployment began: the deployment is the newest created after. */
  readonly upStartedAt: string;
  /** The deployment's ARN, once found. */
  readonly arn?: string;
  /** ECS role ("primary"/"alternate") of the target group running the new revision, when told. */
  readonly candidateRole?: string;
  /** The last status read (e.g. IN_PROGRESS, ROLLBACK_SUCCESSFUL). */
  readonly status?: string;
  /** When StopServiceDeployment (ROLLBACK) was sent. */
  readonly stopRequestedAt?: string;
  /** When the revert's `up` (the stable version recorded again) began. */
  readonly settleStartedAt?: string;
}

/** The journal file of one service of a stack: `<stateDir>/releases/<project>/<stack>/<service>.json`. */
export function journalFile(stateDir: string, project: string, stack: string, service: string): string {
  return path.join(stateDir, "releases", safe(project), safe(stack), `${safe(service)}.json`);
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

export function readJournal(file: string): Journal | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const value = JSON.parse(text) as Journal;
  return value && value.v === 1 ? value : undefined;
}

/** Writes the journal atomically and durably. */
export function writeJournal(file: string, journal: Journal): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(journal, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dir = fs.openSync(path.dirname(file), "r");
    fs.fsyncSync(dir);
    fs.closeSync(dir);
  } catch {
    // fsync of a directory is not supported everywhere; the rename is still atomic.
  }
}

export function currentOwner(): JournalOwner {
  const { startTime } = SELF;
  const ci = ciRunUrl();
  return {
    pid: process.pid,
    ...(startTime !== undefined ? { startTime } : {}),
    runId: RUN_ID,
    ...(ci ? { ciRunUrl: ci } : {}),
    host: hostName(),
    startedAt: new Date().toISOString(),
  };
}

/**
 * Whether `pid` runs on this host. A zombie is not running: a driver killed together with its
 * pulumi leaves the pulumi a zombie until something reaps it, and kill(pid, 0) still succeeds then.
 * The local platform's own check, shared.
 */
export const pidAlive: (pid: number) => boolean = isAlive;

/** Whether the process that owns a journal is still running (only knowable on the same host). */
export function ownerAlive(owner: JournalOwner): boolean | "unknown" {
  if (owner.host !== hostName()) return "unknown";
  if (owner.pid === process.pid) return true;
  // With its start time, a reused pid is not the owner (`abort` signals the owner it finds alive).
  return isRunning(refOf(owner.pid, owner.startTime) ?? { pid: owner.pid });
}

/** Phases in which a release waits for a person: its driver ended there and let its lease go. */
const WAITING_PHASES: readonly ReleasePhase[] = ["paused", "promotionFailed"];

/**
 * Whether another process on this host is driving the release: its owner lives, and the release
 * does not wait for a decision. A paused release's owner may well live on (an MCP server, a
 * dashboard, a program that called `release()`) without driving it.
 */
export function drivenElsewhere(journal: Journal): boolean {
  return (
    !WAITING_PHASES.includes(journal.phase) &&
    journal.owner.pid !== process.pid &&
    ownerAlive(journal.owner) === true
  );
}

/** Whether a journal describes a release that is still running or was cut short. */
export function isOpen(journal: Journal | undefined): journal is Journal {
  return journal !== undefined && !TERMINAL_PHASES.includes(journal.phase);
}

/** Who holds a service's release lock. */
export interface LockHolder extends JournalOwner {
  /** What the holder is doing, e.g. `release v2`. */
  readonly what: string;
}

/** The lock file beside a service's journal. */
export function lockFile(journal: string): string {
  return journal.replace(/\.json$/, ".lock");
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * Takes a service's release lock atomically (an exclusive create), before anything else is
 * written: of two drivers started at the same instant exactly one gets it. A lock whose holder
 * died (same host, pid gone) is taken over. Returns the holder when someone else has it, or the
 * function that gives the lock back.
 */
export function acquireLock(file: string, what: string): { release: () => void } | { heldBy: LockHolder } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = { ...currentOwner(), what };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx", 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(me));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      const release = () => {
        // Only our own lock: a takeover by another driver must not be undone.
        if (readHolder(file)?.pid === me.pid && readHolder(file)?.startedAt === me.startedAt)
          fs.rmSync(file, { force: true });
      };
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readHolder(file);
      if (holder && ownerAlive(holder) !== false) return { heldBy: holder };
      if (!holder) {
        // Unreadable: a holder may be between its create and its write. Young means held.
        let young = false;
        try {
          young = Date.now() - fs.statSync(file).mtimeMs < 10_000;
        } catch {
          // gone meanwhile: try again
        }
        if (young) return { heldBy: { ...me, pid: -1, what: "a driver starting up" } };
      }
      // The holder is gone (or the file is half-written by a crash): move it aside atomically, so
      // that of two drivers taking over only one removes it, then try again.
      try {
        fs.renameSync(file, `${file}.stale.${process.pid}`);
        fs.rmSync(`${file}.stale.${process.pid}`, { force: true });
      } catch {
        // another driver moved it first
      }
    }
  }
  const holder = readHolder(file);
  return { heldBy: holder ?? { ...me, pid: -1, what: "unknown" } };
}

/**
 * The stack's step lock: `<stateDir>/releases/<project>/<stack>/stack-step.mutex`. Services of one
 * stack are released independently, but their traffic lives in one config value
 * (`progressive:traffic`) and each step is an `up` of the whole stack: a driver holds this lock
 * from reading that value to the end of its `up`, so two drivers never overwrite each other's
 * entry or run into each other's `up`. (Service locks end in `.lock`, so no service name collides.)
 */
export function stackStepLockFile(stateDir: string, project: string, stack: string): string {
  return path.join(stateDir, "releases", safe(project), safe(stack), "stack-step.mutex");
}

export interface WaitForLockOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Stop waiting when aborted. */
  readonly signal?: AbortSignal;
  /** Told once when the lock is held by someone else and the wait begins. */
  readonly onWait?: (holder: LockHolder) => void;
  /** Between attempts. @default 200 */
  readonly pollMs?: number;
}

/**
 * Takes `file` with {@link acquireLock}, waiting while another live process holds it (a dead
 * holder's lock is taken over). Returns the release function, or the holder after the timeout.
 */
export async function waitForLock(
  file: string,
  what: string,
  o: WaitForLockOptions,
): Promise<{ release: () => void } | { heldBy: LockHolder }> {
  const until = Date.now() + o.timeoutMs;
  let told = false;
  for (;;) {
    const lock = acquireLock(file, what);
    if ("release" in lock || Date.now() >= until) return lock;
    if (!told) {
      told = true;
      o.onWait?.(lock.heldBy);
    }
    o.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }
}
