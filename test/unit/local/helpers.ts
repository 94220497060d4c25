// Helpers of the local-runtime tests: HTTP calls (harness/load.ts underneath), and a registry of
// the daemons a test started so that `after` stops every one of them.
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import {
  proxyPaths,
  type SupervisorConfigInput,
  type SupervisorState,
  startSupervisor,
  stopProxy,
  stopSupervisor,
  supervisorPaths,
} from "../../../components/local/runtime";
import { get, type Reply } from "../../../harness/load";

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
