// Daemon entry of the traffic proxy's keeper: `node proxy-main.js <config.json> [--adopt]`. It
// serves nothing itself: it keeps one `proxy-worker` running and restarts it with backoff when it
// dies after it was ready. The restarted worker binds the same ports and reloads the last table
// from proxy.state.json, so the admin token (in the config) and the ports stay what callers know.
// Keeper and worker watch each other over their IPC channel: a worker whose keeper died goes on
// serving and starts a new keeper with --adopt (its child), which watches it the same way and
// restarts it if it dies in turn; the state file then names the new keeper.
// A worker that fails its first start makes this daemon exit 1 (startProxy reports the worker's
// error). SIGTERM/SIGINT stop the worker (it drains for shutdownGraceMs), then this daemon; a
// worker stopped by its own SIGTERM stops this daemon too.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SELF } from "../../process/identity";
import { readJsonFile, writeJsonAtomic } from "./files";
import { daemonArgv } from "./processes";
import { type ProxyState, proxyPaths, validateProxyConfig } from "./proxy-config";
import type { KeeperMessage, WorkerMessage } from "./proxy-worker";
import { isRecord } from "./validate";

/** First delay before a restart; doubles per consecutive failure up to {@link MAX_BACKOFF_MS}. */
const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** A worker that stayed ready this long resets the backoff. */
const RESET_AFTER_MS = 10_000;
/** Beyond the worker's own drain period, time allowed before a stopping worker is killed. */
const STOP_MARGIN_MS = 3_000;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} proxy[${process.pid}] ${message}\n`);
}

/** The worker this keeper watches: its own child, or (adopted) the worker that started this keeper. */
interface Watched {
  readonly pid: number;
  kill(sig: NodeJS.Signals): void;
}

function main(): void {
  const configFile = process.argv[2];
  const adopt = process.argv[3] === "--adopt";
  if (!configFile) throw new Error("usage: proxy-main <config.json> [--adopt]");
  const config = validateProxyConfig(readJsonFile(configFile));
  const paths = proxyPaths(config.stateDir, config.service);
  const ours = (state: unknown): state is Record<string, unknown> =>
    isRecord(state) && (config.id !== undefined ? state["id"] === config.id : state["pid"] === process.pid);
  const current = readJsonFile(paths.state);
  let worker: Watched | undefined;
  let timer: NodeJS.Timeout | undefined;
  let restarts = adopt && ours(current) && typeof current["restarts"] === "number" ? current["restarts"] : 0;
  let failures = 0;
  let everReady = adopt;
  let readyAt = adopt ? Date.now() : 0;
  let workerStopping = false;
  let stopping = false;

  // Only called while no worker runs, so the state file has one writer at a time; this keeper
  // names itself in it (an adopted keeper whose worker died before it could do so included).
  const patchState = (patch: Partial<ProxyState>): void => {
    const state = readJsonFile(paths.state);
    if (!ours(state)) return;
    const self = { pid: process.pid, ...(SELF.startTime !== undefined ? { startTime: SELF.startTime } : {}) };
    writeJsonAtomic(paths.state, { ...state, ...self, ...patch, updatedAt: new Date().toISOString() });
  };
  const removeTempFiles = (pid: number): void => {
    const prefix = `${path.basename(paths.state)}.${pid}.`;
    for (const name of fs.readdirSync(paths.dir)) {
      if (name.startsWith(prefix) && name.endsWith(".tmp"))
        fs.rmSync(path.join(paths.dir, name), { force: true });
    }
  };
  const finish = (): never => {
    patchState({ status: "stopped", workerPid: null, workerStartTime: null });
    log("stopped");
    process.exit(0);
  };
  const onMessage = (message: unknown): void => {
    if (!isRecord(message)) return;
    const type = message["type"] as WorkerMessage["type"] | undefined;
    if (type === "ready") {
      everReady = true;
      readyAt = Date.now();
    } else if (type === "stopping") workerStopping = true;
  };

  const onGone = (pid: number, how: string): void => {
    worker = undefined;
    removeTempFiles(pid);
    if (stopping || workerStopping) {
      if (workerStopping && !stopping) log(`worker pid ${pid} stopped on request; stopping too`);
      finish();
      return;
    }
    if (!everReady) {
      log(`worker pid ${pid} ${how} while starting`);
      process.exit(1);
    }
    if (readyAt > 0 && Date.now() - readyAt >= RESET_AFTER_MS) failures = 0;
    const delay = Math.min(INITIAL_BACKOFF_MS * 2 ** failures, MAX_BACKOFF_MS);
    failures++;
    readyAt = 0;
    log(`worker pid ${pid} ${how}; restart ${restarts + 1} in ${delay} ms`);
    patchState({
      status: "degraded",
      workerPid: null,
      workerStartTime: null,
      error: `worker ${how}; restarting in ${delay} ms`,
    });
    timer = setTimeout(() => {
      timer = undefined;
      restarts++;
      launch();
    }, delay);
  };

  const launch = (): void => {
    const [command, ...args] = daemonArgv("proxy-worker");
    if (command === undefined) throw new Error("daemonArgv returned an empty argv");
    workerStopping = false;
    const child: ChildProcess = spawn(command, [...args, configFile, String(restarts)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const pid = child.pid;
    if (pid === undefined) {
      // spawn reports the reason through 'error'; the exit path restarts or fails as for a crash.
      child.once("error", (err) => {
        log(`could not start the worker: ${err.message}`);
        onGone(0, "could not start");
      });
      return;
    }
    worker = { pid, kill: (sig) => child.kill(sig) };
    child.on("message", onMessage);
    child.once("exit", (code, sig) => onGone(pid, sig ? `was killed by ${sig}` : `exited with code ${code}`));
  };

  const adoptParent = (): void => {
    const pid = process.ppid;
    // Signal the worker only while it is still this process's parent (its pid is then its own).
    worker = { pid, kill: (sig) => process.ppid === pid && process.kill(pid, sig) };
    log(`adopted worker pid ${pid}, whose keeper is gone`);
    process.on("message", onMessage);
    // The worker names this keeper in the state only now that a SIGTERM would stop it properly.
    if (process.connected) process.send?.({ type: "adopted" } satisfies KeeperMessage);
    if (process.connected) process.once("disconnect", () => onGone(pid, "is gone"));
    else setImmediate(() => onGone(pid, "was gone before this keeper started"));
  };

  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    if (timer) clearTimeout(timer);
    const running = worker;
    if (!running) finish();
    else {
      log(`${sig}: stopping worker pid ${running.pid}`);
      running.kill("SIGTERM");
      setTimeout(() => running.kill("SIGKILL"), config.shutdownGraceMs + STOP_MARGIN_MS).unref();
    }
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  if (adopt) adoptParent();
  else launch();
}

try {
  main();
} catch (err) {
  process.stderr.write(
    `${new Date().toISOString()} proxy[${process.pid}] fatal: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
}
