// A server process for a test suite (an emulator: moto, Azurite, fake-gcs-server): started on a
// loopback port, waited for until it answers HTTP, stopped by its PID, and a suite that cannot
// have it fails under CI=true or is skipped with the reason locally.
import { type ChildProcess, spawn } from "node:child_process";
import * as http from "node:http";

/** A running server process. */
export interface ServerProcess {
  readonly pid: number;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Stops the suite because `what` cannot run: a failure under CI=true, a skip with the reason otherwise. */
export function cannotRun(ctx: Mocha.Context, what: string, reason: string): never {
  if (process.env.CI === "true") throw new Error(`${what} cannot run: ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** True when `url` answers HTTP with a status below 500 within a second. */
export function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(1000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Starts `bin args` and waits until `probeUrl` answers (30 s at most); throws with its stderr otherwise. */
export async function startServer(
  name: string,
  bin: string,
  args: readonly string[],
  probeUrl: string,
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(bin, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...opts.env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(
        () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"),
        5000,
      );
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 30_000;
  while (!(await answers(probeUrl))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start on ${probeUrl}: ${stderr.trim() || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid as number, stop };
}
