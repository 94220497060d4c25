// One Pulumi stack as the driver sees it: the services it holds (found in its state by the release
// contract), its release settings (the `progressive:` config namespace), each service's traffic
// entry, and the engine operations the driver runs on it. Traffic is stack state: moving it is
// writing the service's entry of `progressive:traffic` and running `up`; the router is then read
// back (automation/routers). Nothing here knows a particular program's own config keys.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  LocalWorkspace,
  type OutputMap,
  PulumiCommand,
  type Stack,
  type UpResult,
} from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import {
  CONFIG_NAMESPACE,
  RELEASE_CONTRACT,
  type ReleaseOutputs,
  type ReleaseSecrets,
  TRAFFIC_KEY,
  type TrafficEntry,
} from "../../components/core";
import { classifyError, ReleaseError } from "./errors";
import { pidAlive } from "./journal";
import { parseSettings, type RawConfigValue, type ReleaseSettings } from "./settings";

/** The config key of every service's traffic entry. */
const TRAFFIC_CONFIG_KEY = `${CONFIG_NAMESPACE}:${TRAFFIC_KEY}`;

/** Which stack to drive. */
export interface StackTarget {
  /** Folder of the Pulumi project (holds Pulumi.yaml). @default the current directory */
  readonly workDir?: string;
  /** Stack name, e.g. `dev`. */
  readonly stackName: string;
  /** Extra environment for every pulumi command (backend URL, passphrase...). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Which service of the stack (a component's Pulumi name); needed only when it has several. */
  readonly service?: string;
  /** The `pulumi` binary to run. @default the one on PATH, else ~/.pulumi/bin/pulumi */
  readonly pulumiPath?: string;
}

export type { TrafficEntry };

/** A service of the stack: a progressive component's contract outputs, read from the state. */
export interface StackService {
  /** URN of the component. */
  readonly urn: string;
  readonly release: ReleaseOutputs;
  /** Decrypted in memory only; never printed or written. */
  readonly secrets: ReleaseSecrets;
}

/** One resource of an exported stack deployment, as far as a platform's take-over work reads it. */
export interface StateResource {
  readonly urn?: string;
  readonly type?: string;
  readonly outputs?: Record<string, unknown>;
}

/** Pulumi's marker of a secret value in an exported deployment. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Replaces `--show-secrets` secret envelopes by their values. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] !== undefined && typeof o.plaintext === "string") {
      try {
        return unwrap(JSON.parse(o.plaintext));
      } catch {
        return o.plaintext;
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

/** The services in an exported deployment; a newer contract is an error naming the upgrade. */
export function servicesOf(deployment: unknown): StackService[] {
  const resources = (deployment as { resources?: unknown[] } | undefined)?.resources ?? [];
  const out: StackService[] = [];
  for (const r of resources as {
    type?: string;
    urn?: string;
    custom?: boolean;
    outputs?: Record<string, unknown>;
  }[]) {
    if (!r.type?.startsWith("progressive:") || r.custom || !r.outputs?.release) continue;
    const release = unwrap(r.outputs.release) as ReleaseOutputs;
    if (release.contract !== RELEASE_CONTRACT) {
      throw new ReleaseError(
        "config",
        `service ${release.name ?? r.urn} was deployed with release contract ${String(release.contract)}, but this driver reads contract ${RELEASE_CONTRACT}; use the pulumi-progressive-delivery version the program uses`,
      );
    }
    out.push({
      urn: r.urn ?? "",
      release,
      secrets: (unwrap(r.outputs.releaseSecrets) ?? {}) as ReleaseSecrets,
    });
  }
  return out;
}

/** Whether `v` is a component's `release` output of this driver's contract (as an event log carries it). */
export function isReleaseOutputs(v: unknown): v is ReleaseOutputs {
  if (!v || typeof v !== "object") return false;
  const r = v as Partial<ReleaseOutputs>;
  return (
    r.contract === RELEASE_CONTRACT &&
    typeof r.name === "string" &&
    typeof r.traffic === "object" &&
    r.traffic !== null &&
    typeof r.router === "object"
  );
}

/** What a preview tells of a component's release: the fields the program alone decides. */
export type ProgramRelease = Pick<ReleaseOutputs, "name" | "kind" | "strategy" | "traffic"> &
  Partial<Pick<ReleaseOutputs, "declaredVersion">>;

/** The program-decided fields of a `release` output seen in a preview, or undefined. */
export function programRelease(v: unknown): ProgramRelease | undefined {
  if (!v || typeof v !== "object") return undefined;
  const r = v as Partial<ReleaseOutputs>;
  if (r.contract !== RELEASE_CONTRACT || typeof r.name !== "string" || typeof r.kind !== "string")
    return undefined;
  if (typeof r.traffic !== "object" || r.traffic === null || typeof r.strategy !== "object") return undefined;
  return {
    name: r.name,
    kind: r.kind,
    strategy: r.strategy,
    traffic: r.traffic,
    ...(typeof r.declaredVersion === "string" ? { declaredVersion: r.declaredVersion } : {}),
  };
}

/** Picks the service named `name`, or the only one; lists the known ones otherwise. */
export function selectService(
  services: readonly StackService[],
  name: string | undefined,
  stack: string,
): StackService {
  const names = services.map((s) => s.release.name);
  if (services.length === 0) {
    throw new ReleaseError(
      "config",
      `stack ${stack} has no progressive services in its state; deploy a program that uses the components (pulumi up) first`,
    );
  }
  if (name === undefined) {
    if (services.length === 1) return services[0] as StackService;
    throw new ReleaseError(
      "usage",
      `stack ${stack} has ${services.length} services (${names.join(", ")}); choose one with --service <name>`,
    );
  }
  const found = services.find((s) => s.release.name === name);
  if (!found) {
    throw new ReleaseError(
      "usage",
      `stack ${stack} has no service named "${name}"; its services are ${names.join(", ")}`,
    );
  }
  return found;
}

function plain(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}

/** The pulumi the driver runs: `pulumiPath`, else `pulumi` on PATH, else ~/.pulumi/bin/pulumi. */
export function findPulumi(pulumiPath: string | undefined, envPath: string): string | undefined {
  if (pulumiPath) {
    if (!fs.existsSync(pulumiPath)) {
      throw new ReleaseError(
        "usage",
        `--pulumi ${pulumiPath} does not exist; give the path of a pulumi binary`,
      );
    }
    return path.resolve(pulumiPath);
  }
  for (const dir of envPath.split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, "pulumi"))) return path.join(dir, "pulumi");
  }
  const home = path.join(os.homedir(), ".pulumi", "bin", "pulumi");
  return fs.existsSync(home) ? home : undefined;
}

/** Builds the environment every command runs with, and the command itself. */
async function workspaceOptions(target: Pick<StackTarget, "env" | "pulumiPath">) {
  const env = target.env ?? {};
  const base: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    ...env,
  };
  const envPath = env.PATH ?? process.env.PATH ?? "";
  const pulumi = findPulumi(target.pulumiPath, envPath);
  if (!pulumi) {
    throw new ReleaseError(
      "usage",
      "no pulumi CLI found on PATH or in ~/.pulumi/bin; install it (https://www.pulumi.com/docs/install/) or pass --pulumi <path>",
    );
  }
  // Its own folder first, so the language host and plugins installed beside it are found too.
  base.PATH = [path.dirname(pulumi), envPath].join(path.delimiter);
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(path.dirname(pulumi)),
    skipVersionCheck: true,
  });
  return { envVars: base, pulumiCommand };
}

/**
 * The target with its stack named: the one given, else the project's selected stack (`pulumi stack
 * select`, as `pulumi` itself uses it), else a usage error saying how to name one.
 */
export async function withSelectedStack(
  target: Omit<StackTarget, "stackName"> & { readonly stackName?: string },
): Promise<StackTarget> {
  if (target.stackName) return target as StackTarget;
  const workDir = path.resolve(target.workDir ?? process.cwd());
  if (!fs.existsSync(path.join(workDir, "Pulumi.yaml")))
    throw new ReleaseError("usage", `${workDir} has no Pulumi.yaml; pass --cwd <project folder>`);
  const ws = await LocalWorkspace.create({ workDir, ...(await workspaceOptions(target)) });
  let selected: string | undefined;
  try {
    selected = (await ws.stack())?.name;
  } catch (err) {
    throw classifyError(err);
  }
  if (!selected)
    throw new ReleaseError(
      "usage",
      `no stack is selected in ${workDir}; pass --stack <name>, or select one with pulumi stack select <name>`,
    );
  return { ...target, stackName: selected };
}

/** The names of the project's stacks in its backend (`pulumi stack ls`). */
export async function listStacks(target: Omit<StackTarget, "stackName" | "service">): Promise<string[]> {
  const workDir = path.resolve(target.workDir ?? process.cwd());
  if (!fs.existsSync(path.join(workDir, "Pulumi.yaml")))
    throw new ReleaseError("usage", `${workDir} has no Pulumi.yaml; pass --cwd <project folder>`);
  const ws = await LocalWorkspace.create({ workDir, ...(await workspaceOptions(target)) });
  try {
    return (await ws.listStacks()).map((s) => s.name);
  } catch (err) {
    throw classifyError(err);
  }
}

/** The backend URL a project's Pulumi.yaml names (`backend: {url: ...}`), if any. */
function projectBackend(workDir: string): string | undefined {
  try {
    const project = YAML.parse(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as {
      backend?: { url?: unknown };
    } | null;
    return typeof project?.backend?.url === "string" ? project.backend.url : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the project name from Pulumi.yaml (its `name:` line). */
export function projectName(workDir: string): string {
  const text = fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8");
  const m = /^name:\s*["']?([^"'\s#]+)/m.exec(text);
  if (!m) throw new ReleaseError("config", `${workDir}/Pulumi.yaml has no name:; give the project a name`);
  return m[1] as string;
}

/**
 * NODE_OPTIONS of a weight-only (targeted) step: the program's with `--stack-trace-limit=0`
 * added, or undefined when the program's options already set a limit (the user's choice stands).
 *
 * The Node SDK captures a stack trace for every promise it makes (four per property of every
 * resource, kept for its promise-leak report), and the TypeScript runtime formats each through
 * source maps: about 0.3 ms each, some 40 ms per local service and a second per step in a stack
 * of 20 services (`npm run bench:step`). A weight step runs the program the last `up` ran, with
 * only the traffic entry changed; what the limit removes is the frames of errors thrown in it (the
 * message stays). The source positions the SDK records for resources are unaffected: it lifts
 * the limit itself while it reads them.
 */
export function stepNodeOptions(current: string | undefined): string | undefined {
  if (current !== undefined && /(^|\s)--stack-trace-limit(=|\s|$)/.test(current)) return undefined;
  return current?.trim() ? `${current.trim()} --stack-trace-limit=0` : "--stack-trace-limit=0";
}

/** Outputs registered during an `up`, by URN, as its event log reports them (secrets masked). */
export type StepOutputs = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/** The outputs each resource registered, from an engine event log (one JSON event per line). */
export function registeredOutputs(eventLog: string): StepOutputs {
  const out = new Map<string, Record<string, unknown>>();
  let text = "";
  try {
    text = fs.readFileSync(eventLog, "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    if (!line.includes('"resOutputsEvent"')) continue;
    try {
      const e = JSON.parse(line) as {
        resOutputsEvent?: { metadata?: { urn?: string; new?: { outputs?: Record<string, unknown> } } };
      };
      const md = e.resOutputsEvent?.metadata;
      if (md?.urn && md.new?.outputs) out.set(md.urn, md.new.outputs);
    } catch {
      // a line cut short: ignore it
    }
  }
  return out;
}

/** `PulumiCommand.run`, which the Automation API uses for every command but does not declare. */
interface InternalRun {
  run(
    args: string[],
    cwd: string,
    env: Record<string, string>,
    onOutput?: (s: string) => void,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
}

/**
 * A stack's settings file (`Pulumi.<stack>.yaml`, in the project's `stackConfigDir` when it names
 * one) as a YAML document, or undefined when it is not a plain file the driver can edit safely
 * (missing, unparsable, `config` not a map): then the CLI reads and writes the config.
 */
export function stackSettingsDocument(
  workDir: string,
  stackName: string,
): { file: string; doc: YAML.Document } | undefined {
  try {
    const project = YAML.parse(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as {
      stackConfigDir?: unknown;
    } | null;
    const dir =
      typeof project?.stackConfigDir === "string" ? path.resolve(workDir, project.stackConfigDir) : workDir;
    const file = path.join(dir, `Pulumi.${stackName.split("/").pop()}.yaml`);
    if (!fs.existsSync(file)) return undefined;
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    if (doc.errors.length > 0) return undefined;
    const config = doc.get("config");
    if (config !== undefined && config !== null && !YAML.isMap(config)) return undefined;
    return { file, doc };
  } catch {
    return undefined;
  }
}

/** Sets `config.<key>` to `value` in the settings file, every other line kept, written atomically. */
export function writeConfigValue(
  local: { file: string; doc: YAML.Document },
  key: string,
  value: unknown,
): void {
  local.doc.setIn(["config", key], local.doc.createNode(value));
  const tmp = `${local.file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, local.doc.toString());
  fs.renameSync(tmp, local.file);
}

/** A `progressive:traffic` value read from the settings file: a map, or JSON in a string. */
export function trafficValue(node: unknown): unknown {
  const v = YAML.isNode(node) ? node.toJSON() : node;
  if (typeof v === "string") {
    try {
      return JSON.parse(v);
    } catch {
      return {};
    }
  }
  return v ?? {};
}

/** A lock a `pulumi` process holds on a stack (file backends record who holds it). */
export interface StackLock {
  readonly file: string;
  readonly pid?: number;
  readonly hostname?: string;
  readonly timestamp?: string;
}

export class StackHandle {
  readonly workDir: string;
  readonly project: string;
  readonly stack: Stack;
  /** The stack's backend URL (`PULUMI_BACKEND_URL`, or the project's `backend.url`), when known. */
  readonly backendUrl: string | undefined;

  private constructor(workDir: string, project: string, stack: Stack, backendUrl: string | undefined) {
    this.workDir = workDir;
    this.project = project;
    this.stack = stack;
    this.backendUrl = backendUrl;
  }

  /** Selects an existing stack; an unknown one is a clear error, never created. */
  static async open(target: StackTarget): Promise<StackHandle> {
    const workDir = path.resolve(target.workDir ?? process.cwd());
    if (!fs.existsSync(path.join(workDir, "Pulumi.yaml"))) {
      throw new ReleaseError("usage", `${workDir} has no Pulumi.yaml; pass --cwd <project folder>`);
    }
    const project = projectName(workDir);
    const opts = await workspaceOptions(target);
    try {
      const stack = await LocalWorkspace.selectStack({ stackName: target.stackName, workDir }, opts);
      return new StackHandle(
        workDir,
        project,
        stack,
        target.env?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL ?? projectBackend(workDir),
      );
    } catch (err) {
      const e = classifyError(err);
      if (e.kind === "unknownStack" || /no stack named|not found/i.test(e.message)) {
        throw new ReleaseError(
          "unknownStack",
          `stack "${target.stackName}" does not exist in ${workDir}; list stacks with pulumi stack ls, or create it with pulumi stack init ${target.stackName}`,
          err,
        );
      }
      throw e;
    }
  }

  get name(): string {
    return this.stack.name;
  }

  /** History and report key: project and stack, so two projects' `dev` stacks never mix. */
  get key(): string {
    return `${this.project}/${this.stack.name}`;
  }

  private async rawConfig(): Promise<Record<string, RawConfigValue>> {
    try {
      return (await this.stack.getAllConfig()) as Record<string, RawConfigValue>;
    } catch (err) {
      throw classifyError(err);
    }
  }

  /** The stack's release settings (`progressive:` namespace), validated. */
  async settings(): Promise<ReleaseSettings> {
    return parseSettings(await this.rawConfig(), this.stack.name);
  }

  /** Every service the stack's state holds. */
  async services(): Promise<StackService[]> {
    try {
      return servicesOf((await this.stack.exportStack()).deployment);
    } catch (err) {
      throw err instanceof ReleaseError ? err : classifyError(err);
    }
  }

  /** Every resource of the stack's state (secrets stay encrypted), for a platform's take-over work. */
  async stateResources(): Promise<StateResource[]> {
    const deployment = (await this.stack.exportStack()).deployment as { resources?: StateResource[] };
    return deployment.resources ?? [];
  }

  /** The service `name` (or the only one). */
  async service(name: string | undefined): Promise<StackService> {
    return selectService(await this.services(), name, this.stack.name);
  }

  /** The traffic entries of `progressive:traffic`, by component name. */
  async trafficEntries(): Promise<Record<string, TrafficEntry>> {
    return this.readTraffic(stackSettingsDocument(this.workDir, this.stack.name));
  }

  /** `progressive:traffic` from the settings file when the driver can edit it, else from the CLI. */
  private async readTraffic(
    local: ReturnType<typeof stackSettingsDocument>,
  ): Promise<Record<string, TrafficEntry>> {
    const v: unknown = local
      ? trafficValue(local.doc.getIn(["config", TRAFFIC_CONFIG_KEY]))
      : await this.rawConfig().then((all) => {
          const raw = all[TRAFFIC_CONFIG_KEY];
          return raw ? (raw.objectValue ?? JSON.parse(raw.value || "{}")) : {};
        });
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, TrafficEntry>) : {};
  }

  /**
   * Writes one service's traffic entry (the whole entry, so unset keys go away) and keeps the
   * others as they are. The stack's settings file is edited in place when it is a plain file
   * (comments and every other key kept, written atomically), as `pulumi config set-all` would
   * write it, without a CLI start per step; otherwise through the CLI.
   */
  async writeTraffic(name: string, state: TrafficEntry): Promise<void> {
    const local = stackSettingsDocument(this.workDir, this.stack.name);
    const all = { ...(await this.readTraffic(local)), [name]: JSON.parse(JSON.stringify(state)) };
    if (local) {
      writeConfigValue(local, TRAFFIC_CONFIG_KEY, all);
      return;
    }
    try {
      await this.stack.workspace.setAllConfigJson(
        this.stack.name,
        JSON.stringify({
          [TRAFFIC_CONFIG_KEY]: { value: JSON.stringify(all), objectValue: all, secret: false },
        }),
      );
    } catch (err) {
      throw classifyError(err);
    }
  }

  /**
   * The `up` of a release step: `pulumi up --yes --skip-preview`, optionally targeted, without
   * what the Automation API's `up` runs after it (`stack output` twice and `stack history`, about a
   * second per step, none of which the driver reads: it reads the service from one `stack
   * export`). Errors are the Automation API's own (CommandError and its kinds).
   */
  async step(
    opts: { targets?: readonly string[]; onOutput?: (s: string) => void } = {},
  ): Promise<StepOutputs> {
    const ws = this.stack.workspace;
    const command = ws.pulumiCommand as unknown as Partial<InternalRun>;
    if (typeof command.run !== "function") {
      await this.up(opts);
      return new Map();
    }
    // The engine's event log carries each resource's outputs as registered (secrets masked): the
    // driver reads the stepped component's `release` from it instead of another `stack export`.
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-step-"));
    const eventLog = path.join(logDir, "events.jsonl");
    const args = ["up", "--yes", "--skip-preview", "--exec-kind", "auto.local", "--event-log", eventLog];
    for (const t of opts.targets ?? []) args.push("--target", t);
    if ((opts.targets ?? []).length > 0) args.push("--target-dependents");
    args.push("--stack", this.stack.name, ...(await ws.serializeArgsForOp(this.stack.name)));
    const env: Record<string, string> = {
      PULUMI_DEBUG_COMMANDS: "true",
      ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}),
      ...ws.envVars,
    };
    if ((opts.targets ?? []).length > 0) {
      const nodeOptions = stepNodeOptions(env.NODE_OPTIONS ?? process.env.NODE_OPTIONS);
      if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
    }
    try {
      await command.run.call(ws.pulumiCommand, args, ws.workDir, env, opts.onOutput);
      await ws.postCommandCallback(this.stack.name);
      return registeredOutputs(eventLog);
    } catch (err) {
      throw classifyError(err);
    } finally {
      fs.rmSync(logDir, { recursive: true, force: true });
    }
  }

  /**
   * What the program declares now, without changing anything: a `pulumi preview`, whose events
   * carry each progressive component's `release` as the program registers it (its declared version
   * and strategy may differ from the deployed ones when the program was edited since the last
   * `up`). Values the preview cannot know (endpoints of resources to be replaced) are left out; by
   * component name.
   */
  async programReleases(onOutput?: (s: string) => void): Promise<Map<string, ProgramRelease>> {
    return (await this.pendingChanges(onOutput)).releases;
  }

  /** Runs `up`, optionally targeted, and returns the outputs. */
  async up(
    opts: { targets?: readonly string[]; onOutput?: (s: string) => void; signal?: AbortSignal } = {},
  ): Promise<{
    result: UpResult;
    outputs: Record<string, unknown>;
  }> {
    try {
      const result = await this.stack.up({
        ...(opts.targets && opts.targets.length > 0
          ? { target: [...opts.targets], targetDependents: true }
          : {}),
        ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return { result, outputs: plain(result.outputs) };
    } catch (err) {
      throw classifyError(err);
    }
  }

  /**
   * Number of changes a preview would make (drift check: expect 0), and what the program declares
   * now (as {@link programReleases} reads it, from the same preview).
   */
  async pendingChanges(
    onOutput?: (s: string) => void,
  ): Promise<{ changes: number; summary: string; releases: Map<string, ProgramRelease> }> {
    const releases = new Map<string, ProgramRelease>();
    try {
      const preview = await this.stack.preview({
        ...(onOutput ? { onOutput } : {}),
        onEvent: (e) => {
          const release = programRelease(e.resOutputsEvent?.metadata?.new?.outputs?.release);
          if (release) releases.set(release.name, release);
        },
      });
      const entries = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
      const changes = entries.reduce((sum, [, n]) => sum + n, 0);
      return {
        changes,
        summary: entries.map(([op, n]) => `${n} to ${op}`).join(", ") || "no changes",
        releases,
      };
    } catch (err) {
      throw classifyError(err);
    }
  }

  /** Preview with a policy pack: rejected policies make it throw with the violations in the message. */
  async previewWithPolicy(policyPack: string, onOutput?: (s: string) => void): Promise<void> {
    let output = "";
    try {
      await this.stack.preview({
        policyPacks: [path.resolve(this.workDir, policyPack)],
        onOutput: (s) => {
          output += s;
          onOutput?.(s);
        },
      });
    } catch (err) {
      const violations = output
        .split("\n")
        .filter((l) => /\[(mandatory|advisory|remediate)\]/.test(l))
        .map((l) => l.trim());
      throw new ReleaseError(
        "preflight",
        violations.length > 0
          ? `policy pack ${policyPack} rejected the stack: ${violations.join("; ")}`
          : `policy preview failed: ${classifyError(err).message}`,
        err,
      );
    }
  }

  /** Refresh; `clearPendingCreates` also drops creates an interrupted update never finished. */
  async refresh(onOutput?: (s: string) => void, clearPendingCreates = false): Promise<void> {
    try {
      await this.stack.refresh({
        ...(onOutput ? { onOutput } : {}),
        ...(clearPendingCreates ? { clearPendingCreates } : {}),
      });
    } catch (err) {
      throw classifyError(err);
    }
  }

  /** Locks held on this stack, read from a file backend (`file://`); none known elsewhere. */
  locks(): StackLock[] {
    if (!this.backendUrl?.startsWith("file://")) return [];
    const base = this.backendUrl.slice("file://".length).split("?")[0] as string;
    const dir = path.join(base, ".pulumi", "locks", "organization", this.project, this.stack.name);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => {
        const file = path.join(dir, f);
        try {
          const j = JSON.parse(fs.readFileSync(file, "utf8")) as {
            pid?: number;
            hostname?: string;
            timestamp?: string;
          };
          return { file, ...j };
        } catch {
          return { file };
        }
      });
  }

  /**
   * Removes a lock left by a `pulumi` that died (same host, pid gone) with `pulumi cancel`; a lock
   * whose holder lives, or that cannot be judged, is reported and left alone.
   */
  async unlockIfStale(): Promise<"none" | "unlocked"> {
    const locks = this.locks();
    if (locks.length === 0) return "none";
    for (const lock of locks) {
      const sameHost = lock.hostname === os.hostname();
      const alive = sameHost && lock.pid ? pidAlive(lock.pid) : true;
      if (!sameHost || !lock.pid || alive) {
        throw new ReleaseError(
          "locked",
          `stack ${this.stack.name} is locked by pid ${lock.pid ?? "?"} on ${lock.hostname ?? "?"} since ${lock.timestamp ?? "?"}` +
            (alive && sameHost
              ? "; that process is still running: wait for it"
              : "; it cannot be checked from here: make sure it stopped, then run pulumi cancel"),
        );
      }
    }
    await this.stack.cancel();
    return "unlocked";
  }

  /** Pending operations left in state by an interrupted update (a crashed `up`). */
  async pendingOperations(): Promise<number> {
    const deployment = await this.stack.exportStack();
    const ops = (deployment.deployment as { pending_operations?: unknown[] }).pending_operations;
    return Array.isArray(ops) ? ops.length : 0;
  }
}
