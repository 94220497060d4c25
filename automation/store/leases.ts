// Locks that mean something across machines: a lock is a lease in the release store, held by a
// driver that names its host, process, run and CI job, renewed while it runs, and free for anyone
// to take once it expires (Kubernetes leader election, Terraform's S3 lock file, Pulumi's own
// backend locks work the same way). Taking and renewing are compare-and-swap writes, so of two
// drivers exactly one holds a lease. A holder on this host whose process is gone frees its lease
// at once; elsewhere only the expiry can tell.
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import { isRunning, SELF } from "../../components/process/identity";
import { CONFLICT, type LeaseBackend, type LeaseRecord, type ObjectStore, StoreError } from "./object-store";

/** Who holds a lease: enough to find the driver and the job it runs in. */
export interface LeaseHolder {
  /** The host's name (`PROGRESSIVE_HOST`, else the hostname). */
  readonly host: string;
  readonly pid: number;
  /** The process's start time (`/proc/<pid>/stat`), so that a reused pid is not taken for it. */
  readonly startTime?: number;
  /** This driver process's run id, unique across machines. */
  readonly runId: string;
  /** What it does, e.g. `release v2 of web`. */
  readonly what: string;
  /** The CI job it runs in, when it runs in one (GitHub Actions, GitLab CI, `PROGRESSIVE_RUN_URL`). */
  readonly ciRunUrl?: string;
  /** When it took the lease. */
  readonly since: string;
}

/** A lease as someone else holds it. */
export interface HeldLease {
  readonly holder: LeaseHolder;
  /** When it runs out unless renewed. */
  readonly expiresAt: Date;
  /** Whether it ran out (or its holder on this host is gone): it may be taken over. */
  readonly free: boolean;
}

/** Environment variable naming this machine in leases (default: the hostname). */
export const HOST_ENV = "PROGRESSIVE_HOST";
/** Environment variable setting the lease duration in seconds (default 60). */
export const LEASE_SECONDS_ENV = "PROGRESSIVE_LEASE_SECONDS";
/** The default lease duration: a dead driver's release can be taken over a minute after it stopped renewing. */
export const DEFAULT_LEASE_SECONDS = 60;

/** This machine's name in leases. */
export function hostName(env: NodeJS.ProcessEnv = process.env): string {
  return env[HOST_ENV]?.trim() || os.hostname();
}

/** The lease duration from the environment, else the default; a bad value is an error naming it. */
export function leaseSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[LEASE_SECONDS_ENV];
  if (raw === undefined || raw.trim() === "") return DEFAULT_LEASE_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 5 || n > 3600)
    throw new StoreError(
      "badUrl",
      `${LEASE_SECONDS_ENV} (${JSON.stringify(raw)}): must be a number of seconds from 5 to 3600; unset it for ${DEFAULT_LEASE_SECONDS}`,
    );
  return n;
}

/** The CI job this process runs in, as a URL, when the CI says. */
export function ciRunUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PROGRESSIVE_RUN_URL) return env.PROGRESSIVE_RUN_URL;
  if (env.GITHUB_ACTIONS === "true" && env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY) {
    const server = env.GITHUB_SERVER_URL ?? "https://github.com";
    const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : "";
    return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`;
  }
  if (env.GITLAB_CI === "true" && env.CI_JOB_URL) return env.CI_JOB_URL;
  return undefined;
}

/** This driver process's run id: time and randomness, unique across machines. */
export const RUN_ID = `r-${new Date()
  .toISOString()
  .replace(/[-:]/g, "")
  .replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`;

/** The holder this process writes into the leases it takes. */
export function thisHolder(what: string): LeaseHolder {
  const url = ciRunUrl();
  return {
    host: hostName(),
    pid: process.pid,
    ...(SELF.startTime !== undefined ? { startTime: SELF.startTime } : {}),
    runId: RUN_ID,
    what,
    ...(url ? { ciRunUrl: url } : {}),
    since: new Date().toISOString(),
  };
}

/** Where a holder runs, for messages: `pid 4242 on runner-7 (https://github.com/.../runs/1)`. */
export function describeHolder(h: LeaseHolder): string {
  return `${h.what} (driver pid ${h.pid} on ${h.host}, run ${h.runId}${h.ciRunUrl ? `, ${h.ciRunUrl}` : ""}, since ${h.since})`;
}

function parseHolder(text: string): LeaseHolder | undefined {
  try {
    const h = JSON.parse(text) as LeaseHolder;
    return typeof h?.host === "string" && typeof h.pid === "number" && typeof h.runId === "string"
      ? h
      : undefined;
  } catch {
    return undefined;
  }
}

/** A lease's state as read: who holds it, until when, and whether it may be taken over now. */
export function judgeLease(record: LeaseRecord, now: Date = new Date()): HeldLease | undefined {
  const holder = parseHolder(record.holder);
  if (!holder) return undefined;
  const expiresAt = new Date(Date.parse(record.renewedAt) + record.durationSeconds * 1000);
  const expired = !(expiresAt.getTime() > now.getTime());
  // A holder on this host that is gone cannot renew: its lease is free without waiting.
  const gone =
    holder.host === hostName() &&
    holder.runId !== RUN_ID &&
    !isRunning(
      holder.startTime !== undefined ? { pid: holder.pid, startTime: holder.startTime } : { pid: holder.pid },
    );
  return { holder, expiresAt, free: expired || gone };
}

/** Leases kept as objects of a store, at their name as a key (the default backend). */
export function objectLeases(objects: ObjectStore): LeaseBackend {
  const parse = (body: string): LeaseRecord | undefined => {
    try {
      const r = JSON.parse(body) as LeaseRecord;
      return typeof r.renewedAt === "string" && typeof r.durationSeconds === "number" ? r : undefined;
    } catch {
      return undefined;
    }
  };
  // An object that is not a lease record (a lock file of an older driver, a corrupt write) reads as
  // a lease that ran out at the epoch: free to take over, by a compare-and-swap like any other.
  const unreadable: LeaseRecord = {
    holder: "{}",
    holderIdentity: "unreadable",
    acquiredAt: new Date(0).toISOString(),
    renewedAt: new Date(0).toISOString(),
    durationSeconds: 0,
  };
  return {
    async get(name, signal) {
      const o = await objects.get(name, signal);
      return o && { record: parse(o.body) ?? unreadable, version: o.version };
    },
    create: (name, record, signal) => objects.put(name, JSON.stringify(record), { ifAbsent: true }, signal),
    update: (name, record, version, signal) =>
      objects.put(name, JSON.stringify(record), { ifVersion: version }, signal),
    delete: (name, version, signal) => objects.delete(name, { ifVersion: version }, signal),
  };
}

/** A lease this process holds: renew it while the work goes on, give it back at the end. */
export class Lease {
  private timer: NodeJS.Timeout | undefined;
  private lostReason: string | undefined;

  constructor(
    private readonly backend: LeaseBackend,
    readonly name: string,
    private record: LeaseRecord,
    private version: string,
    /** The lease this one took over, when it took one over. */
    readonly tookOver?: HeldLease,
  ) {}

  /** Why the lease was lost (taken by another driver, or not renewed in time); undefined while held. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  /** When the lease runs out unless renewed. */
  get expiresAt(): Date {
    return new Date(Date.parse(this.record.renewedAt) + this.record.durationSeconds * 1000);
  }

  /** Renews now; false (and `lost` set) when another driver holds it now. A store error is thrown. */
  async renew(signal?: AbortSignal): Promise<boolean> {
    if (this.lostReason) return false;
    const next: LeaseRecord = { ...this.record, renewedAt: new Date().toISOString() };
    const r = await this.backend.update(this.name, next, this.version, signal);
    if (r === CONFLICT) {
      const now = await this.backend.get(this.name, signal);
      const h = now && parseHolder(now.record.holder);
      this.lostReason = h ? `taken over by ${describeHolder(h)}` : "given up by someone else";
      return false;
    }
    this.record = next;
    this.version = r.version;
    return true;
  }

  /**
   * Renews every third of the lease's duration until `release`; calls `onLost` once when the lease
   * is lost: taken over, or not renewed before it would run out (the store stopped answering), so
   * the work must stop before another driver may start it.
   */
  keepAlive(onLost: (reason: string) => void): void {
    if (this.timer) return;
    const period = Math.max(1000, (this.record.durationSeconds * 1000) / 3);
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.renew()
        .then((ok) => {
          if (!ok) this.stop(onLost, this.lostReason ?? "lost");
        })
        .catch((err: unknown) => {
          // Not renewed: held for now, lost when it would run out before the next attempt.
          if (Date.now() + period >= this.expiresAt.getTime())
            this.stop(
              onLost,
              `not renewed (${err instanceof Error ? err.message : String(err)}): it runs out at ${this.expiresAt.toISOString()}`,
            );
        })
        .finally(() => {
          busy = false;
        });
    }, period);
    this.timer.unref();
  }

  private stop(onLost: (reason: string) => void, reason: string): void {
    this.lostReason ??= reason;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    onLost(this.lostReason);
  }

  /** Stops renewing and deletes the lease (when it is still ours). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lostReason) return;
    await this.backend.delete(this.name, this.version).catch(() => undefined);
  }
}

/**
 * Takes the lease `name` for `what`: creates it, or takes over one that ran out (or whose holder on
 * this host is gone), each a compare-and-swap so that of several drivers exactly one gets it.
 * Returns the lease, or the live lease someone else holds.
 */
export async function acquireLease(
  backend: LeaseBackend,
  name: string,
  what: string,
  o: { readonly seconds?: number; readonly signal?: AbortSignal } = {},
): Promise<{ readonly lease: Lease } | { readonly heldBy: HeldLease }> {
  const seconds = o.seconds ?? leaseSeconds();
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = new Date().toISOString();
    const holder = thisHolder(what);
    const record: LeaseRecord = {
      holder: JSON.stringify(holder),
      holderIdentity: `${holder.host}/${holder.pid}/${holder.runId}`,
      acquiredAt: now,
      renewedAt: now,
      durationSeconds: seconds,
    };
    const current = await backend.get(name, o.signal);
    if (!current) {
      const r = await backend.create(name, record, o.signal);
      if (r !== CONFLICT) return { lease: new Lease(backend, name, record, r.version) };
      continue;
    }
    const held = judgeLease(current.record);
    if (held && !held.free) return { heldBy: held };
    const r = await backend.update(name, record, current.version, o.signal);
    if (r !== CONFLICT) return { lease: new Lease(backend, name, record, r.version, held) };
  }
  const last = await backend.get(name, o.signal);
  const held = last && judgeLease(last.record);
  if (held) return { heldBy: held };
  throw new StoreError(
    "failed",
    `the lease ${name} changed hands five times while it was being taken; try again`,
  );
}

/** Reads who holds a lease now, without taking it; undefined when nobody does. */
export async function readLease(
  backend: LeaseBackend,
  name: string,
  signal?: AbortSignal,
): Promise<HeldLease | undefined> {
  const current = await backend.get(name, signal);
  return current ? judgeLease(current.record) : undefined;
}

/**
 * Takes the lease, waiting while another driver holds it (`onWait` is told once who), up to
 * `timeoutMs`; returns the lease, or the holder at the deadline.
 */
export async function waitForLease(
  backend: LeaseBackend,
  name: string,
  what: string,
  o: {
    readonly timeoutMs: number;
    readonly signal?: AbortSignal;
    readonly onWait?: (held: HeldLease) => void;
    readonly pollMs?: number;
    readonly seconds?: number;
  },
): Promise<{ readonly lease: Lease } | { readonly heldBy: HeldLease }> {
  const until = Date.now() + o.timeoutMs;
  let told = false;
  for (;;) {
    const got = await acquireLease(backend, name, what, {
      ...(o.seconds !== undefined ? { seconds: o.seconds } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if ("lease" in got || Date.now() >= until) return got;
    if (!told) {
      told = true;
      o.onWait?.(got.heldBy);
    }
    o.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }
}
