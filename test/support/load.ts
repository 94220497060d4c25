// A bounded HTTP load generator on loopback, for the engine tests and the benchmark: keep-alive
// workers that GET a path until a request count or a time limit is reached (or `stop()`), counting
// every answer that is not 2xx and every transport error as a failure.
import * as http from "node:http";

export interface LoadOptions {
  readonly port: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Stop after this many requests. */
  readonly maxRequests: number;
  /** Stop after this long, whatever the count. */
  readonly maxMs: number;
  /** @default "/" */
  readonly path?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  /** Keep each request's latency (ms) for percentiles. @default false */
  readonly latencies?: boolean;
  /** Time one request may take. @default 10000 */
  readonly timeoutMs?: number;
  /** Each worker starts a request at most this often (paces the load, leaving CPU to the engine). @default 0 */
  readonly intervalMs?: number;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** The first 20 failures, as `status body` or the error message. */
  failures: string[];
  /** Answers by version: the proxy's `x-progressive-version` header, else the body's `version`. */
  byVersion: Record<string, number>;
  ms: number;
  latenciesMs: number[];
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET on 127.0.0.1 with a timeout. */
export function get(
  port: number,
  options: {
    path?: string;
    headers?: http.OutgoingHttpHeaders;
    agent?: http.Agent | false;
    timeoutMs?: number;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: options.path ?? "/",
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () =>
      req.destroy(new Error(`request to port ${port} timed out`)),
    );
    req.on("error", reject);
    req.end();
  });
}

/** The version that answered: the proxy's header, else the sample app's JSON body. */
export function versionOf(reply: Reply): string {
  const header = reply.headers["x-progressive-version"];
  if (typeof header === "string") return header;
  try {
    return String((JSON.parse(reply.body) as { version?: unknown }).version ?? "?");
  } catch {
    return "?";
  }
}

/** A running load; `stop()` ends it early and resolves with the result. */
export interface RunningLoad {
  readonly done: Promise<LoadResult>;
  stop(): Promise<LoadResult>;
  /** Requests sent so far. */
  sent(): number;
}

export function startLoad(opts: LoadOptions): RunningLoad {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const started = Date.now();
  let stopped = false;
  const result: LoadResult = {
    sent: 0,
    ok: 0,
    failed: 0,
    failures: [],
    byVersion: {},
    ms: 0,
    latenciesMs: [],
  };
  const fail = (text: string) => {
    result.failed++;
    if (result.failures.length < 20) result.failures.push(text);
  };
  const worker = async (): Promise<void> => {
    while (!stopped && result.sent < opts.maxRequests && Date.now() - started < opts.maxMs) {
      result.sent++;
      const t0 = performance.now();
      try {
        const reply = await get(opts.port, {
          agent,
          ...(opts.path ? { path: opts.path } : {}),
          ...(opts.headers ? { headers: opts.headers } : {}),
          timeoutMs: opts.timeoutMs ?? 10_000,
        });
        if (opts.latencies) result.latenciesMs.push(performance.now() - t0);
        const version = versionOf(reply);
        result.byVersion[version] = (result.byVersion[version] ?? 0) + 1;
        if (reply.status >= 200 && reply.status < 300) result.ok++;
        else fail(`${reply.status} ${reply.body.trim().slice(0, 200)}`);
      } catch (err) {
        fail((err as Error).message);
      }
      const wait = (opts.intervalMs ?? 0) - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, worker)).then(() => {
    agent.destroy();
    result.ms = Date.now() - started;
    return result;
  });
  return {
    done,
    stop: () => {
      stopped = true;
      return done;
    },
    sent: () => result.sent,
  };
}

/** The p-th percentile (0-100) of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}
