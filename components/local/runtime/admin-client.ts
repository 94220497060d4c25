// A small client of the proxy's admin API (used by tests now, by the Pulumi providers later).
import * as http from "node:http";
import type { ProxyMetricsJson } from "./metrics";
import type { DrainResult, DrainTarget } from "./proxy";
import type { RouteTable, RouteTableInput } from "./routing";

/** The admin API answered with an error status. */
export class AdminApiError extends Error {
  readonly status: number;
  /** Field named by a 400 answer (e.g. `routes.versions[0].weight`). */
  readonly field: string | undefined;

  constructor(status: number, message: string, field?: string) {
    super(`admin API ${status}: ${message}`);
    this.name = "AdminApiError";
    this.status = status;
    this.field = field;
  }
}

/** The routing table with its generation, as returned by `GET /routes` and `PUT /routes`. */
export interface RoutesResponse {
  generation: number;
  routes: RouteTable;
}

/** Where the admin API listens and its token. */
export interface AdminEndpoint {
  port: number;
  token: string;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Time allowed per call, on top of a drain's own timeout. Default 10000 ms. */
  timeoutMs?: number;
}

export class ProxyAdminClient {
  private readonly endpoint: AdminEndpoint;

  constructor(endpoint: AdminEndpoint) {
    this.endpoint = endpoint;
  }

  private call(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
    waitMs = 0,
  ): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${this.endpoint.token}`, ...extra };
    if (payload !== undefined) headers["content-type"] = "application/json";
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: this.endpoint.host ?? "127.0.0.1",
          port: this.endpoint.port,
          method,
          path,
          headers,
          agent: false,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          res.on("error", reject);
        },
      );
      req.setTimeout((this.endpoint.timeoutMs ?? 10_000) + waitMs, () =>
        req.destroy(new Error(`admin API ${method} ${path} timed out`)),
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  private async json<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { headers?: Record<string, string>; ok?: number[]; waitMs?: number } = {},
  ): Promise<T> {
    const { status, text } = await this.call(method, path, body, options.headers, options.waitMs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AdminApiError(status, text.trim() || "empty answer");
    }
    if (!(options.ok ?? [200]).includes(status)) {
      const p = parsed as { error?: string; field?: string };
      throw new AdminApiError(status, p.error ?? text.trim(), p.field);
    }
    return parsed as T;
  }

  getRoutes(): Promise<RoutesResponse> {
    return this.json("GET", "/routes");
  }

  /** Replaces the table; with `expectedGeneration`, only if nobody changed it since. */
  putRoutes(table: RouteTableInput, expectedGeneration?: number): Promise<RoutesResponse> {
    const headers: Record<string, string> =
      expectedGeneration === undefined ? {} : { "if-match": String(expectedGeneration) };
    return this.json("PUT", "/routes", table, { headers });
  }

  /** Waits until a version or instance has nothing in flight; `drained` is false on timeout. */
  drain(target: DrainTarget, timeoutMs: number): Promise<DrainResult> {
    return this.json("POST", "/drain", { ...target, timeoutMs }, { ok: [200, 504], waitMs: timeoutMs });
  }

  metricsJson(): Promise<ProxyMetricsJson> {
    return this.json("GET", "/metrics.json");
  }

  health(): Promise<{ ok: boolean; pid: number; generation: number }> {
    return this.json("GET", "/healthz");
  }

  /** Prometheus text. */
  async metricsText(): Promise<string> {
    const { status, text } = await this.call("GET", "/metrics");
    if (status !== 200) throw new AdminApiError(status, text.trim());
    return text;
  }
}
