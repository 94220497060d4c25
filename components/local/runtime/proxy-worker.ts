// The process that serves a proxy: `node proxy-worker.js <config.json> <restarts>`, started and
// restarted by `proxy-main` (its keeper) over an IPC channel. Writes proxy.state.json (naming the
// keeper and itself by pid and start time), persisting every accepted table there before it takes
// effect; a restarted worker binds the ports and reloads the table of the state its predecessor
// left. When its keeper dies it goes on serving and starts a new keeper that adopts it (see
// proxy-main.ts). Stops on SIGTERM/SIGINT, telling its keeper first so that it does not restart it.
import { type ChildProcess, spawn } from "node:child_process";
import { type ProcessRef, processRef, SELF } from "../../process/identity";
import { readJsonFile, writeJsonAtomic } from "./files";
import { daemonArgv } from "./processes";
import { ProxyServer } from "./proxy";
import { type ProxyConfig, type ProxyState, proxyPaths, validateProxyConfig } from "./proxy-config";
import { validateRouteTable } from "./routing";
import { isRecord } from "./validate";

/** What a worker tells its keeper. */
export type WorkerMessage = { type: "ready" } | { type: "stopping" };
/** What a keeper this worker started tells it: it is ready to be named in the state (and stopped). */
export type KeeperMessage = { type: "adopted" };

/** First delay before a new keeper when keepers keep dying; doubles up to {@link MAX_KEEPER_BACKOFF_MS}. */
const KEEPER_BACKOFF_MS = 100;
const MAX_KEEPER_BACKOFF_MS = 5_000;
/** A keeper that lived this long resets that backoff (the first replacement is immediate). */
const KEEPER_RESET_AFTER_MS = 10_000;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} proxy-worker[${process.pid}] ${message}\n`);
}

/** The state a previous worker of this proxy left, or undefined for a first start. */
function previousState(stateFile: string, config: ProxyConfig, restarts: number): ProxyState | undefined {
  if (restarts === 0) return undefined;
  const value = readJsonFile(stateFile);
  const ours =
    isRecord(value) && (config.id !== undefined ? value["id"] === config.id : value["pid"] === process.ppid);
  if (!ours) {
    throw new Error(
      `${stateFile} was not written by this proxy (${config.id ?? `pid ${process.ppid}`}); cannot restart from it`,
    );
  }
  return value as unknown as ProxyState;
}

/** The keeper fields of the state. */
function keeperFields(ref: ProcessRef): Pick<ProxyState, "pid" | "startTime"> {
  return { pid: ref.pid, ...(ref.startTime !== undefined ? { startTime: ref.startTime } : {}) };
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  const restarts = Number(process.argv[3] ?? "0");
  if (!configFile || !Number.isInteger(restarts) || process.send === undefined) {
    throw new Error(
      "usage: proxy-worker <config.json> <restarts>, started by proxy-main (needs its IPC channel)",
    );
  }
  // Handlers first: until a listener exists a SIGTERM kills at once, and the keeper would take
  // that for a crash and restart the worker instead of stopping. One before ready waits for it.
  let stop: ((why: string) => void) | undefined;
  let signalled: string | undefined;
  const onSignal = (sig: string): void => {
    if (stop) stop(sig);
    else signalled ??= sig;
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  const config: ProxyConfig = validateProxyConfig(readJsonFile(configFile));
  const paths = proxyPaths(config.stateDir, config.service);
  const previous = previousState(paths.state, config, restarts);
  const startedAt = new Date().toISOString();
  let state: ProxyState = {
    ...(config.id !== undefined ? { id: config.id } : {}),
    ...keeperFields(processRef(process.ppid)),
    workerPid: process.pid,
    workerStartTime: SELF.startTime ?? null,
    restarts,
    keeperRestarts: previous?.keeperRestarts ?? 0,
    service: config.service,
    status: "starting",
    host: config.host,
    port: previous?.port ?? config.port,
    ...(config.previewPort !== undefined ? { previewPort: previous?.previewPort ?? config.previewPort } : {}),
    adminPort: previous?.adminPort ?? config.adminPort,
    generation: previous?.generation ?? 1,
    routes: previous ? validateRouteTable(previous.routes) : config.routes,
    startedAt,
    updatedAt: startedAt,
  };
  const save = (patch: Partial<ProxyState>): void => {
    const next = { ...state, ...patch, updatedAt: new Date().toISOString() };
    writeJsonAtomic(paths.state, next);
    state = next;
  };
  const fail = (err: unknown): never => {
    const message = err instanceof Error ? err.message : String(err);
    log(`failed: ${message}`);
    save({ status: "failed", error: message });
    process.exit(1);
  };
  save({});
  if (previous)
    log(`restart ${restarts}: routes generation ${state.generation} reloaded from ${paths.state}`);
  const serving: ProxyConfig = {
    ...config,
    port: state.port,
    adminPort: state.adminPort,
    routes: state.routes,
  };
  if (state.previewPort !== undefined) serving.previewPort = state.previewPort;
  // A keeper that dies before this worker is ready: a first start then fails (startProxy reports
  // it and stops nothing of this worker's), a restart goes on and replaces the keeper once ready.
  let keeperLostAt: number | undefined;
  const lostEarly = (): void => {
    keeperLostAt ??= Date.now();
  };
  process.once("disconnect", lostEarly);
  const proxy = new ProxyServer(
    serving,
    (routes) => {
      save({ generation: routes.generation, routes: routes.table });
      log(
        `routes generation ${routes.generation}: ${routes.table.versions.map((v) => `${v.name}=${v.weight}`).join(" ")}`,
      );
    },
    state.generation,
  );
  let ports: Awaited<ReturnType<ProxyServer["start"]>>;
  try {
    ports = await proxy.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === "EADDRINUSE") fail(new Error(`port ${e.port ?? "?"} is already in use on ${config.host}`));
    return fail(err);
  }
  if (keeperLostAt !== undefined && restarts === 0)
    fail(new Error("the keeper died while the worker started"));
  save({ status: "ready", ...ports });
  if (process.connected) process.send({ type: "ready" } satisfies WorkerMessage);
  log(
    `listening on ${config.host}:${ports.port}, admin 127.0.0.1:${ports.adminPort}${ports.previewPort ? `, preview ${ports.previewPort}` : ""}`,
  );

  let stopping = false;
  // The keeper: first the parent that started this worker, then each keeper this worker started.
  let adopted: ChildProcess | undefined;
  let keeperFailures = 0;
  let keeperSince = Date.now();
  const tell = (message: WorkerMessage): void => {
    try {
      if (adopted?.connected) adopted.send(message);
      else if (!adopted && process.connected) process.send?.(message);
    } catch {
      // The keeper is gone; the stop goes on without it.
    }
  };
  const replaceKeeper = (): void => {
    if (stopping) return;
    const [command, ...args] = daemonArgv("proxy-main");
    if (command === undefined) throw new Error("daemonArgv returned an empty argv");
    const child = spawn(command, [...args, configFile, "--adopt"], {
      detached: true,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // 'error' also reports a message that could not be sent to a keeper that just died.
    child.on("error", (err) => log(`keeper pid ${child.pid ?? "-"}: ${err.message}`));
    let gone = false;
    const onGone = (how: string): void => {
      if (!gone) keeperGone(how);
      gone = true;
    };
    child.once("exit", (code, sig) => onGone(sig ? `was killed by ${sig}` : `exited with code ${code}`));
    if (child.pid === undefined) {
      onGone("could not be started");
      return;
    }
    adopted = child;
    keeperSince = Date.now();
    const keeper = processRef(child.pid);
    log(`started keeper pid ${keeper.pid} to replace the one that is gone`);
    child.on("message", (message: unknown) => {
      if (stopping || adopted !== child || !isRecord(message) || message["type"] !== "adopted") return;
      save({ ...keeperFields(keeper), keeperRestarts: (state.keeperRestarts ?? 0) + 1 });
    });
  };
  const keeperGone = (how: string): void => {
    adopted = undefined;
    if (stopping) return;
    if (Date.now() - keeperSince >= KEEPER_RESET_AFTER_MS) keeperFailures = 0;
    const delay =
      keeperFailures === 0
        ? 0
        : Math.min(KEEPER_BACKOFF_MS * 2 ** (keeperFailures - 1), MAX_KEEPER_BACKOFF_MS);
    keeperFailures++;
    log(`keeper pid ${state.pid} ${how}; still serving, starting a new keeper in ${delay} ms`);
    setTimeout(replaceKeeper, delay);
  };
  stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    tell({ type: "stopping" });
    log(`${why}: draining for up to ${config.shutdownGraceMs} ms`);
    save({ status: "stopping" });
    proxy
      .stop(config.shutdownGraceMs)
      .then(() => {
        save({ status: "stopped" });
        log("stopped");
        process.exit(0);
      })
      .catch(fail);
  };
  if (signalled) {
    stop(signalled);
    return;
  }
  // The first keeper died (kill -9): nobody would restart or stop this worker, so it starts a keeper.
  process.off("disconnect", lostEarly);
  if (keeperLostAt !== undefined) keeperGone("is gone");
  else process.once("disconnect", () => keeperGone("is gone"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${new Date().toISOString()} proxy-worker[${process.pid}] fatal: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
});
