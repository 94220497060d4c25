// The traffic proxy: splits requests between versions by weight, honours the header override and
// the preview port, retries connection failures once, and drains versions that leave the table.
import * as http from "node:http";
import { forwardHeaders, GenerationMismatch, IDEMPOTENT, listen } from "./http-util";
import { ProxyMetrics, type RoutingView } from "./metrics";
import { sleep } from "./processes";
import { type AdminSurface, createAdminHandler, type DrainResult, type DrainTarget } from "./proxy-admin";
import type { ProxyConfig } from "./proxy-config";
import {
  CompiledRoutes,
  type InstanceRoute,
  type RoutedVersion,
  type RouteTable,
  validateRouteTable,
} from "./routing";

/** Ports the proxy actually listens on. */
export interface ProxyPorts {
  port: number;
  previewPort?: number;
  adminPort: number;
}

export type { DrainResult, DrainTarget };

/** The proxy, in process. `proxy-worker.ts` runs it as a daemon, kept running by `proxy-main.ts`. */
export class ProxyServer implements AdminSurface {
  readonly metrics: ProxyMetrics;
  private readonly config: ProxyConfig;
  private current: CompiledRoutes;
  private readonly agent: http.Agent;
  private readonly main: http.Server;
  private readonly preview: http.Server | undefined;
  private readonly admin: http.Server;
  private readonly instanceInFlight = new Map<string, number>();
  private readonly downUntil = new Map<string, number>();
  private readonly lastUp = new Map<string, boolean>();
  private totalInFlight = 0;
  private readonly onRoutesChanged: (routes: CompiledRoutes) => void;

  /**
   * `onRoutesChanged` runs before a new table takes effect; when it throws (say the table could not
   * be persisted) the change is rejected. `generation` is the one of `config.routes` (default 1).
   */
  constructor(
    config: ProxyConfig,
    onRoutesChanged: (routes: CompiledRoutes) => void = () => {},
    generation = 1,
  ) {
    this.config = config;
    this.onRoutesChanged = onRoutesChanged;
    this.metrics = new ProxyMetrics(config.service);
    this.current = new CompiledRoutes(config.routes, generation);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, timeout: 4_000 });
    this.main = http.createServer((req, res) => this.handle(req, res, false));
    this.preview =
      config.previewPort === undefined
        ? undefined
        : http.createServer((req, res) => this.handle(req, res, true));
    this.admin = http.createServer(createAdminHandler(this, config.adminToken));
  }

  /** Binds the service, preview and admin ports. */
  async start(): Promise<ProxyPorts> {
    const ports: ProxyPorts = {
      port: await listen(this.main, this.config.port, this.config.host),
      adminPort: await listen(this.admin, this.config.adminPort, "127.0.0.1"),
    };
    if (this.preview && this.config.previewPort !== undefined) {
      ports.previewPort = await listen(this.preview, this.config.previewPort, this.config.host);
    }
    return ports;
  }

  /** The routing table in use. */
  get routes(): CompiledRoutes {
    return this.current;
  }

  /**
   * Validates `input` and makes it the routing table in one assignment. Requests already in
   * flight finish where they are. `expectedGeneration` guards against lost updates.
   */
  swapRoutes(input: unknown, expectedGeneration?: number): CompiledRoutes {
    const table: RouteTable = validateRouteTable(input);
    if (expectedGeneration !== undefined && expectedGeneration !== this.current.generation) {
      throw new GenerationMismatch(expectedGeneration, this.current.generation);
    }
    const next = new CompiledRoutes(table, this.current.generation + 1);
    this.onRoutesChanged(next);
    this.current = next;
    return next;
  }

  /** Requests in flight to a version or an instance, across all generations of the table. */
  inFlight(target: DrainTarget): number {
    return "version" in target
      ? this.metrics.inFlight(target.version)
      : (this.instanceInFlight.get(target.instance) ?? 0);
  }

  /** Waits until the target has no request in flight, or `timeoutMs` passes. */
  async drain(target: DrainTarget, timeoutMs: number): Promise<DrainResult> {
    const started = Date.now();
    while (this.inFlight(target) > 0 && Date.now() - started < timeoutMs) await sleep(10);
    const table = this.current.table;
    const stillRouted =
      "version" in target
        ? table.versions.some((v) => v.name === target.version)
        : table.versions.some((v) => v.instances.some((i) => `${i.host}:${i.port}` === target.instance));
    const inFlight = this.inFlight(target);
    return { drained: inFlight === 0, inFlight, stillRouted, waitedMs: Date.now() - started };
  }

  /** The view of the table that metrics render. */
  routingView(): RoutingView {
    const routes = this.current;
    return {
      generation: routes.generation,
      versions: routes.table.versions.map((v) => ({
        name: v.name,
        weight: v.weight,
        instances: v.instances.map((i) => ({ address: `${i.host}:${i.port}` })),
      })),
      isUp: (address) => this.lastUp.get(address) ?? true,
      instanceInFlight: (address) => this.instanceInFlight.get(address) ?? 0,
    };
  }

  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes everything. */
  async stop(graceMs: number): Promise<void> {
    const servers = [this.main, this.preview].filter((s): s is http.Server => s !== undefined);
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const s of servers) s.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.totalInFlight > 0 && Date.now() < deadline) {
      for (const s of servers) s.closeIdleConnections();
      await sleep(10);
    }
    for (const s of servers) s.closeAllConnections();
    await Promise.all(closed);
    await new Promise<void>((resolve) => {
      this.admin.close(() => resolve());
      this.admin.closeAllConnections();
    });
    this.agent.destroy();
  }

  private isRoutable = (address: string): boolean => (this.downUntil.get(address) ?? 0) <= Date.now();

  private bumpInstance(address: string, delta: number): void {
    const n = (this.instanceInFlight.get(address) ?? 0) + delta;
    if (n <= 0) this.instanceInFlight.delete(address);
    else this.instanceInFlight.set(address, n);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, isPreview: boolean): void {
    const routes = this.current;
    let version: RoutedVersion | undefined;
    if (isPreview) {
      const name = routes.table.previewVersion;
      version = name === undefined ? undefined : routes.version(name);
    } else {
      version = routes.headerMatch(req.headers) ?? routes.pickByWeight();
    }
    if (!version || version.instances.length === 0) {
      const reason = isPreview ? "no_preview_version" : "no_versions";
      this.metrics.noRoute(reason);
      req.resume();
      res.writeHead(503, { "content-type": "text/plain", "x-progressive-proxy-error": reason });
      res.end(`503 Service Unavailable: ${reason.replace(/_/g, " ")}\n`);
      return;
    }
    this.forward(req, res, version);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, version: RoutedVersion): void {
    const started = process.hrtime.bigint();
    const method = req.method ?? "GET";
    const hasBody =
      req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    const mayRetry = IDEMPOTENT.has(method) && !hasBody;
    const headers = forwardHeaders(req.headers);
    const peer = req.socket.remoteAddress ?? "";
    const xff = req.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = xff ? `${xff}, ${peer}` : peer;
    headers["x-forwarded-proto"] = "http";
    if (req.headers.host) headers["x-forwarded-host"] = req.headers.host;
    let proxyError: string | undefined;
    let closed = false;
    this.totalInFlight++;
    this.metrics.begin(version.name);
    res.once("close", () => {
      closed = true;
      this.totalInFlight--;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : proxyError ? 502 : 499;
      this.metrics.end(version.name, status, seconds, proxyError);
    });
    if (!mayRetry) req.on("error", () => res.destroy());
    else req.resume();

    const attempt = (instance: InstanceRoute & { address: string }, isRetry: boolean): void => {
      let released = false;
      const release = (): void => {
        if (!released) {
          released = true;
          this.bumpInstance(instance.address, -1);
        }
      };
      this.bumpInstance(instance.address, 1);
      let responded = false;
      const upstream = http.request({
        host: instance.host,
        port: instance.port,
        method,
        path: req.url ?? "/",
        headers,
        agent: this.agent,
        setHost: false,
      });
      upstream.setTimeout(this.config.upstreamTimeoutMs, () => {
        const err: NodeJS.ErrnoException = new Error("upstream timed out");
        err.code = "ETIMEDOUT";
        upstream.destroy(err);
      });
      upstream.on("response", (upRes) => {
        responded = true;
        this.lastUp.set(instance.address, true);
        this.downUntil.delete(instance.address);
        const out = forwardHeaders(upRes.headers);
        out["x-progressive-version"] = version.name;
        res.writeHead(upRes.statusCode ?? 502, out);
        upRes.pipe(res);
        upRes.on("end", release);
        upRes.on("close", () => {
          if (upRes.complete) return;
          proxyError = "aborted";
          release();
          res.destroy();
        });
      });
      let failed = false;
      upstream.on("error", (err: NodeJS.ErrnoException) => {
        release();
        if (failed || closed) return; // handled already, or the client went away first
        failed = true;
        if (!mayRetry) req.unpipe(upstream);
        if (responded) {
          proxyError ??= "aborted";
          res.destroy();
          return;
        }
        const code = err.code ?? "EUNKNOWN";
        const connectFailure = code === "ECONNREFUSED" || code === "ECONNRESET";
        if (code === "ECONNREFUSED") {
          this.lastUp.set(instance.address, false);
          this.downUntil.set(instance.address, Date.now() + this.config.ejectMs);
        }
        if (connectFailure && mayRetry && !isRetry) {
          this.metrics.retried(version.name);
          const next = version.nextInstance(this.isRoutable, instance.address) ?? instance;
          attempt(next, true);
          return;
        }
        if (res.headersSent || res.destroyed) {
          res.destroy();
          return;
        }
        const status = code === "ETIMEDOUT" ? 504 : 502;
        proxyError = String(status);
        res.writeHead(status, { "content-type": "text/plain", "x-progressive-proxy-error": code });
        res.end(`${status} ${status === 504 ? "Gateway Timeout" : "Bad Gateway"}: upstream ${code}\n`);
      });
      res.once("close", () => {
        if (!res.writableFinished) upstream.destroy();
        release();
      });
      if (mayRetry) upstream.end();
      else req.pipe(upstream);
    };

    const first = version.nextInstance(this.isRoutable);
    if (first) attempt(first, false);
  }
}
