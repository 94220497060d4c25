// One Pulumi stack as the driver sees it: its config (layered, validated), its traffic state, and
// the engine operations the driver runs on it. Traffic is stack state: moving it is writing the
// `traffic` config key and running `up`, then reading the outputs back to verify it landed.
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
import type { TrafficState } from "../../components/core";
import type { StackConfig } from "../../stacks/config";
import { loadFromFiles, readProjectFile } from "../../stacks/load";
import { classifyError, ReleaseError } from "./errors";

// A plain CommonJS script shared with the shell tools: finds the Pulumi CLI (see docs/toolchain.md).
const engineTools: typeof import("../../scripts/engine/engine.js") = require("../../scripts/engine/engine.js");

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

/** The outputs of this project's program that the driver reads. */
export interface ServiceOutputs {
  readonly platform?: string;
  readonly serviceName?: string;
  readonly endpoint?: string;
  readonly previewEndpoint?: string;
  readonly stableVersion?: string;
  readonly candidateVersion?: string;
  readonly candidateWeight?: number;
  readonly effectiveWeight?: number;
  readonly activeColor?: "blue" | "green";
  readonly adminEndpoint?: string;
  /** Secret; never printed. */
  readonly adminToken?: string;
  readonly metricsUrl?: string;
  readonly trafficUrns?: readonly string[];
}

function plain(outputs: OutputMap): ServiceOutputs {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])) as ServiceOutputs;
}

/** Finds the engine and builds the environment every command runs with. */
async function workspaceOptions(env: Readonly<Record<string, string>>) {
  const engine = engineTools.findEngine();
  const base: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...env,
  };
  if (!engine) return { envVars: base };
  base.PATH = [...engine.pathDirs, env.PATH ?? process.env.PATH ?? ""].join(path.delimiter);
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(path.dirname(engine.pulumi)),
    skipVersionCheck: true,
  });
  return { envVars: base, pulumiCommand };
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
  private readonly backendUrl: string | undefined;

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
    const project = readProjectFile(workDir).name;
    try {
      const opts = await workspaceOptions(target.env ?? {});
      const stack = await LocalWorkspace.selectStack({ stackName: target.stackName, workDir }, opts);
      return new StackHandle(
        workDir,
        project,
        stack,
        target.env?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL,
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

  /** The stack's layered, validated config (from the files; secrets checked, not decrypted). */
  config(): StackConfig {
    return loadFromFiles(this.workDir, this.stack.name);
  }

  /** Writes the traffic state into the stack's config (the whole object, so unset keys go away). */
  async writeTraffic(state: TrafficState & { idleReplicas?: number }): Promise<void> {
    const key = `${this.project}:traffic`;
    const value = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
    await this.stack.workspace.setAllConfigJson(
      this.stack.name,
      JSON.stringify({ [key]: { value: JSON.stringify(value), objectValue: value, secret: false } }),
    );
  }

  /** Runs `up`, optionally targeted, and returns the outputs. */
  async up(
    opts: { targets?: readonly string[]; onOutput?: (s: string) => void; signal?: AbortSignal } = {},
  ): Promise<{
    result: UpResult;
    outputs: ServiceOutputs;
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

  /** The current outputs (secrets decrypted in memory only). */
  async outputs(): Promise<ServiceOutputs> {
    try {
      return plain(await this.stack.outputs());
    } catch (err) {
      throw classifyError(err);
    }
  }

  /** Number of changes a preview would make (drift check: expect 0). */
  async pendingChanges(onOutput?: (s: string) => void): Promise<{ changes: number; summary: string }> {
    try {
      const preview = await this.stack.preview(onOutput ? { onOutput } : {});
      const entries = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
      const changes = entries.reduce((sum, [, n]) => sum + n, 0);
      return { changes, summary: entries.map(([op, n]) => `${n} to ${op}`).join(", ") || "no changes" };
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
      let alive = true;
      if (sameHost && lock.pid) {
        try {
          process.kill(lock.pid, 0);
        } catch (err) {
          alive = (err as NodeJS.ErrnoException).code === "EPERM";
        }
      }
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
