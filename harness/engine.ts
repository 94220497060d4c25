// Engine helpers of the tests, the demo and the benchmarks: a real `pulumi` CLI on a temporary
// `file://` backend, offline.
// In the manner of pulumi's own sdk/nodejs/tests/automation/util.ts: every stack made here
// is destroyed and removed, and every folder deleted, in `finally`. The Automation API has no
// `skipPluginPreInstall` option (3.248 to 3.276); with automatic plugin acquisition disabled
// the CLI does not try to fetch the aws/azure/gcp plugins named in node_modules.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";

// A plain CommonJS script shared with the shell tools.
const engineTools: typeof import("../scripts/engine/engine.js") = require("../scripts/engine/engine.js");

export const TEST_PASSPHRASE = "progressive-test-passphrase";

export interface EngineInfo {
  /** Absolute path of the `pulumi` binary. */
  readonly pulumi: string;
  /** What `pulumi version` printed. */
  readonly version: string;
  /** The `pulumi-language-nodejs` the CLI will run. */
  readonly languageHost: string;
  /** Directories to put in front of PATH. */
  readonly pathDirs: string[];
}

/** A temporary file backend and PULUMI_HOME, removed by `dispose()`. */
export interface TestBackend {
  readonly dir: string;
  readonly backendUrl: string;
  readonly envVars: Record<string, string>;
  dispose(): void;
}

export function createBackend(engine: EngineInfo, extraEnv: Record<string, string> = {}): TestBackend {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-engine-"));
  const state = path.join(dir, "state");
  const home = path.join(dir, "home");
  fs.mkdirSync(state);
  fs.mkdirSync(home);
  const backendUrl = `file://${state}`;
  const envVars: Record<string, string> = {
    PATH: [...engine.pathDirs, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Test programs are type-checked by `npm run typecheck`; the engine only transpiles them.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    ...extraEnv,
  };
  return {
    dir,
    backendUrl,
    envVars,
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TestStackOptions {
  /** Folder of the Pulumi project (holds Pulumi.yaml). */
  readonly workDir: string;
  /** Stack name; a random suffix is added. @default "test" */
  readonly stackName?: string;
  /** Extra environment for every CLI call. */
  readonly env?: Record<string, string>;
}

const repoRoot = path.resolve(__dirname, "..");

/** A temporary stand-in for the repo in which a project can be used without writing to the checkout. */
export interface ShadowProject {
  /** Where the project is in the stand-in. */
  readonly workDir: string;
  dispose(): void;
}

/**
 * Lays out the repo in a temporary folder so a project inside it (the repo's own program, or a
 * test fixture importing `../../../../components`) keeps its relative imports while every file
 * the engine writes (stack config files) lands in the copy: top-level sources are symlinked,
 * `test/` is copied, and the repo's own program files (Pulumi.yaml, index.ts, stacks/) are copied.
 * Projects outside the repo are used as they are.
 */
export function shadowProject(projectDir: string): ShadowProject {
  const rel = path.relative(repoRoot, path.resolve(projectDir));
  if (rel.startsWith("..") || path.isAbsolute(rel)) return { workDir: projectDir, dispose: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-project-"));
  const copied = new Set(["test", "stacks", "Pulumi.yaml", "index.ts"]);
  for (const entry of fs.readdirSync(repoRoot)) {
    if (entry === ".git" || entry === "dist" || (entry.startsWith("Pulumi.") && entry !== "Pulumi.yaml"))
      continue;
    const from = path.join(repoRoot, entry);
    const to = path.join(dir, entry);
    if (copied.has(entry)) {
      fs.cpSync(from, to, { recursive: true });
    } else fs.symlinkSync(from, to);
  }
  return { workDir: path.join(dir, rel), dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A stack opened by {@link openTestStack}. */
export interface TestStack {
  readonly stack: Stack;
  readonly backend: TestBackend;
  /** Destroys the stack, removes it and deletes the backend and the project copy. */
  dispose(): Promise<void>;
}

/**
 * A fresh stack of the project in `workDir` (a temporary copy when it is in the repo, so nothing
 * is written to the checkout) on a temporary backend; `dispose()` removes everything, for suites
 * whose tests share one stack (open it in `before`, dispose of it in `after`).
 */
export async function openTestStack(engine: EngineInfo, opts: TestStackOptions): Promise<TestStack> {
  const backend = createBackend(engine, opts.env);
  const stackName = `${opts.stackName ?? "test"}-${Math.random().toString(36).slice(2, 8)}`;
  const project = shadowProject(opts.workDir);
  const remove = () => {
    backend.dispose();
    project.dispose();
  };
  try {
    const pulumiCommand = await PulumiCommand.get({
      root: path.dirname(path.dirname(engine.pulumi)),
      skipVersionCheck: true,
    });
    const stack = await LocalWorkspace.createStack(
      { stackName, workDir: project.workDir },
      { envVars: backend.envVars, pulumiCommand, pulumiHome: backend.envVars.PULUMI_HOME },
    );
    const dispose = async () => {
      try {
        await stack.destroy();
        await stack.workspace.removeStack(stack.name);
      } finally {
        remove();
      }
    };
    return { stack, backend, dispose };
  } catch (err) {
    remove();
    throw err;
  }
}

/** Runs `body` with a stack from {@link openTestStack}, then disposes of it, whatever `body` did. */
export async function withTestStack<T>(
  engine: EngineInfo,
  opts: TestStackOptions,
  body: (stack: Stack, backend: TestBackend) => Promise<T>,
): Promise<T> {
  const t = await openTestStack(engine, opts);
  try {
    return await body(t.stack, t.backend);
  } finally {
    await t.dispose();
  }
}

/** Runs the CLI directly (for what the Automation API does not offer) and returns stdout. */
export function runPulumi(engine: EngineInfo, backend: TestBackend, args: string[], cwd: string): string {
  return execFileSync(engine.pulumi, [...args, "--non-interactive"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...backend.envVars },
    timeout: 120_000,
  });
}

export { engineTools };
