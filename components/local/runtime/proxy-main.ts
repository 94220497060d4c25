// Daemon entry of the traffic proxy: `node proxy-main.js <config.json>`.
// Writes its state to proxy.state.json next to the config; stops gracefully on SIGTERM/SIGINT.
import { readJsonFile, writeJsonAtomic } from "./files";
import { ProxyServer } from "./proxy";
import { type ProxyConfig, type ProxyState, proxyPaths, validateProxyConfig } from "./proxy-config";

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} proxy[${process.pid}] ${message}\n`);
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error("usage: proxy-main <config.json>");
  const config: ProxyConfig = validateProxyConfig(readJsonFile(configFile));
  const paths = proxyPaths(config.stateDir, config.service);
  const startedAt = new Date().toISOString();
  let state: ProxyState = {
    pid: process.pid,
    service: config.service,
    status: "starting",
    host: config.host,
    port: config.port,
    adminPort: config.adminPort,
    generation: 1,
    routes: config.routes,
    startedAt,
    updatedAt: startedAt,
  };
  const save = (patch: Partial<ProxyState>): void => {
    state = { ...state, ...patch, updatedAt: new Date().toISOString() };
    writeJsonAtomic(paths.state, state);
  };
  const fail = (err: unknown): never => {
    const message = err instanceof Error ? err.message : String(err);
    log(`failed: ${message}`);
    save({ status: "failed", error: message });
    process.exit(1);
  };
  save({});
  const proxy = new ProxyServer(config, (routes) => {
    log(
      `routes generation ${routes.generation}: ${routes.table.versions.map((v) => `${v.name}=${v.weight}`).join(" ")}`,
    );
    save({ generation: routes.generation, routes: routes.table });
  });
  let ports: Awaited<ReturnType<ProxyServer["start"]>>;
  try {
    ports = await proxy.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === "EADDRINUSE") fail(new Error(`port ${e.port ?? "?"} is already in use on ${config.host}`));
    return fail(err);
  }
  save({ status: "ready", ...ports });
  log(
    `listening on ${config.host}:${ports.port}, admin 127.0.0.1:${ports.adminPort}${ports.previewPort ? `, preview ${ports.previewPort}` : ""}`,
  );
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: draining for up to ${config.shutdownGraceMs} ms`);
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
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${new Date().toISOString()} proxy[${process.pid}] fatal: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
});
