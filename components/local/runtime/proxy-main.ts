// Daemon entry of the traffic proxy: `node proxy-main.js <config.json>`. It serves nothing itself:
// it keeps one `proxy-worker` running and restarts it with backoff when it dies after it was ready.
// The restarted worker binds the same ports and reloads the last table from proxy.state.json, so
// the admin token (in the config), the ports and this pid (in the state) stay what callers know.
// A worker that fails its first start makes this daemon exit 1 (startProxy reports the worker's
// error). SIGTERM/SIGINT stop the worker (it drains for shutdownGraceMs), then this daemon.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readJsonFile, writeJsonAtomic } from "./files";
import { daemonArgv } from "./processes";
import { type ProxyState, proxyPaths, validateProxyConfig } from "./proxy-config";
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

function main(): void {
  const configFile = process.argv[2];
  if (!configFile) throw new Error("usage: proxy-main <config.json>");
  const config = validateProxyConfig(readJsonFile(configFile));
  const paths = proxyPaths(config.stateDir, config.service);
  let worker: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let restarts = 0;
  let failures = 0;
  let everReady = false;
  let readyAt = 0;
  let stopping = false;

  // Only called while no worker runs, so the state file has one writer at a time.
  const patchState = (patch: Partial<ProxyState>): void => {
    const state = readJsonFile(paths.state);
    if (!isRecord(state) || state["pid"] !== process.pid) return;
    writeJsonAtomic(paths.state, { ...state, ...patch, updatedAt: new Date().toISOString() });
  };
  const removeTempFiles = (pid: number): void => {
    const prefix = `${path.basename(paths.state)}.${pid}.`;
    for (const name of fs.readdirSync(paths.dir)) {
      if (name.startsWith(prefix) && name.endsWith(".tmp"))
        fs.rmSync(path.join(paths.dir, name), { force: true });
    }
  };
  const finish = (): never => {
    patchState({ status: "stopped", workerPid: null });
    log("stopped");
    process.exit(0);
  };

  const onExit = (pid: number, code: number | null, sig: NodeJS.Signals | null): void => {
    worker = undefined;
    const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
    removeTempFiles(pid);
    if (stopping) {
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
    patchState({ status: "degraded", workerPid: null, error: `worker ${how}; restarting in ${delay} ms` });
    timer = setTimeout(() => {
      timer = undefined;
      restarts++;
      launch();
    }, delay);
  };

  const launch = (): void => {
    const [command, ...args] = daemonArgv("proxy-worker");
    if (command === undefined) throw new Error("daemonArgv returned an empty argv");
    const child = spawn(command, [...args, configFile, String(restarts)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const pid = child.pid;
    if (pid === undefined) {
      // spawn reports the reason through 'error'; the exit path restarts or fails as for a crash.
      child.once("error", (err) => {
        log(`could not start the worker: ${err.message}`);
        onExit(0, 1, null);
      });
      return;
    }
    worker = child;
    child.on("message", (message: unknown) => {
      if (isRecord(message) && message["type"] === "ready") {
        everReady = true;
        readyAt = Date.now();
      }
    });
    child.once("exit", (code, sig) => onExit(pid, code, sig));
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
  launch();
}

try {
  main();
} catch (err) {
  process.stderr.write(
    `${new Date().toISOString()} proxy[${process.pid}] fatal: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
}
