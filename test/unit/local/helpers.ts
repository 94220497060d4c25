// Helpers of the local-runtime tests: HTTP calls (harness/load.ts underneath), and a registry of
// the daemons a test started so that `after` stops every one of them.
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import {
  type ProxyState,
  proxyPaths,
  readProxyState,
  type SupervisorConfigInput,
  type SupervisorState,
  startSupervisor,
  stopProxy,
  stopSupervisor,
  supervisorPaths,
} from "../../../components/local/runtime";
import { HAS_PROC } from "../../../components/process/identity";
import { get, type Reply } from "../../../harness/load";
import { waitFor } from "../../../harness/net";

export const APP = path.resolve(__dirname, "../../../examples/local-app/server.js");

export type { Reply } from "../../../harness/load";

/** One HTTP request on 127.0.0.1 with a timeout (default 5 s). */
export function request(
  port: number,
  options: {
    path?: string;
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string;
    agent?: http.Agent;
  } = {},
  timeoutMs = 5_000,
): Promise<Reply> {
  return get(port, { ...options, timeoutMs });
}

/** Version named by a sample-app answer (`{"version": ...}`). */
export function versionOf(reply: Reply): string {
  return (JSON.parse(reply.body) as { version: string }).version;
}

/** A fresh state folder under the OS temp dir. */
export function tempStateDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** Daemons started by a test file, stopped (with bounded waits) in `after`. */
export class Started {
  private readonly entries: Array<{ kind: "supervisor" | "proxy"; pid: number; stateFile: string }> = [];

  supervisor(state: SupervisorState, stateDir: string): SupervisorState {
    const stateFile = supervisorPaths(stateDir, state.service, state.version).state;
    this.entries.push({ kind: "supervisor", pid: state.pid, stateFile });
    return state;
  }

  proxy(pid: number, stateDir: string, service: string): void {
    this.entries.push({ kind: "proxy", pid, stateFile: proxyPaths(stateDir, service).state });
  }

  /** Starts a supervisor of the sample app and records it. */
  async app(
    stateDir: string,
    version: string,
    extra: Partial<SupervisorConfigInput> = {},
  ): Promise<SupervisorState> {
    const state = await startSupervisor({
      service: "web",
      version,
      stateDir,
      command: [process.execPath, APP],
      instances: 2,
      env: { VERSION: version },
      readiness: { path: "/health/ready", intervalMs: 50, deadlineMs: 10_000 },
      stopGraceMs: 2_000,
      ...extra,
    });
    return this.supervisor(state, stateDir);
  }

  async stopAll(): Promise<void> {
    const errors: string[] = [];
    for (const e of this.entries.splice(0).reverse()) {
      const stop = e.kind === "proxy" ? stopProxy : stopSupervisor;
      await stop(e.pid, 2_000, { stateFile: e.stateFile }).catch((err: Error) => errors.push(err.message));
    }
    if (errors.length > 0) throw new Error(`cleanup: ${errors.join("; ")}`);
  }
}

/** Polls `read` until `done(value)` holds or `timeoutMs` passes; returns the last value. */
export async function pollUntil<T>(read: () => T, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = read();
  }
  return value;
}

/**
 * Waits for an event: the proxy's state file (at `stateFile`) saying what `done` asks; fails
 * naming `what` when `deadlineMs` passes first. The deadline bounds the wait (a test does not
 * hang); it is not a measurement, so no unit test asserts on how long the wait took.
 */
export function proxyStateWhere(
  what: string,
  stateFile: string,
  done: (state: ProxyState) => boolean,
  deadlineMs: number,
): Promise<ProxyState> {
  return waitFor(
    what,
    deadlineMs,
    async () => {
      const state = readProxyState(stateFile);
      return state && done(state) ? state : undefined;
    },
    25,
  );
}

/**
 * Stops the suite where the kernel has no /proc (macOS): what it checks (thread ids, start times)
 * only exists there. Under CI=true that fails the suite instead.
 */
export function requireProc(ctx: Mocha.Context): void {
  if (HAS_PROC) return;
  const reason = "no /proc on this system: process identity falls back to the pid alone";
  if (process.env.CI === "true") throw new Error(`cannot run: ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** One paced request of {@link probeLoop}: when it was sent, when its answer (or error) came. */
export interface Probe {
  sentAt: number;
  doneAt: number;
  ok: boolean;
}

/** A running {@link probeLoop}. */
export interface ProbeLoop {
  readonly probes: Probe[];
  /** Resolves once `count` requests sent after `since` were answered 200; rejects after `timeoutMs`. */
  served(count: number, since: number, timeoutMs: number): Promise<void>;
  /** The longest time between two answered requests sent after `since` (how long nothing was served). */
  longestGapMs(since: number): number;
  stop(): Promise<Probe[]>;
}

/**
 * One GET every `everyMs` on `port` until stopped: a paced loop, so that the failures counted say
 * how long the service port was unusable rather than how fast refused connections come back.
 */
export function probeLoop(port: number, everyMs: number): ProbeLoop {
  const probes: Probe[] = [];
  const waiters: Array<() => void> = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const sentAt = Date.now();
      const ok = await request(port, {}, 2_000).then(
        (r) => r.status === 200,
        () => false,
      );
      probes.push({ sentAt, doneAt: Date.now(), ok });
      for (const wake of waiters.splice(0)) wake();
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - sentAt))));
    }
  })();
  const okSince = (since: number) => probes.filter((p) => p.ok && p.sentAt >= since);
  return {
    probes,
    served: async (count, since, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (okSince(since).length < count) {
        if (Date.now() >= deadline || stopped)
          throw new Error(`${okSince(since).length} of ${count} requests answered within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    longestGapMs: (since) => {
      const done = okSince(since).map((p) => p.doneAt);
      return done.slice(1).reduce((gap, t, i) => Math.max(gap, t - (done[i] ?? t)), 0);
    },
    stop: async () => {
      stopped = true;
      await loop;
      return probes;
    },
  };
}
