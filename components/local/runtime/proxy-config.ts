// The proxy daemon's config file and state file formats.
import * as path from "node:path";
import { type ProcessRef, refOf } from "../../process/identity";
import { type RouteTable, type RouteTableInput, validateRouteTable } from "./routing";
import {
  ConfigError,
  int,
  loopbackHost,
  NAME_HINT,
  NAME_PATTERN,
  noUnknownKeys,
  optInt,
  record,
  str,
} from "./validate";

/** Contents of the proxy config file (`<stateDir>/<service>/proxy/proxy.config.json`, mode 0600). */
export interface ProxyConfig {
  /**
   * Names this proxy for its whole life, through restarts of its worker and of its keeper (whose
   * pid then changes): its state file carries it, so a caller can tell its proxy from a later one
   * in the same folder. `startProxy` makes one when it is not given.
   */
  id?: string;
  /** Service name; used in paths and as the `service` label of metrics. */
  service: string;
  /** Absolute folder for config, state and log files. */
  stateDir: string;
  /** Loopback address the service and preview ports listen on. Default `127.0.0.1`. */
  host: string;
  /** Service port. 0 picks a free port (see the state file for the one chosen). */
  port: number;
  /** Preview port that always routes to `routes.previewVersion`; omitted means no preview listener. */
  previewPort?: number;
  /** Admin API port on 127.0.0.1. Default 0 (a free port). */
  adminPort: number;
  /** Bearer token of the admin API (at least 16 characters). Never logged nor written to state. */
  adminToken: string;
  /** Initial routing table. Default: no versions (every request gets 503). */
  routes: RouteTable;
  /** Time allowed for an instance to answer before the proxy replies 504. Default 30000 ms. */
  upstreamTimeoutMs: number;
  /** On SIGTERM, time allowed for in-flight requests to finish. Default 10000 ms. */
  shutdownGraceMs: number;
  /** After a connection to an instance fails, how long it is skipped while others are up. Default 2000 ms. */
  ejectMs: number;
}

/** Input accepted for a proxy config: {@link ProxyConfig} with defaults left out. */
export type ProxyConfigInput = Pick<ProxyConfig, "service" | "stateDir" | "adminToken"> &
  Partial<Omit<ProxyConfig, "service" | "stateDir" | "adminToken" | "routes">> & { routes?: RouteTableInput };

/** Lifecycle of a daemon as written to its state file. */
export type DaemonStatus = "starting" | "ready" | "degraded" | "stopping" | "stopped" | "failed";

/** Contents of the proxy state file (`proxy.state.json`), rewritten atomically on every change. */
export interface ProxyState {
  /** The proxy's {@link ProxyConfig.id}; absent in files of older versions. */
  id?: string;
  /**
   * Pid of the keeper (`proxy-main`, which keeps the worker running); what a stop signals. A killed
   * keeper is replaced by its worker, so this is the current keeper's pid, not the first one's.
   */
  pid: number;
  /** The keeper's start time (see {@link ProcessRef}); absent without /proc or in older files. */
  startTime?: number;
  /** Pid of the worker that serves (`proxy-worker`), null while it is being restarted. */
  workerPid: number | null;
  /** The worker's start time; null while it is being restarted, absent without /proc or in older files. */
  workerStartTime?: number | null;
  /** Times the worker was restarted after it died; each restart binds the same ports and reloads the table. */
  restarts: number;
  /** Times a killed keeper was replaced by a new one its worker started (absent in older files). */
  keeperRestarts?: number;
  service: string;
  status: DaemonStatus;
  host: string;
  /** Service port actually bound. */
  port: number;
  /** Preview port actually bound, when configured. */
  previewPort?: number;
  /** Admin API port actually bound. */
  adminPort: number;
  /** Generation of the routing table in use; starts at 1 and grows by one per accepted `PUT /routes`. */
  generation: number;
  /** The table in use. Written before a change takes effect, so a restarted worker starts from it. */
  routes: RouteTable;
  startedAt: string;
  updatedAt: string;
  /** Why the proxy failed, when `status` is `failed`, or why the worker is being restarted (`degraded`). */
  error?: string;
}

/** Where a proxy's keeper and worker are found: the pids of its state file, checked for identity. */
export function keeperOf(state: ProxyState): ProcessRef {
  return refOf(state.pid, state.startTime) ?? { pid: state.pid };
}

/** The worker a proxy state names, or undefined while none runs. */
export function workerOf(state: ProxyState): ProcessRef | undefined {
  return refOf(state.workerPid, state.workerStartTime);
}

/** Files of a proxy daemon. */
export interface ProxyPaths {
  dir: string;
  config: string;
  state: string;
  log: string;
}

export function proxyPaths(stateDir: string, service: string): ProxyPaths {
  const dir = path.join(stateDir, service, "proxy");
  return {
    dir,
    config: path.join(dir, "proxy.config.json"),
    state: path.join(dir, "proxy.state.json"),
    log: path.join(dir, "proxy.log"),
  };
}

const KNOWN = [
  "id",
  "service",
  "stateDir",
  "host",
  "port",
  "previewPort",
  "adminPort",
  "adminToken",
  "routes",
  "upstreamTimeoutMs",
  "shutdownGraceMs",
  "ejectMs",
] as const;

const ID_HINT = "use 1-64 letters, digits or dashes";

/** Validates a proxy config and fills in defaults. Throws {@link ConfigError} naming the field. */
export function validateProxyConfig(value: unknown): ProxyConfig {
  const input = record(value, "proxy");
  noUnknownKeys(input, "", KNOWN);
  const stateDir = str(input["stateDir"], "stateDir");
  if (!path.isAbsolute(stateDir))
    throw new ConfigError("stateDir", `must be an absolute path, got "${stateDir}"`);
  const adminToken = input["adminToken"];
  if (typeof adminToken !== "string" || adminToken.length < 16) {
    throw new ConfigError("adminToken", "must be a string of at least 16 characters (value not shown)");
  }
  const config: ProxyConfig = {
    ...(input["id"] !== undefined ? { id: str(input["id"], "id", /^[A-Za-z0-9-]{1,64}$/, ID_HINT) } : {}),
    service: str(input["service"], "service", NAME_PATTERN, NAME_HINT),
    stateDir,
    host: loopbackHost(input["host"], "host"),
    port: int(input["port"] ?? 0, "port", 0, 65535),
    adminPort: optInt(input["adminPort"], "adminPort", 0, 65535, 0),
    adminToken,
    routes: validateRouteTable(input["routes"] ?? { versions: [] }),
    upstreamTimeoutMs: optInt(input["upstreamTimeoutMs"], "upstreamTimeoutMs", 1, 3_600_000, 30_000),
    shutdownGraceMs: optInt(input["shutdownGraceMs"], "shutdownGraceMs", 0, 3_600_000, 10_000),
    ejectMs: optInt(input["ejectMs"], "ejectMs", 0, 600_000, 2_000),
  };
  if (input["previewPort"] !== undefined)
    config.previewPort = int(input["previewPort"], "previewPort", 0, 65535);
  const fixed = [config.port, config.previewPort, config.adminPort].filter((p): p is number => !!p);
  if (new Set(fixed).size !== fixed.length) {
    throw new ConfigError("port", `port, previewPort and adminPort must differ, got ${fixed.join(", ")}`);
  }
  return config;
}
