// The proxy's admin API on a loopback port. Every request needs `Authorization: Bearer <token>`.
import { createHash, timingSafeEqual } from "node:crypto";
import type * as http from "node:http";
import { GenerationMismatch } from "./http-util";
import type { ProxyMetrics, RoutingView } from "./metrics";
import type { CompiledRoutes } from "./routing";
import { ConfigError, isRecord, show } from "./validate";

const MAX_BODY_BYTES = 1_048_576;

/** What a drain waits for: every request of a version, or of one instance (`host:port`). */
export type DrainTarget = { version: string } | { instance: string };

/** Outcome of a drain. */
export interface DrainResult {
  /** True when the in-flight count reached 0 before the timeout. */
  drained: boolean;
  /** Requests still in flight when the drain returned. */
  inFlight: number;
  /** True when the target is still in the routing table (so new requests keep arriving). */
  stillRouted: boolean;
  waitedMs: number;
}

/** What the admin API serves, declared here so that the proxy implements it and nothing imports back. */
export interface AdminSurface {
  readonly metrics: ProxyMetrics;
  readonly routes: CompiledRoutes;
  swapRoutes(input: unknown, expectedGeneration?: number): CompiledRoutes;
  drain(target: DrainTarget, timeoutMs: number): Promise<DrainResult>;
  routingView(): RoutingView;
}

/** Constant-time comparison of a presented token with the expected one (hashes equalise lengths). */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}

class HttpError extends Error {
  readonly status: number;
  readonly field: string | undefined;

  constructor(status: number, message: string, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}

function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"));
      } catch (err) {
        reject(new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`));
      }
    });
  });
}

function parseDrain(body: unknown): { target: DrainTarget; timeoutMs: number } {
  if (!isRecord(body)) throw new HttpError(400, `body must be a JSON object, got ${show(body)}`);
  const { version, instance, timeoutMs = 30_000 } = body;
  if (
    typeof timeoutMs !== "number" ||
    !Number.isInteger(timeoutMs) ||
    timeoutMs < 0 ||
    timeoutMs > 3_600_000
  ) {
    throw new HttpError(
      400,
      `timeoutMs must be an integer from 0 to 3600000, got ${show(timeoutMs)}`,
      "timeoutMs",
    );
  }
  if (typeof version === "string" && version && instance === undefined)
    return { target: { version }, timeoutMs };
  if (typeof instance === "string" && /^[^:]+:\d+$/.test(instance) && version === undefined) {
    return { target: { instance }, timeoutMs };
  }
  throw new HttpError(400, 'give exactly one of "version" (a name) or "instance" ("host:port")', "version");
}

/** The request listener of the admin server. */
export function createAdminHandler(proxy: AdminSurface, token: string): http.RequestListener {
  const routesBody = () => ({ generation: proxy.routes.generation, routes: proxy.routes.table });
  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://admin");
    const key = `${req.method ?? "GET"} ${url.pathname}`;
    switch (key) {
      case "GET /healthz":
        return sendJson(res, 200, { ok: true, pid: process.pid, generation: proxy.routes.generation });
      case "GET /routes":
        return sendJson(res, 200, routesBody());
      case "PUT /routes": {
        const body = await readJsonBody(req);
        const ifMatch = req.headers["if-match"];
        const expected = ifMatch === undefined ? undefined : Number(String(ifMatch).replace(/"/g, ""));
        if (expected !== undefined && !Number.isInteger(expected)) {
          throw new HttpError(400, `If-Match must be a generation number, got ${show(ifMatch)}`);
        }
        proxy.swapRoutes(body, expected);
        return sendJson(res, 200, routesBody());
      }
      case "POST /drain": {
        const { target, timeoutMs } = parseDrain(await readJsonBody(req));
        const result = await proxy.drain(target, timeoutMs);
        return sendJson(res, result.drained ? 200 : 504, { ...target, ...result });
      }
      case "GET /metrics": {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
        res.end(proxy.metrics.renderPrometheus(proxy.routingView()));
        return;
      }
      case "GET /metrics.json":
        return sendJson(res, 200, proxy.metrics.toJson(proxy.routingView()));
      default:
        throw new HttpError(404, `no admin endpoint ${key}`);
    }
  };
  return (req, res) => {
    const header = req.headers.authorization ?? "";
    const presented = header.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
    if (!tokenMatches(presented, token)) {
      req.resume();
      res.setHeader("www-authenticate", 'Bearer realm="progressive-proxy"');
      sendJson(res, 401, { error: "missing or wrong bearer token" });
      return;
    }
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ConfigError) return sendJson(res, 400, { error: err.message, field: err.field });
      if (err instanceof HttpError)
        return sendJson(res, err.status, { error: err.message, field: err.field });
      if (err instanceof GenerationMismatch) return sendJson(res, 412, { error: err.message });
      sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  };
}
