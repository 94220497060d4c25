// Arguments every local component shares: the local counterpart of the Kubernetes WorkloadArgs.
// A version label becomes a command line instead of an image; the proxy's port stands in for the
// Service port.

import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgNames, DurationInput, HealthInput } from "../core";

/**
 * How a version label becomes the argv of an instance: a list in which every `{version}` is
 * replaced (`["node", "releases/{version}/server.js"]`), or a function of the version.
 */
export type CommandSource = readonly string[] | ((version: string) => readonly string[]);

/** What every local component takes besides its strategy and traffic state. */
export interface LocalWorkloadArgs {
  /** The argv each instance runs, never through a shell; the platform sets PORT and HOST (127.0.0.1) for it to listen on. */
  readonly command: CommandSource;
  /** Working directory of the instances; a relative path is taken from the program's working directory. @default the program's working directory */
  readonly cwd?: string;
  /** Environment values of the instances (SERVICE_NAME, SERVICE_VERSION and INSTANCE are also set). @default {} */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Secret environment values: Pulumi secrets, kept secret in state; on disk only in the supervisor's config file (mode 0600, removed when the set stops). @default {} */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Pass the deploying process's whole environment to instances. @default false (only PATH, HOME, LANG, LC_ALL, TZ, TMPDIR, USER) */
  readonly inheritEnv?: boolean;
  /** Serving instances (stable, or the active colour), 1-64. @default 2 */
  readonly replicas?: number;
  /** Port the proxy serves the service on, at 127.0.0.1. @default a free port chosen at create and kept */
  readonly port?: number;
  /** Readiness: the HTTP GET each new instance must answer before it gets traffic. Liveness is not polled; an instance that exits is restarted. @default GET / answering 200, every 200 ms */
  readonly health?: HealthInput;
  /** Folder of the daemons' config, state and log files (`<stateDir>/<project>/<stack>/<service>/...`). @default $PROGRESSIVE_LOCAL_DIR, else ~/.local/state/pulumi-progressive-delivery */
  readonly stateDir?: string;
  /** Name of the service in file paths and in the proxy's metrics (1-63 letters, digits, ".", "_", "-"). @default the component's name */
  readonly serviceName?: string;
  /** Time an instance gets between SIGTERM and SIGKILL when it stops. @default "10s" */
  readonly stopGrace?: DurationInput;
}

/** The names of {@link LocalWorkloadArgs}: each local component's args add theirs to these. */
export const LOCAL_WORKLOAD_ARG_NAMES = {
  command: true,
  cwd: true,
  env: true,
  secretEnv: true,
  inheritEnv: true,
  replicas: true,
  port: true,
  health: true,
  stateDir: true,
  serviceName: true,
  stopGrace: true,
} as const satisfies ArgNames<LocalWorkloadArgs>;

/** Defaults of {@link LocalWorkloadArgs}. */
export const LOCAL_DEFAULTS = {
  /** Readiness poll interval when `health.readiness.interval` is not set (the core's 10 s suits load balancers, not a laptop). */
  readinessIntervalMs: 200,
  readinessPath: "/",
  stopGraceSeconds: 10,
  /** The supervisor's limits. */
  maxReplicas: 64,
  maxDeadlineSeconds: 3600,
} as const;

/**
 * Environment variable that moves the local platform's default folder. Not the driver's state
 * folder (`PROGRESSIVE_STATE_DIR`) nor its release store: those are where release state lives and
 * may differ between machines and users acting on one stack, while this folder is part of each
 * local resource's inputs (a different one would preview as replacing every local resource).
 */
export const LOCAL_DIR_ENV = "PROGRESSIVE_LOCAL_DIR";

/** The local platform's folder: `stateDir` when given, else $PROGRESSIVE_LOCAL_DIR, else ~/.local/state/pulumi-progressive-delivery. */
export function defaultStateDir(stateDir?: string): string {
  const chosen =
    stateDir ??
    process.env[LOCAL_DIR_ENV] ??
    path.join(os.homedir(), ".local", "state", "pulumi-progressive-delivery");
  return path.resolve(chosen);
}

/** The argv for a version. */
export function commandFor(source: CommandSource, version: string): string[] {
  const argv = typeof source === "function" ? source(version) : source;
  return argv.map((a) => String(a).split("{version}").join(version));
}
