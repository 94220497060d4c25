// Process and port helpers: how daemons are spawned, waiting for processes to end, whether a
// loopback port is free. Whether a pid is still ours is identity.ts's business.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { isRunning, type ProcessRef } from "../../process/identity";

export { commandLineContains, isAlive } from "../../process/identity";

/** Daemon entry points that live next to this file (`proxy-worker` is started by `proxy-main`). */
export type DaemonEntry = "proxy-main" | "proxy-worker" | "supervisor-main";

/**
 * The argv that runs a daemon entry script: `node --require tsx/cjs <entry>.ts` when this module
 * runs from TypeScript sources, `node <entry>.js` when it was compiled to dist.
 */
export function daemonArgv(entry: DaemonEntry): string[] {
  const ext = path.extname(__filename) === ".ts" ? ".ts" : ".js";
  const file = path.join(__dirname, `${entry}${ext}`);
  if (ext === ".ts") return [process.execPath, "--require", require.resolve("tsx/cjs"), file];
  return [process.execPath, file];
}

/**
 * Starts a daemon entry with `args`, detached in its own process group, in the folder of `logFile`,
 * stdout and stderr appended to `logFile`, and not keeping this process alive. Returns its pid.
 */
export function spawnDaemon(entry: DaemonEntry, args: string[], logFile: string): number {
  fs.mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(logFile, "a", 0o600);
  try {
    const [command, ...rest] = daemonArgv(entry);
    if (command === undefined) throw new Error("daemonArgv returned an empty argv");
    const child = spawn(command, [...rest, ...args], {
      cwd: path.dirname(logFile),
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${entry} (${command})`);
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

/** Sends `signal` to a pid (or a process group with a negative pid); false when it is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until none of `processes` runs (a ref with a start time is gone once its pid names another
 * process); true when that happened within `timeoutMs`.
 */
export async function waitForExit(
  processes: readonly (number | ProcessRef)[],
  timeoutMs: number,
): Promise<boolean> {
  const refs = processes.map((p) => (typeof p === "number" ? { pid: p } : p));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!refs.some((r) => isRunning(r))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/** True when a listener can bind `host:port` right now (it is closed again at once). */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port that was free on `host` a moment ago, chosen by the operating system. */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Waits until every port can be bound; resolves with the ports still busy at the deadline. */
export async function waitForPortsFree(ports: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy: number[] = [];
    for (const port of ports) if (!(await isPortFree(port))) busy.push(port);
    if (busy.length === 0 || Date.now() >= deadline) return busy;
    await sleep(50);
  }
}
