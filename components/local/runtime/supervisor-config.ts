// The supervisor daemon's config file and state file formats.
import * as path from "node:path";
import type { ProcessRef } from "../../process/identity";
import type { DaemonStatus } from "./proxy-config";
import {
  arr,
  ConfigError,
  int,
  isRecord,
  NAME_HINT,
  NAME_PATTERN,
  noUnknownKeys,
  optBool,
  optInt,
  optRecord,
  record,
  show,
  str,
} from "./validate";

/** How the supervisor decides that an instance is ready: `GET http://127.0.0.1:<port><path>`. */
export interface ReadinessCheck {
  /** Path requested. Default `/`. */
  path: string;
  /** Status that means ready. Default 200. */
  expectStatus: number;
  /** Time between two checks. Default 200 ms. */
  intervalMs: number;
  /** Time allowed for one check. Default 1000 ms. */
  timeoutMs: number;
  /** Time from start to ready before the instance counts as failed. Default 300000 ms. */
  deadlineMs: number;
}

/** Restart policy for instances that exit after the supervisor has become ready. */
export interface RestartPolicy {
  /** First delay before a restart. Default 200 ms; doubles after each consecutive failure. */
  initialBackoffMs: number;
  /** Largest delay between restarts. Default 10000 ms. */
  maxBackoffMs: number;
  /** An instance that stayed up this long resets the backoff to its initial value. Default 10000 ms. */
  resetAfterMs: number;
}

/** Contents of the supervisor config file (`<stateDir>/<service>/<version>/supervisor.config.json`, mode 0600). */
export interface SupervisorConfig {
  /** Service name (paths, env `SERVICE_NAME`). */
  service: string;
  /** Version name (paths, env `SERVICE_VERSION`). */
  version: string;
  /** Absolute folder for config, state and log files. */
  stateDir: string;
  /** The command as an argv array, e.g. `["node", "server.js"]`; never run through a shell. */
  command: string[];
  /** Absolute working directory of the instances. Default: the caller's current directory. */
  cwd: string;
  /** Extra environment of the instances. `PORT` and `HOST` are always set by the supervisor. */
  env: Record<string, string>;
  /** Pass the supervisor's whole environment to instances. Default false: only PATH, HOME, LANG, TZ, TMPDIR, USER. */
  inheritEnv: boolean;
  /** Number of instances (1-64). Default 1. */
  instances: number;
  /** Fixed ports, one per instance. Default: free loopback ports chosen by the supervisor. */
  ports?: number[];
  readiness: ReadinessCheck;
  restart: RestartPolicy;
  /** On stop, time between SIGTERM and SIGKILL for each instance. Default 10000 ms. */
  stopGraceMs: number;
}

/** Input accepted for a supervisor config: defaults may be left out. */
export type SupervisorConfigInput = Pick<SupervisorConfig, "service" | "version" | "stateDir" | "command"> &
  Partial<
    Omit<SupervisorConfig, "service" | "version" | "stateDir" | "command" | "readiness" | "restart">
  > & {
    readiness?: Partial<ReadinessCheck>;
    restart?: Partial<RestartPolicy>;
  };

/** Why a supervisor failed to start (`errorCode` of its state). */
export type SupervisorErrorCode =
  | "COMMAND_NOT_FOUND"
  | "COMMAND_NOT_EXECUTABLE"
  | "EXITED_AT_START"
  | "READINESS_DEADLINE"
  | "PORT_IN_USE"
  | "SPAWN_FAILED";

/** One instance as written to the state file. */
export interface InstanceState {
  index: number;
  /** Pid of the running process (also its process group), null between runs. */
  pid: number | null;
  /** Start time of that process (see {@link ProcessRef}); null between runs, absent without /proc or in older files. */
  startTime?: number | null;
  port: number;
  status: "starting" | "ready" | "backoff" | "stopping" | "stopped" | "failed";
  /** How many times the instance was restarted after exiting. */
  restarts: number;
  startedAt: string | null;
  readyAt: string | null;
  /** How the previous run ended. */
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  lastError: string | null;
  /** Log file with the instance's stdout and stderr. */
  log: string;
}

/** Contents of the state file (`supervisor.state.json`), rewritten atomically on every change. */
export interface SupervisorState {
  /** Pid of the supervisor daemon. */
  pid: number;
  /** Its start time (see {@link ProcessRef}), so that a reused pid is never taken for it; absent without /proc or in older files. */
  startTime?: number;
  service: string;
  version: string;
  /** `ready` when every instance is ready, `degraded` when one is restarting. */
  status: DaemonStatus;
  startedAt: string;
  updatedAt: string;
  error: string | null;
  errorCode: SupervisorErrorCode | null;
  instances: InstanceState[];
}

/** Files of a supervisor daemon. */
export interface SupervisorPaths {
  dir: string;
  config: string;
  state: string;
  log: string;
  instanceLog(index: number): string;
}

export function supervisorPaths(stateDir: string, service: string, version: string): SupervisorPaths {
  const dir = path.join(stateDir, service, version);
  return {
    dir,
    config: path.join(dir, "supervisor.config.json"),
    state: path.join(dir, "supervisor.state.json"),
    log: path.join(dir, "supervisor.log"),
    instanceLog: (index) => path.join(dir, `instance-${index}.log`),
  };
}

function absolute(value: unknown, field: string, fallback?: string): string {
  const p = value === undefined && fallback !== undefined ? fallback : str(value, field);
  if (!path.isAbsolute(p)) throw new ConfigError(field, `must be an absolute path, got ${show(p)}`);
  return p;
}

const KNOWN = ["service", "version", "stateDir", "command", "cwd", "env", "inheritEnv", "instances", "ports"];

/** Validates a supervisor config and fills in defaults. Throws {@link ConfigError} naming the field. */
export function validateSupervisorConfig(value: unknown): SupervisorConfig {
  const input = record(value, "supervisor");
  noUnknownKeys(input, "", [...KNOWN, "readiness", "restart", "stopGraceMs"]);
  const command = arr(input["command"], "command").map((a, i) => str(a, `command[${i}]`));
  if (command.length === 0)
    throw new ConfigError("command", 'must name a program, e.g. ["node", "server.js"]');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(optRecord(input["env"], "env") ?? {})) {
    if (typeof v !== "string") throw new ConfigError(`env.${k}`, `must be a string, got ${show(v)}`);
    env[k] = v;
  }
  const instances = optInt(input["instances"], "instances", 1, 64, 1);
  const r = optRecord(input["readiness"], "readiness") ?? {};
  noUnknownKeys(r, "readiness", ["path", "expectStatus", "intervalMs", "timeoutMs", "deadlineMs"]);
  const b = optRecord(input["restart"], "restart") ?? {};
  noUnknownKeys(b, "restart", ["initialBackoffMs", "maxBackoffMs", "resetAfterMs"]);
  const config: SupervisorConfig = {
    service: str(input["service"], "service", NAME_PATTERN, NAME_HINT),
    version: str(input["version"], "version", NAME_PATTERN, NAME_HINT),
    stateDir: absolute(input["stateDir"], "stateDir"),
    command,
    cwd: absolute(input["cwd"], "cwd", process.cwd()),
    env,
    inheritEnv: optBool(input["inheritEnv"], "inheritEnv", false),
    instances,
    readiness: {
      path: str(r["path"] ?? "/", "readiness.path", /^\/\S*$/, "start with '/' and contain no spaces"),
      expectStatus: optInt(r["expectStatus"], "readiness.expectStatus", 100, 599, 200),
      intervalMs: optInt(r["intervalMs"], "readiness.intervalMs", 10, 60_000, 200),
      timeoutMs: optInt(r["timeoutMs"], "readiness.timeoutMs", 10, 60_000, 1_000),
      deadlineMs: optInt(r["deadlineMs"], "readiness.deadlineMs", 100, 3_600_000, 300_000),
    },
    restart: {
      initialBackoffMs: optInt(b["initialBackoffMs"], "restart.initialBackoffMs", 0, 600_000, 200),
      maxBackoffMs: optInt(b["maxBackoffMs"], "restart.maxBackoffMs", 0, 3_600_000, 10_000),
      resetAfterMs: optInt(b["resetAfterMs"], "restart.resetAfterMs", 0, 3_600_000, 10_000),
    },
    stopGraceMs: optInt(input["stopGraceMs"], "stopGraceMs", 0, 3_600_000, 10_000),
  };
  if (input["ports"] !== undefined) {
    const ports = arr(input["ports"], "ports").map((p, i) => int(p, `ports[${i}]`, 1, 65535));
    if (ports.length !== instances) {
      throw new ConfigError(
        "ports",
        `has ${ports.length} ports for ${instances} instances; give one per instance`,
      );
    }
    if (new Set(ports).size !== ports.length)
      throw new ConfigError("ports", `must differ, got ${ports.join(", ")}`);
    config.ports = ports;
  }
  return config;
}

/** Type guard for a parsed state file. */
export function isSupervisorState(value: unknown): value is SupervisorState {
  return isRecord(value) && typeof value["pid"] === "number" && Array.isArray(value["instances"]);
}
