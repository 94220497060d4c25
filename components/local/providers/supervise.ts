// What the local providers do with the runtime: start a supervisor for a template and explain a
// failed start in terms of the component's fields, stop one and prove its ports free, read its
// state, and find the service's proxy through its files to drain instances before they stop.
// Loaded inside the dynamic-provider process, never serialized.

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DaemonStartError,
  type InstanceRef,
  isRunning,
  type ProcessRef,
  ProxyAdminClient,
  proxyPaths,
  readState,
  refOf,
  runningProxy,
  type SupervisorState,
  startSupervisor,
  stopSupervisor,
  supervisorPaths,
  supervisorRef,
} from "../runtime";
import type { InstanceInfo, LiveStatus, ProcessTemplate } from "./types";

/** A folder name for a supervisor: `<prefix>-<random>`, cut to the runtime's 63 characters. */
export function uniqueDirName(prefix: string): string {
  const suffix = randomBytes(3).toString("hex");
  const head = prefix.slice(0, 63 - suffix.length - 1).replace(/[^A-Za-z0-9]+$/, "");
  return `${head}-${suffix}`;
}

const FIX_BY_CODE: Record<string, { field: string; fix: string }> = {
  COMMAND_NOT_FOUND: { field: "command", fix: "give a program on PATH or an absolute path" },
  COMMAND_NOT_EXECUTABLE: { field: "command", fix: "make the program executable (chmod +x)" },
  EXITED_AT_START: { field: "command", fix: "run the command by hand with PORT set and fix what it prints" },
  SPAWN_FAILED: { field: "command", fix: "check the command and cwd" },
  PORT_IN_USE: { field: "port", fix: "stop what listens there or choose another port" },
};

function explain(err: unknown, t: ProcessTemplate, subject: string, logDir: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof DaemonStartError ? err.code : undefined;
  let hint: string;
  if (code === "READINESS_DEADLINE") {
    const r = t.readiness;
    hint =
      `field health.readiness (GET ${r.path} expecting ${r.expectStatus}, deadline ${r.deadlineMs} ms from strategy.progressDeadline); ` +
      `fix: make the instance answer ${r.expectStatus} at ${r.path}, correct health.readiness, or lengthen strategy.progressDeadline`;
  } else {
    const known = code ? FIX_BY_CODE[code] : undefined;
    const field = known?.field ?? "command";
    const value = field === "command" ? JSON.stringify(t.command) : "";
    hint = `field ${field}${value ? ` = ${value}` : ""}; fix: ${known?.fix ?? `see the logs`}`;
  }
  return new Error(`${subject} did not start: ${message}\n${hint}; logs: ${logDir}`);
}

/** Starts a supervisor of `replicas` instances of the template in `<stateDir>/<service>/<dirName>`. */
export async function startInstances(
  template: ProcessTemplate,
  dirName: string,
  replicas: number,
  subject: string,
): Promise<SupervisorState> {
  const paths = supervisorPaths(template.stateDir, template.service, dirName);
  try {
    return await startSupervisor({
      service: template.service,
      version: dirName,
      stateDir: template.stateDir,
      command: [...template.command],
      cwd: template.cwd,
      env: { ...template.env, ...template.secretEnv, SERVICE_VERSION: template.version },
      inheritEnv: template.inheritEnv,
      instances: replicas,
      readiness: { ...template.readiness },
      stopGraceMs: template.stopGraceMs,
    });
  } catch (err) {
    // The runtime stops what it started; make sure, from the state file, before reporting.
    const state = readState(paths.state);
    if (state)
      await stopSupervisor(supervisorRef(state), 2_000, { stateFile: paths.state }).catch(() => undefined);
    fs.rmSync(paths.config, { force: true });
    throw explain(err, template, subject, paths.dir);
  }
}

/**
 * Stops a supervisor and its instances (SIGTERM, grace, SIGKILL) and returns once their pids are
 * gone and their ports can be bound again. Removes the config file, which holds the environment.
 * Each process is signalled only while it is still the one recorded (pid and start time).
 */
export async function stopInstances(
  stateDir: string,
  service: string,
  dirName: string,
  known: {
    supervisor: ProcessRef;
    instances: readonly InstanceRef[];
    ports: readonly number[];
    graceMs: number;
  },
): Promise<void> {
  const paths = supervisorPaths(stateDir, service, dirName);
  await stopSupervisor(known.supervisor, known.graceMs, {
    stateFile: paths.state,
    ports: known.ports,
    pids: known.instances,
  });
  fs.rmSync(paths.config, { force: true });
}

/** The supervisor outputs recorded (with its start time when they have one). */
export function supervisorOf(unit: { supervisorPid: number; supervisorStartTime?: number }): ProcessRef {
  return refOf(unit.supervisorPid, unit.supervisorStartTime) ?? { pid: unit.supervisorPid };
}

/** Refs of recorded instances (those with a pid), for a stop. */
export function instanceRefs(
  instances: readonly { pid: number | null; startTime?: number | null; port: number }[],
): InstanceRef[] {
  return instances.flatMap((i) => {
    const ref = refOf(i.pid, i.startTime);
    return ref ? [{ ...ref, port: i.port }] : [];
  });
}

/**
 * The state of a supervisor folder while its supervisor runs (the same process as `expected`
 * when given, with the folder's config in its command line), else undefined.
 */
export function liveSupervisor(
  stateDir: string,
  service: string,
  dirName: string,
  expected?: ProcessRef,
): SupervisorState | undefined {
  const paths = supervisorPaths(stateDir, service, dirName);
  const state = readState(paths.state);
  if (!state) return undefined;
  const ref = supervisorRef(state);
  const same =
    expected === undefined ||
    (expected.pid === ref.pid &&
      (expected.startTime === undefined ||
        ref.startTime === undefined ||
        expected.startTime === ref.startTime));
  return same && isRunning(ref, "supervisor-main", paths.config) ? state : undefined;
}

/** Instances as the state of a running supervisor reports them (none: `gone`), dead ones with pid null. */
export function instancesOf(state: SupervisorState | undefined, ports: readonly number[]): InstanceInfo[] {
  if (!state) {
    return ports.map((port, index) => ({ index, pid: null, port, status: "gone", restarts: 0 }));
  }
  return state.instances.map((i) => {
    const ref = refOf(i.pid, i.startTime);
    const running = ref !== undefined && isRunning(ref);
    return {
      index: i.index,
      pid: running ? ref.pid : null,
      ...(running && ref.startTime !== undefined ? { startTime: ref.startTime } : {}),
      port: i.port,
      status: running || i.status !== "ready" ? i.status : "gone",
      restarts: i.restarts,
    };
  });
}

/** The live status of a supervisor (its state while it runs): gone when it is not running, degraded when an instance is not ready. */
export function liveStatus(
  state: SupervisorState | undefined,
  instances: readonly InstanceInfo[],
): LiveStatus {
  if (!state) return "gone";
  return instances.every((i) => i.status === "ready" && i.pid !== null) ? "ready" : "degraded";
}

/** Reads the state file of a supervisor folder. */
export function readSupervisor(
  stateDir: string,
  service: string,
  dirName: string,
): SupervisorState | undefined {
  return readState(supervisorPaths(stateDir, service, dirName).state);
}

/** The admin client of the service's proxy when it runs, found through its state and config files. */
export function findProxy(stateDir: string, service: string): ProxyAdminClient | undefined {
  const paths = proxyPaths(stateDir, service);
  const state = runningProxy(paths.state);
  if (state?.status !== "ready") return undefined;
  try {
    const config = JSON.parse(fs.readFileSync(paths.config, "utf8")) as { adminToken?: unknown };
    if (typeof config.adminToken !== "string") return undefined;
    return new ProxyAdminClient({ port: state.adminPort, token: config.adminToken });
  } catch {
    return undefined;
  }
}

/**
 * Waits until the proxy has nothing in flight to these ports (best effort: a proxy that is gone or
 * slow does not block a stop; the instances finish their requests on SIGTERM anyway).
 */
export async function drainPorts(
  proxy: ProxyAdminClient | undefined,
  ports: readonly number[],
  timeoutMs: number,
): Promise<void> {
  if (!proxy) return;
  await Promise.all(
    ports.map((port) => proxy.drain({ instance: `127.0.0.1:${port}` }, timeoutMs).catch(() => undefined)),
  );
}

/** Folder of a supervisor's logs. */
export function logDirOf(stateDir: string, service: string, dirName: string): string {
  return path.join(stateDir, service, dirName);
}
