// Running a user's command (preflight checks, hooks) with a deadline and the tail of its output, for
// the release loop, the preflight and the release modes alike.
import { spawn } from "node:child_process";

/** Runs a command with a deadline; resolves with its exit and the tail of its output. */
export function runCommand(
  command: readonly string[],
  opts: { cwd: string; timeoutSeconds: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let tail = "";
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-2000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutSeconds * 1000);
    const onAbort = () => child.kill("SIGTERM");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const last = () => tail.trim().split("\n").slice(-3).join(" | ");
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: `could not run ${command.join(" ")}: ${err.message}` });
    });
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (code === 0) resolve({ ok: true, detail: `${command.join(" ")} succeeded` });
      else if (sig === "SIGKILL")
        resolve({ ok: false, detail: `${command.join(" ")} did not finish within ${opts.timeoutSeconds}s` });
      else resolve({ ok: false, detail: `${command.join(" ")} exited with ${code ?? sig}: ${last()}` });
    });
  });
}
