// Client side of the local runtime: starts the supervisor and proxy daemons, reads their state
// files and stops them. The later Pulumi dynamic providers call these functions.
import * as fs from "node:fs";
import { fileSize, readJsonFile, tailFile, writeJsonAtomic } from "./files";
import {
  commandLineContains,
  type DaemonEntry,
  isAlive,
  signal,
  sleep,
  spawnDaemon,
  waitForExit,
  waitForPortsFree,
} from "./processes";
import { type ProxyConfigInput, type ProxyState, proxyPaths, validateProxyConfig } from "./proxy-config";
import {
  isSupervisorState,
  type SupervisorConfigInput,
  type SupervisorErrorCode,
  type SupervisorState,
  supervisorPaths,
  validateSupervisorConfig,
} from "./supervisor-config";
import { isRecord } from "./validate";

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

/** What {@link stopSupervisor} and {@link stopProxy} did. */
export interface StopResult {
  pid: number;
  /** True when SIGTERM was sent to the daemon (false when it was already gone). */
  signalled: boolean;
  /** True when something had to be killed with SIGKILL after the grace period. */
  forced: boolean;
  /** Ports verified free (bindable) after the stop. */
  ports: number[];
}

/** Extra things a stop should wait for, when the state file is gone or the caller knows better. */
export interface StopKnown {
  /** State file to read instance pids and ports from (used only when its pid matches). */
  stateFile?: string;
  /** Ports that must be free after the stop. */
  ports?: readonly number[];
  /** Pids (process-group leaders) that must be gone after the stop. */
  pids?: readonly number[];
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

function isGroupLeader(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[2]) === pid;
  } catch {
    return true;
  }
}

function ensureNotRunning(pid: number | undefined, entry: DaemonEntry, what: string, logFile: string): void {
  if (pid !== undefined && isAlive(pid) && commandLineContains(pid, entry)) {
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
  marker: DaemonEntry;
  what: string;
  read: () => S | undefined;
  logFile: string;
  logOffset: number;
  timeoutMs: number;
  failCode: (state: S) => StartErrorCode;
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
      await stopDaemon(pid, args.marker, 2_000, {});
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
  ensureNotRunning(readState(paths.state)?.pid, "supervisor-main", what, paths.log);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeJsonAtomic(paths.config, config, 0o600);
  fs.rmSync(paths.state, { force: true });
  const logOffset = fileSize(paths.log);
  const pid = spawnDaemon("supervisor-main", [paths.config], paths.log);
  return waitForDaemon({
    pid,
    marker: "supervisor-main",
    what,
    read: () => readState(paths.state),
    logFile: paths.log,
    logOffset,
    timeoutMs: config.readiness.deadlineMs + 30_000,
    failCode: (s) => s.errorCode ?? "SPAWN_FAILED",
  });
}

/** Starts the proxy daemon of a service and waits until it listens. */
export async function startProxy(input: ProxyConfigInput): Promise<ProxyState> {
  const config = validateProxyConfig(input);
  const paths = proxyPaths(config.stateDir, config.service);
  const what = `proxy of ${config.service}`;
  ensureNotRunning(readProxyState(paths.state)?.pid, "proxy-main", what, paths.log);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeJsonAtomic(paths.config, config, 0o600);
  fs.rmSync(paths.state, { force: true });
  const logOffset = fileSize(paths.log);
  const pid = spawnDaemon("proxy-main", [paths.config], paths.log);
  return waitForDaemon({
    pid,
    marker: "proxy-main",
    what,
    read: () => readProxyState(paths.state),
    logFile: paths.log,
    logOffset,
    timeoutMs: 30_000,
    failCode: () => "PROXY_FAILED",
  });
}

async function stopDaemon(
  pid: number,
  marker: DaemonEntry,
  graceMs: number,
  known: StopKnown,
): Promise<StopResult> {
  const ports = [...(known.ports ?? [])];
  const pids = [...(known.pids ?? [])];
  const workers: number[] = [];
  const state = known.stateFile ? readJsonFile(known.stateFile) : undefined;
  if (isRecord(state) && state["pid"] === pid) {
    if (isSupervisorState(state)) {
      for (const i of state.instances) {
        ports.push(i.port);
        if (i.pid !== null) pids.push(i.pid);
      }
    } else {
      for (const key of ["port", "previewPort", "adminPort"]) {
        const port = state[key];
        if (typeof port === "number" && port > 0) ports.push(port);
      }
      if (typeof state["workerPid"] === "number") workers.push(state["workerPid"]);
    }
  }
  let signalled = false;
  let forced = false;
  if (isAlive(pid) && commandLineContains(pid, marker)) signalled = signal(pid, "SIGTERM");
  if (signalled && !(await waitForExit([pid], graceMs + 5_000))) {
    forced = true;
    signal(pid, "SIGKILL");
    await waitForExit([pid], 5_000);
  }
  if (isAlive(pid) && commandLineContains(pid, marker))
    throw new Error(`${marker} pid ${pid} is still running after SIGKILL`);
  // A proxy worker outlives its keeper when the keeper was killed (it then drains and exits by
  // itself); do not wait for that, stop it like the keeper would have.
  const orphans = workers.filter((p) => isAlive(p) && commandLineContains(p, "proxy-worker"));
  for (const p of orphans) signal(p, "SIGTERM");
  if (orphans.length > 0 && !(await waitForExit(orphans, graceMs))) {
    forced = true;
    for (const p of orphans) signal(p, "SIGKILL");
    await waitForExit(orphans, 5_000);
  }
  const leftovers = pids.filter((p) => isAlive(p) && isGroupLeader(p));
  if (leftovers.length > 0) {
    for (const p of leftovers) signal(-p, "SIGTERM");
    if (!(await waitForExit(leftovers, graceMs))) {
      forced = true;
      for (const p of leftovers) signal(-p, "SIGKILL");
      await waitForExit(leftovers, 5_000);
    }
  }
  const stillAlive = [...orphans, ...leftovers].filter(isAlive);
  if (stillAlive.length > 0)
    throw new Error(`processes ${stillAlive.join(", ")} are still running after SIGKILL`);
  const unique = [...new Set(ports)];
  const busy = await waitForPortsFree(unique, 5_000);
  if (busy.length > 0)
    throw new Error(`ports ${busy.join(", ")} are still in use after stopping ${marker} pid ${pid}`);
  return { pid, signalled, forced, ports: unique };
}

/**
 * Stops a supervisor (SIGTERM; it stops its instances with `graceMs` each) and waits until it and
 * its instances are gone and their ports can be bound again. Kills leftovers after the grace period.
 */
export function stopSupervisor(pid: number, graceMs = 10_000, known: StopKnown = {}): Promise<StopResult> {
  return stopDaemon(pid, "supervisor-main", graceMs, known);
}

/**
 * Stops a proxy (SIGTERM to `pid`, the keeper; its worker drains for its own grace period) and
 * waits until the keeper and its worker are gone and the ports are free.
 */
export function stopProxy(pid: number, graceMs = 10_000, known: StopKnown = {}): Promise<StopResult> {
  return stopDaemon(pid, "proxy-main", graceMs, known);
}
