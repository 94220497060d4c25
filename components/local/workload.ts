// Checks that only the local platform needs, and the resolution of the shared args into what the
// providers take: one process template per version, the readiness check, the state folder.

import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  checkDuration,
  checkEnvNames,
  formatDuration,
  type Problem,
  problem,
  type Release,
  type ServiceKey,
  type TrafficState,
} from "../core";
import {
  type CommandSource,
  commandFor,
  defaultStateDir,
  LOCAL_DEFAULTS,
  type LocalWorkloadArgs,
} from "./args";
import type { InputsOf } from "./providers/resources";
import type { ProcessTemplate, ReadinessSpec } from "./providers/types";

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV = ["PORT", "HOST"];

/** A project or stack name as a single folder name. */
function folder(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * The service name and state folder of a component, which make its key in the name registry.
 * The folder is `<stateDir>/<project>/<stack>`: two stacks (or projects) with a service of the
 * same name never share, or stop, each other's daemons and files.
 */
export function serviceKey(
  name: string,
  args: LocalWorkloadArgs,
): ServiceKey & { name: string; scope: string } {
  const scope = path.join(
    defaultStateDir(args?.stateDir),
    folder(pulumi.getProject()),
    folder(pulumi.getStack()),
  );
  return { platform: "local", scope, name: args?.serviceName ?? name };
}

function checkPort(value: unknown, field: string, problems: Problem[]): void {
  if (value === undefined) return;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) return;
  problems.push(
    problem(
      field,
      value,
      "must be a port from 1 to 65535",
      `use a port such as 8080, or leave ${field} unset for a free one`,
    ),
  );
}

function checkCommand(
  source: CommandSource | undefined,
  traffic: TrafficState | undefined,
  problems: Problem[],
): void {
  const fix =
    'give the argv as a list, such as ["node", "server.js"], or a function of the version returning one';
  if (typeof source !== "function" && !Array.isArray(source)) {
    problems.push(problem("command", source, "must be a list of arguments or a function", fix));
    return;
  }
  const versions = [traffic?.stableVersion, traffic?.candidateVersion].filter(
    (v): v is string => typeof v === "string",
  );
  for (const version of versions.length > 0 ? versions : ["v1"]) {
    let argv: unknown;
    try {
      argv = typeof source === "function" ? source(version) : source;
    } catch (err) {
      problems.push(problem("command", `command("${version}")`, `threw: ${(err as Error).message}`, fix));
      return;
    }
    const ok =
      Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === "string" && a.length > 0);
    if (!ok) {
      problems.push(problem("command", argv, "must be a non-empty list of non-empty strings", fix));
      return;
    }
  }
}

function checkEnv(args: LocalWorkloadArgs, problems: Problem[]): void {
  const rules = {
    pattern: ENV_NAME,
    fix: "use letters, digits and _",
    reserved: {
      names: RESERVED_ENV,
      message: "is set by the platform for each instance",
      fix: (name: string) => `remove ${name}; read it in the app`,
    },
  };
  checkEnvNames(args.env, args.secretEnv, rules, problems);
}

/** Local-only checks of the shared args, pushed into the release's problem list. */
export function checkLocalWorkload(
  name: string,
  args: LocalWorkloadArgs,
  release: Release,
  problems: Problem[],
  previewPort?: number,
): void {
  checkCommand(args.command, release.traffic, problems);
  const key = serviceKey(name, args);
  if (!SERVICE_NAME.test(key.name)) {
    problems.push(
      problem(
        args.serviceName === undefined ? "name" : "serviceName",
        key.name,
        "is not a local service name",
        'set serviceName to 1-63 letters, digits, ".", "_" or "-", such as "web"',
      ),
    );
  }
  const cwd = path.resolve(args.cwd ?? process.cwd());
  if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
    problems.push(
      problem("cwd", args.cwd, "is not a directory", "give an existing folder, or leave cwd unset"),
    );
  }
  checkPort(args.port, "port", problems);
  checkPort(previewPort, "previewPort", problems);
  if (args.port !== undefined && args.port === previewPort) {
    problems.push(
      problem("previewPort", previewPort, "is the same as port", "give the preview its own port"),
    );
  }
  if (release.replicas > LOCAL_DEFAULTS.maxReplicas) {
    problems.push(
      problem(
        "replicas",
        release.replicas,
        `must be at most ${LOCAL_DEFAULTS.maxReplicas} on the local platform`,
        "use fewer instances",
      ),
    );
  }
  const deadline = release.strategy.progressDeadlineSeconds;
  if (deadline > LOCAL_DEFAULTS.maxDeadlineSeconds) {
    problems.push(
      problem(
        "strategy.progressDeadline",
        formatDuration(deadline),
        "must be at most 1h on the local platform",
        'use "1h" or less',
      ),
    );
  }
  if (release.health.readiness?.port !== undefined) {
    problems.push(
      problem(
        "health.readiness.port",
        release.health.readiness.port,
        "is chosen by the platform (each instance has its own port)",
        "remove port",
      ),
    );
  }
  if (args.stopGrace !== undefined) checkDuration(args.stopGrace, "stopGrace", problems);
  checkEnv(args, problems);
}

/** The readiness check for the supervisor, from the core's health model and the strategy's deadline. */
export function readinessSpec(args: LocalWorkloadArgs, release: Release): ReadinessSpec {
  const r = release.health.readiness;
  const deadlineMs = Math.max(100, Math.round(release.strategy.progressDeadlineSeconds * 1000));
  if (!r) {
    return {
      path: LOCAL_DEFAULTS.readinessPath,
      expectStatus: 200,
      intervalMs: LOCAL_DEFAULTS.readinessIntervalMs,
      timeoutMs: 1000,
      deadlineMs,
    };
  }
  const accepts200 = r.expectedStatus.some((s) => s.min <= 200 && s.max >= 200);
  const intervalGiven = args.health?.readiness?.interval !== undefined;
  const clamp = (ms: number) => Math.min(60_000, Math.max(10, Math.round(ms)));
  return {
    path: r.path,
    expectStatus: accepts200 ? 200 : (r.expectedStatus[0]?.min ?? 200),
    intervalMs: intervalGiven ? clamp(r.intervalSeconds * 1000) : LOCAL_DEFAULTS.readinessIntervalMs,
    timeoutMs: clamp(r.timeoutSeconds * 1000),
    deadlineMs,
  };
}

/**
 * Whether `program` can be started: a path (relative to `cwd`) to an executable file, or a name
 * found in one of the `envPath` folders, as spawn looks it up.
 */
export function findProgram(program: string, cwd: string, envPath: string): boolean {
  const executable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes("/")) return executable(path.resolve(cwd, program));
  return envPath
    .split(path.delimiter)
    .filter((dir) => dir !== "")
    .some((dir) => executable(path.join(path.resolve(cwd, dir), program)));
}

/** Everything a component needs to declare its resources. */
export interface LocalWorkload {
  readonly service: string;
  readonly stateDir: string;
  /** The process template of a version, as resource inputs (secret values stay Outputs). */
  template(version: string): InputsOf<ProcessTemplate>;
}

/** Resolves the shared args once (after validation). */
export function resolveWorkload(name: string, args: LocalWorkloadArgs, release: Release): LocalWorkload {
  const { name: service, scope: stateDir } = serviceKey(name, args);
  const cwd = path.resolve(args.cwd ?? process.cwd());
  const env = pulumi.output(args.env ?? {});
  const secretEnv = pulumi.secret(args.secretEnv ?? {});
  const readiness = readinessSpec(args, release);
  if (release.health.liveness) {
    // Said rather than silently dropped: the supervisor restarts instances that exit, but does
    // not poll a liveness path, so a hung instance stays in rotation.
    pulumi.log.warn(
      `${name}: health.liveness is not polled on the local platform (instances that exit are restarted; a hung one is not); remove it or rely on readiness`,
    );
  }
  for (const version of [release.traffic.stableVersion, release.traffic.candidateVersion]) {
    if (version === undefined) continue;
    const program = commandFor(args.command, version)[0] as string;
    const envPath = typeof args.env?.PATH === "string" ? args.env.PATH : (process.env.PATH ?? "");
    if (!findProgram(program, cwd, envPath))
      // Said before the deploy (preview shows it); the start itself fails with "command not found".
      pulumi.log.warn(
        `${name}: the command of ${version} runs "${program}", which is not ${program.includes("/") ? `a file under ${cwd}` : "a program on PATH"}: its instances will not start; install it, fix the name, or give its path`,
      );
  }
  const graceSeconds =
    checkDuration(args.stopGrace ?? LOCAL_DEFAULTS.stopGraceSeconds, "stopGrace", []) ?? 10;
  return {
    service,
    stateDir,
    template: (version) => ({
      service,
      version,
      stateDir,
      command: commandFor(args.command, version),
      cwd,
      env: env as pulumi.Output<Record<string, string>>,
      secretEnv: secretEnv as pulumi.Output<Record<string, string>>,
      inheritEnv: args.inheritEnv ?? false,
      readiness,
      stopGraceMs: Math.round(graceSeconds * 1000),
    }),
  };
}
