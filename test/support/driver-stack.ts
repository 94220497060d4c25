// A stack of the repo's own program (or of a fixture program) on the local platform for the
// driver's engine tests: a real engine on a temporary file backend, a temporary copy of the
// program, deployed at v1 with fast checks; destroyed and removed afterwards, whatever happened.
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { configJson, type FastConfigOptions, fastCanaryValues } from "../../harness/demo-config";
import { createBackend, type EngineInfo, shadowProject, type TestBackend } from "./engine";

const root = path.resolve(__dirname, "..", "..");
export const PROJECT = "progressive-delivery";

export interface DriverStack {
  readonly name: string;
  readonly stack: Stack;
  readonly backend: TestBackend;
  readonly stateDir: string;
  readonly env: Record<string, string>;
  readonly target: { workDir: string; stackName: string; env: Record<string, string> };
  readonly endpoint: string;
  /** The stack's outputs after the first `up`. */
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** Another program than the repo's own: its folder and its stack config (set-all JSON form). */
export interface DriverProgram {
  readonly dir: string;
  readonly configJson: string;
}

/** A stack of the repo's program with fast checks, deployed at v1; destroyed and removed after. */
export async function withDriverStack<T>(
  engine: EngineInfo,
  cfg: FastConfigOptions,
  body: (s: DriverStack) => Promise<T>,
): Promise<T> {
  return withProgramStack(
    engine,
    { dir: root, configJson: configJson(PROJECT, fastCanaryValues(cfg)) },
    body,
  );
}

/** A stack of `program`, deployed with its config; destroyed and removed after. */
export async function withProgramStack<T>(
  engine: EngineInfo,
  program: DriverProgram,
  body: (s: DriverStack) => Promise<T>,
): Promise<T> {
  const backend = createBackend(engine);
  // A temporary copy of the program: the stack's config file is written there, not here.
  const project = shadowProject(program.dir);
  const workDir = project.workDir;
  const stateDir = path.join(backend.dir, "progressive");
  const env = { ...backend.envVars, PROGRESSIVE_STATE_DIR: stateDir, PROGRESSIVE_LOCAL_DIR: stateDir };
  const name = `drv-${Math.random().toString(36).slice(2, 8)}`;
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(path.dirname(engine.pulumi)),
    skipVersionCheck: true,
  });
  let stack: Stack | undefined;
  let failure: unknown;
  let cleanupError: unknown;
  let result: T | undefined;
  try {
    stack = await LocalWorkspace.createStack({ stackName: name, workDir }, { envVars: env, pulumiCommand });
    await stack.workspace.setAllConfigJson(name, program.configJson);
    const up = await stack.up();
    const endpoint = String(up.outputs.endpoint?.value);
    const outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
    result = await body({
      name,
      stack,
      backend,
      stateDir,
      env,
      endpoint,
      outputs,
      target: { workDir, stackName: name, env },
    });
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    try {
      if (stack) {
        // A test that killed a pulumi and failed before settling it leaves its lock: clear it so
        // the destroy below stops every process, and so the test's own error is the one reported.
        if (failure) await stack.cancel().catch(() => undefined);
        await stack.destroy();
        await stack.workspace.removeStack(name);
      }
    } catch (cleanup) {
      // The test's own error, when there is one, is the one to report.
      if (failure)
        console.log(`      cleanup after the failure also failed: ${String(cleanup).split("\n")[0]}`);
      else cleanupError = cleanup;
    } finally {
      backend.dispose();
      project.dispose();
    }
  }
  if (cleanupError) throw cleanupError;
  return result as T;
}
