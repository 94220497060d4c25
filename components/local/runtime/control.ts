// Client side of the local runtime: starts the supervisor and proxy daemons and reads their state
// files (stop.ts stops them). The Pulumi dynamic providers call these functions.
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isAlive, isRunning, type ProcessRef, refOf } from "../../process/identity";
import { fileSize, readJsonFile, tailFile, writeJsonAtomic } from "./files";
import { sleep, spawnDaemon, waitForExit } from "./processes";
import {
  keeperOf,
  type ProxyConfigInput,
  type ProxyState,
  proxyPaths,
  validateProxyConfig,
  workerOf,
} from "./proxy-config";
import { stopProxy, stopSupervisor } from "./stop";
import {
  isSupervisorState,
  type SupervisorConfigInput,
  type SupervisorErrorCode,
  type SupervisorState,
  supervisorPaths,
  validateSupervisorConfig,
} from "./supervisor-config";
import { isRecord } from "./validate";

export type { StopKnown, StopResult } from "./stop";
export { stopProxy, stopSupervisor } from "./stop";

/** Why starting a daemon failed. */
export type StartErrorCode =
  | SupervisorErrorCode
  | "ALREADY_RUNNING"
  | "DAEMON_EXITED"
  | "START_TIMEOUT"
  | "PROXY_FAILED";

/** A daemon did not come up. The message says what happened and how to fix it. */
export class DaemonStartError extends Error {
  readonly code: StartErrorCode;
  /** Pid of the daemon (already stopped when this is thrown), when it was spawned. */
  readonly pid: number | undefined;
  /** The daemon's own log file. */
  readonly logFile: string;

  constructor(code: StartErrorCode, message: string, logFile: string, pid?: number) {
    super(message);
    this.name = "DaemonStartError";
    this.code = code;
    this.logFile = logFile;
    this.pid = pid;
  }
}

/** The supervisor state file, or undefined when there is none. */
export function readState(stateFile: string): SupervisorState | undefined {
  const value = readJsonFile(stateFile);
  return isSupervisorState(value) ? value : undefined;
}

/** The proxy state file, or undefined when there is none. */
export function readProxyState(stateFile: string): ProxyState | undefined {
  const value = readJsonFile(stateFile);
  return isRecord(value) && typeof value["pid"] === "number" && typeof value["adminPort"] === "number"
    ? (value as unknown as ProxyState)
    : undefined;
}

/** The supervisor a state file names, when it is still that process (folder's config in its command line). */
export function supervisorRef(state: SupervisorState): ProcessRef {
  return refOf(state.pid, state.startTime) ?? { pid: state.pid };
}

/**
 * The proxy whose state is in `stateFile` when its keeper or its worker still runs (checked by
 * start time and command line), else undefined. With `id`, only that proxy (its state's id).
 */
export function runningProxy(stateFile: string, id?: string): ProxyState | undefined {
  const state = readProxyState(stateFile);
  if (!state || (id !== undefined && state.id !== id)) return undefined;
  const config = path.join(path.dirname(stateFile), "proxy.config.json");
  const keeper = isRunning(keeperOf(state), "proxy-main", config);
  const worker = workerOf(state);
  return keeper || (worker && isRunning(worker, "proxy-worker", config)) ? state : undefined;
}

function ensureNotRunning(running: boolean, pid: number | undefined, what: string, logFile: string): void {
  if (running && pid !== undefined) {
    throw new DaemonStartError(
      "ALREADY_RUNNING",
      `${what} is already running (pid ${pid}); stop it first`,
      logFile,
      pid,
    );
  }
}

async function waitForDaemon<S extends { pid: number; status: string; error?: string | null }>(args: {
  pid: number;
  what: string;
  read: () => S | undefined;
  logFile: string;
  logOffset: number;
  timeoutMs: number;
  failCode: (state: S) => StartErrorCode;
  stop: (pid: number) => Promise<unknown>;
}): Promise<S> {
  const { pid, what, logFile } = args;
  const deadline = Date.now() + args.timeoutMs;
  for (;;) {
    const state = args.read();
    const mine = state?.pid === pid ? state : undefined;
    if (mine?.status === "ready") return mine;
    if (mine?.status === "failed" || !isAlive(pid)) {
      await waitForExit([pid], 15_000);
      const final = args.read();
      if (final?.pid === pid && final.status === "failed") {
        throw new DaemonStartError(args.failCode(final), final.error ?? `${what} failed`, logFile, pid);
      }
      const tail = tailFile(logFile, 15, 16_384, args.logOffset) || "(no output)";
      throw new DaemonStartError(
        "DAEMON_EXITED",
        `${what} exited while starting; last lines of ${logFile}:\n${tail}`,
        logFile,
        pid,
      );
    }
    if (Date.now() >= deadline) {
      await args.stop(pid);
      throw new DaemonStartError(
        "START_TIMEOUT",
        `${what} did not report ready within ${args.timeoutMs} ms; see ${logFile}`,
        logFile,
        pid,
      );
    }
    await sleep(40);
  }
}

/**
 * Starts a supervisor daemon for one version of a service and waits until all its instances are
 * ready. Throws {@link DaemonStartError} (code COMMAND_NOT_FOUND, EXITED_AT_START,
 * READINESS_DEADLINE, PORT_IN_USE, ...) after making sure nothing it started is left running.
 */
export async function startSupervisor(input: SupervisorConfigInput): Promise<SupervisorState> {
  const config = validateSupervisorConfig(input);
  const paths = supervisorPaths(config.stateDir, config.service, config.version);
  const what = `supervisor of ${config.service}/${config.version}`;
  const previous = readState(paths.state);
  const running =
    previous !== undefined && isRunning(supervisorRef(previous), "supervisor-main", paths.config);
  ensureNotRunning(running, previous?.pid, what, paths.log);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeJsonAtomic(paths.config, config, 0o600);
  fs.rmSync(paths.state, { force: true });
  const logOffset = fileSize(paths.log);
  const pid = spawnDaemon("supervisor-main", [paths.config], paths.log);
  return waitForDaemon({
    pid,
    what,
    read: () => readState(paths.state),
    logFile: paths.log,
    logOffset,
    timeoutMs: config.readiness.deadlineMs + 30_000,
    failCode: (s) => s.errorCode ?? "SPAWN_FAILED",
    stop: (p) => stopSupervisor(p, 2_000, { stateFile: paths.state }),
  });
}

/** Starts the proxy daemon of a service and waits until it listens. */
export async function startProxy(input: ProxyConfigInput): Promise<ProxyState> {
  const config = validateProxyConfig({ id: randomUUID(), ...input });
  const paths = proxyPaths(config.stateDir, config.service);
  const what = `proxy of ${config.service}`;
  const previous = runningProxy(paths.state);
  ensureNotRunning(previous !== undefined, previous?.pid, what, paths.log);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeJsonAtomic(paths.config, config, 0o600);
  fs.rmSync(paths.state, { force: true });
  const logOffset = fileSize(paths.log);
  const pid = spawnDaemon("proxy-main", [paths.config], paths.log);
  return waitForDaemon({
    pid,
    what,
    read: () => readProxyState(paths.state),
    logFile: paths.log,
    logOffset,
    timeoutMs: 30_000,
    failCode: () => "PROXY_FAILED",
    stop: (p) => stopProxy(p, 2_000, { stateFile: paths.state }),
  });
}
