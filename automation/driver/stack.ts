// One Pulumi stack as the driver sees it: the services it holds (found in its state by the release
// contract, stack-state.ts), its release settings (the `progressive:` config namespace), each
// service's traffic entry (settings-file.ts), and the engine operations the driver runs on it
// (step-run.ts; pulumi and the project are found by workspace.ts). Traffic is stack state: moving
// it is writing the service's entry of `progressive:traffic` and running `up`; the router is then
// read back (automation/routers). Nothing here knows a particular program's own config keys.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack, type UpResult } from "@pulumi/pulumi/automation";
import { CONFIG_NAMESPACE, TRAFFIC_KEY, type TrafficEntry } from "../../components/core";
import { classifyError, ReleaseError } from "./errors";
import { pidAlive } from "./journal";
import { parseSettings, type RawConfigValue, type ReleaseSettings } from "./settings";
import { stackSettingsDocument, trafficValue, writeConfigValue } from "./settings-file";
import {
  type ProgramRelease,
  programRelease,
  type StackService,
  type StateResource,
  selectService,
  servicesOf,
} from "./stack-state";
import { type InternalRun, plain, registeredOutputs, type StepOutputs, stepNodeOptions } from "./step-run";
import { projectBackend, projectName, type StackTarget, workspaceOptions } from "./workspace";

export type { StackService, StateResource } from "./stack-state";
export { servicesOf } from "./stack-state";
export type { StepOutputs } from "./step-run";
export type { StackTarget } from "./workspace";
export { withSelectedStack } from "./workspace";
export type { TrafficEntry };

/** The config key of every service's traffic entry. */
const TRAFFIC_CONFIG_KEY = `${CONFIG_NAMESPACE}:${TRAFFIC_KEY}`;

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
   * Writes the traffic entries of the services named (each whole, so unset keys go away) and
   * keeps the others as they are. The stack's settings file is edited in place when it is a plain file
   * (comments and every other key kept, written atomically), as `pulumi config set-all` would
   * write it, without a CLI start per step; otherwise through the CLI.
   */
  async writeTraffic(entries: Readonly<Record<string, TrafficEntry>>): Promise<void> {
    const local = stackSettingsDocument(this.workDir, this.stack.name);
    const all = { ...(await this.readTraffic(local)), ...JSON.parse(JSON.stringify(entries)) };
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
