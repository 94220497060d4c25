// The process that serves a proxy: `node proxy-worker.js <config.json> <restarts>`, started and
// restarted by `proxy-main` over an IPC channel. Writes proxy.state.json (with the keeper's pid),
// persisting every accepted table there before it takes effect; a restarted worker binds the ports
// and reloads the table of the state its predecessor left. Stops on SIGTERM/SIGINT, and when the
// keeper goes away.
import { readJsonFile, writeJsonAtomic } from "./files";
import { ProxyServer } from "./proxy";
import { type ProxyConfig, type ProxyState, proxyPaths, validateProxyConfig } from "./proxy-config";
import { validateRouteTable } from "./routing";
import { isRecord } from "./validate";

/** What a worker tells its keeper. */
export type WorkerMessage = { type: "ready" };

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} proxy-worker[${process.pid}] ${message}\n`);
}

/** The state a previous worker of this keeper left, or undefined for a first start. */
function previousState(stateFile: string, keeperPid: number, restarts: number): ProxyState | undefined {
  if (restarts === 0) return undefined;
  const value = readJsonFile(stateFile);
  if (!isRecord(value) || value["pid"] !== keeperPid) {
    throw new Error(`${stateFile} was not written by this proxy (pid ${keeperPid}); cannot restart from it`);
  }
  return value as unknown as ProxyState;
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  const restarts = Number(process.argv[3] ?? "0");
  if (!configFile || !Number.isInteger(restarts) || process.send === undefined) {
    throw new Error(
      "usage: proxy-worker <config.json> <restarts>, started by proxy-main (needs its IPC channel)",
    );
  }
  const keeperPid = process.ppid;
  const config: ProxyConfig = validateProxyConfig(readJsonFile(configFile));
  const paths = proxyPaths(config.stateDir, config.service);
  const previous = previousState(paths.state, keeperPid, restarts);
  const startedAt = new Date().toISOString();
  let state: ProxyState = {
    pid: keeperPid,
    workerPid: process.pid,
    restarts,
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
  save({ status: "ready", ...ports });
  process.send({ type: "ready" } satisfies WorkerMessage);
  log(
    `listening on ${config.host}:${ports.port}, admin 127.0.0.1:${ports.adminPort}${ports.previewPort ? `, preview ${ports.previewPort}` : ""}`,
  );
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
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
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // The keeper died (kill -9): nobody would restart or stop this worker, so it stops by itself.
  process.on("disconnect", () => stop("keeper gone"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${new Date().toISOString()} proxy-worker[${process.pid}] fatal: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
});
