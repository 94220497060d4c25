// The `progressive` CLI as a child process, for engine tests that kill a driver at a chosen moment.
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

/**
 * Runs the CLI from its TypeScript sources with `env` added. `detached` puts it in a process group
 * of its own, so that a test can kill the driver together with the pulumi and program under it.
 */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  detached = false,
  stdout: "ignore" | "pipe" = "ignore",
): ChildProcess {
  return spawn(
    process.execPath,
    ["--require", require.resolve("tsx/cjs"), path.join(root, "automation", "cli.ts"), ...args],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", stdout, "inherit"], detached },
  );
}

/** Waits until `cond` holds; fails when `child` (the driver waited on) exits first or time runs out. */
export async function waitForDriver(
  cond: () => boolean,
  timeoutMs: number,
  child: ChildProcess,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (child.exitCode !== null)
      throw new Error(`the driver exited (${child.exitCode}) before the state waited for`);
    if (Date.now() > until) throw new Error("timed out waiting for the driver");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills a detached child's whole process group with SIGKILL and waits for the child's exit. */
export async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGKILL");
  await exited;
}
