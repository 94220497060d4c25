// Inputs and outputs of the local platform's dynamic providers. They cross the engine as plain
// JSON, so every field is a string, number, boolean, array or object; no functions, no Outputs.

import type { FlagdFlag } from "../../core/flags";
import type { RouteTableInput } from "../runtime";

/** How an instance is checked for readiness (`GET http://127.0.0.1:<port><path>`). */
export interface ReadinessSpec {
  /** Path requested. */
  readonly path: string;
  /** Status that means ready. */
  readonly expectStatus: number;
  /** Time between two checks, in milliseconds. */
  readonly intervalMs: number;
  /** Time allowed for one check, in milliseconds. */
  readonly timeoutMs: number;
  /** Time from start to ready before the start fails, in milliseconds. */
  readonly deadlineMs: number;
}

/** What one version of a service needs to run: the process template shared by instance sets and rolling sets. */
export interface ProcessTemplate {
  /** Service name (folder under the state folder, `SERVICE_NAME`). */
  readonly service: string;
  /** Version label the instances run (`SERVICE_VERSION`, the proxy's route name). */
  readonly version: string;
  /** Absolute state folder. */
  readonly stateDir: string;
  /** The argv of an instance, `{version}` already replaced. */
  readonly command: readonly string[];
  /** Absolute working directory. */
  readonly cwd: string;
  /** Plain environment values. */
  readonly env: Readonly<Record<string, string>>;
  /** Secret environment values (secret in state through `additionalSecretOutputs`). */
  readonly secretEnv: Readonly<Record<string, string>>;
  /** Pass the supervisor's whole environment to instances. */
  readonly inheritEnv: boolean;
  readonly readiness: ReadinessSpec;
  /** Time between SIGTERM and SIGKILL when an instance stops, in milliseconds. */
  readonly stopGraceMs: number;
}

/** Inputs of an instance set: one supervisor daemon running `replicas` instances of one version. */
export interface InstanceSetInputs extends ProcessTemplate {
  /** Role of the set in its service: stable, canary, blue, green. */
  readonly slot: string;
  /** Number of instances (1-64). */
  readonly replicas: number;
}

/** One running instance as last seen. */
export interface InstanceInfo {
  readonly index: number;
  /** Pid of the instance (its process group), null while it is restarting or gone. */
  readonly pid: number | null;
  /** Start time of that process (`/proc/<pid>/stat` field 22), so that a reused pid is never taken for it. */
  readonly startTime?: number;
  readonly port: number;
  /** Supervisor's view: starting, ready, backoff, stopping, stopped, failed; `gone` when nothing runs. */
  readonly status: string;
  /** Restarts after the instance exited. */
  readonly restarts: number;
}

/** Whether what Pulumi created is still running, as last seen by create, update or refresh. */
export type LiveStatus = "ready" | "degraded" | "gone";

/** Outputs of an instance set. */
export interface InstanceSetOutputs extends InstanceSetInputs {
  /** Supervisor folder name, `<slot>-<version>-<random>`; unique, so a replacement never collides. */
  readonly dirName: string;
  /** Folder of the supervisor's and the instances' logs. */
  readonly logDir: string;
  readonly supervisorPid: number;
  /** Start time of the supervisor; absent without /proc and in the state of older versions. */
  readonly supervisorStartTime?: number;
  readonly instances: readonly InstanceInfo[];
  /** Ports of the instances, in index order. */
  readonly ports: readonly number[];
  readonly status: LiveStatus;
  /**
   * Instance pids as of the last create or update. Refresh changes `instances` but not this, so a
   * difference is drift that refresh reports as an update and the next `up` records.
   */
  readonly readyPids: readonly (number | null)[];
}

/** Inputs of a service's traffic proxy. */
export interface ProxyInputs {
  readonly service: string;
  readonly stateDir: string;
  /** Service port; 0 = a free port (the previous one when it is still free). */
  readonly port: number;
  /** Preview port; 0 = a free port; absent = no preview listener. */
  readonly previewPort?: number;
  /** Routing table; every instance has its host, the header route its header and value. */
  readonly routes: RouteTableInput;
}

/** Outputs of a service's traffic proxy. */
export interface ProxyOutputs {
  readonly service: string;
  readonly stateDir: string;
  /** The port asked for (0 = any). */
  readonly requestedPort: number;
  readonly requestedPreviewPort?: number;
  /** The port bound. */
  readonly port: number;
  readonly previewPort?: number;
  readonly adminPort: number;
  /** Bearer token of the admin API, made at create; secret in state. */
  readonly adminToken: string;
  /** Pid of the proxy's keeper as last seen (refresh follows a keeper its worker replaced). */
  readonly pid: number;
  /** Start time of that keeper; absent without /proc and in the state of older versions. */
  readonly startTime?: number;
  /** The proxy's id, the same through restarts of its worker and keeper; absent in older states. */
  readonly proxyId?: string;
  /** Routing table as read back from the proxy. */
  readonly routes: RouteTableInput;
  /** Generation of the table read back. */
  readonly generation: number;
  /** Weight of each route as read back, by route (version) name. */
  readonly weights: Readonly<Record<string, number>>;
  readonly status: LiveStatus;
}

/** How a rolling set replaces its instances when the template changes. */
export interface RolloutSpec {
  readonly kind: "rolling" | "recreate";
  /** Instances above `replicas` during a rolling update. */
  readonly maxSurge: number;
  /** Instances below `replicas` during a rolling update. */
  readonly maxUnavailable: number;
  /** Time a new instance must stay ready before it counts as available, in milliseconds. */
  readonly readinessDelayMs: number;
}

/** Inputs of a rolling set: `replicas` units (a supervisor with one instance each) of one template. */
export interface RollingSetInputs extends ProcessTemplate {
  readonly replicas: number;
  readonly rollout: RolloutSpec;
}

/** One unit of a rolling set. */
export interface UnitInfo {
  /** Supervisor folder name, `<setId>-u<n>`. */
  readonly dirName: string;
  readonly supervisorPid: number;
  /** Start time of the supervisor; absent without /proc and in the state of older versions. */
  readonly supervisorStartTime?: number;
  /** Pid of the unit's instance, null while it is restarting or gone. */
  readonly pid: number | null;
  /** Start time of that instance. */
  readonly startTime?: number;
  readonly port: number;
  readonly version: string;
  readonly status: string;
  readonly restarts: number;
}

/** Outputs of a rolling set. */
export interface RollingSetOutputs extends RollingSetInputs {
  /** Prefix of every unit folder of this set. */
  readonly setId: string;
  /** Next unit number. */
  readonly nextUnit: number;
  readonly units: readonly UnitInfo[];
  readonly ports: readonly number[];
  /** Folder of the logs (`<setId>-u<n>/` below it). */
  readonly logDir: string;
  readonly status: LiveStatus;
  /** Instance pids as of the last create or update (see {@link InstanceSetOutputs.readyPids}). */
  readonly readyPids: readonly (number | null)[];
}

/** Inputs of a flag file: one flag of a flagd flag file. */
export interface FlagFileInputs {
  /** Absolute path of the flag file. */
  readonly path: string;
  /** The flag's key in the file. */
  readonly key: string;
  /** The flag, in flagd's format. */
  readonly flag: FlagdFlag;
}

/** Outputs of a flag file: the flag as the file holds it. */
export type FlagFileOutputs = FlagFileInputs;
