// The one HTTP load generator of the engine tests, the demo and the benchmarks, on loopback and
// bounded in time and count. Two ways to drive it, one set of figures:
//   - open loop (`ratePerSecond`): a request started every 1/rate s whatever the answers do, as
//     users arrive: failures during a kill or a switch show at their real rate;
//   - closed loop (`concurrency`): that many keep-alive workers, each sending its next request when
//     the last one answered (optionally paced by `intervalMs`): the most a service answers.
// An answer counts as failed when it is not 2xx or never comes; the version that answered is the
// proxy's `x-progressive-version` header, else the sample app's JSON `version`.
import * as http from "node:http";
import { startTicker } from "../automation/driver/load";

/** One answer of a GET. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface GetOptions {
  /** @default "/" */
  readonly path?: string;
  /** @default "GET" */
  readonly method?: string;
  /** A request body. @default none */
  readonly body?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  /** @default no agent (a new connection) */
  readonly agent?: http.Agent | false;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** One request (GET unless told) on 127.0.0.1:`port` (or a full `http://` URL) with a timeout. */
export function get(target: number | string, options: GetOptions = {}): Promise<Reply> {
  const url = typeof target === "string" ? new URL(target) : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url?.hostname ?? "127.0.0.1",
        port: url ? Number(url.port || 80) : target,
        path: options.path ?? (url ? `${url.pathname}${url.search}` : "/"),
        method: options.method ?? "GET",
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
      req.destroy(new Error(`request to ${url?.host ?? `port ${target}`} timed out`)),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The version that answered: the proxy's header, else the sample app's JSON body; "?" when neither says. */
export function versionOf(reply: Reply): string {
  const header = reply.headers["x-progressive-version"];
  if (typeof header === "string") return header;
  try {
    return String((JSON.parse(reply.body) as { version?: unknown }).version ?? "?");
  } catch {
    return "?";
  }
}

/** The p-th percentile (0-100) of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface LoadOptions {
  /** Open loop: requests started per second. Give this or `concurrency`. @default 50 */
  readonly ratePerSecond?: number;
  /** Closed loop: workers with one request in flight each. */
  readonly concurrency?: number;
  /** Closed loop: a worker starts a request at most this often (leaves CPU to the engine). @default 0 */
  readonly intervalMs?: number;
  /** Stop after this long, however long it is left on. @default 15 minutes */
  readonly maxMs?: number;
  /** Stop after this many requests. @default unbounded */
  readonly maxRequests?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The path of the n-th request (from 0), e.g. a new user each time. @default the target's path */
  readonly pathFor?: (n: number) => string;
  /** Keep each request's latency for percentiles. @default false */
  readonly latencies?: boolean;
  /** Keep every answer with its time (for time lines in benchmarks). @default false */
  readonly keepAnswers?: boolean;
  /** Time one request may take. @default 10000 */
  readonly timeoutMs?: number;
}

/** One answer: when it arrived and who gave it (a version, or `error <status or reason>`). */
export interface Answer {
  readonly at: number;
  readonly who: string;
}

/** The figures of a load run. */
export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** The first 20 failures, as `status body` or the error message. */
  failures: string[];
  /** Answers by version (failed answers included when they name one). */
  byVersion: Record<string, number>;
  /** "ok", or `error <status>` / `error <reason>`, counted. */
  byStatus: Record<string, number>;
  /** Run time. */
  ms: number;
  latenciesMs: number[];
}

/** A load on one endpoint (`http://host:port/path`, or a port on 127.0.0.1). */
export class LoadGenerator {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly r: LoadResult = {
    sent: 0,
    ok: 0,
    failed: 0,
    failures: [],
    byVersion: {},
    byStatus: {},
    ms: 0,
    latenciesMs: [],
  };
  private started = 0;
  private stopped = false;
  /** Stops the open loop's ticker; undefined when it is not running. */
  private stopTicker: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private workers: Promise<void> | undefined;
  /** Every answer, when `keepAnswers` is on. */
  readonly answers: Answer[] = [];

  constructor(
    target: string | number,
    private readonly o: LoadOptions = {},
  ) {
    this.url = new URL(typeof target === "number" ? `http://127.0.0.1:${target}/` : target);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency ?? 32 });
  }

  get sent(): number {
    return this.r.sent;
  }
  get failed(): number {
    return this.r.failed;
  }
  get byVersion(): Record<string, number> {
    return this.r.byVersion;
  }
  get byStatus(): Record<string, number> {
    return this.r.byStatus;
  }

  /** One request, counted in nothing: resolves to the version that answered, or `error <status or reason>`. */
  async request(): Promise<string> {
    return this.send().then((a) => a.who);
  }

  private async send(n?: number): Promise<{ who: string; reply?: Reply; error?: string }> {
    try {
      const path = n !== undefined && this.o.pathFor ? this.o.pathFor(n) : undefined;
      const reply = await get(path ? new URL(path, this.url).href : this.url.href, {
        agent: this.agent,
        ...(this.o.headers ? { headers: this.o.headers } : {}),
        timeoutMs: this.o.timeoutMs ?? 10_000,
      });
      const ok = reply.status >= 200 && reply.status < 300;
      return { who: ok ? versionOf(reply) : `error ${reply.status}`, reply };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { who: `error ${message}`, error: message };
    }
  }

  /** One counted request. */
  private async one(): Promise<void> {
    if (this.o.maxRequests !== undefined && this.r.sent >= this.o.maxRequests) return;
    const n = this.r.sent++;
    const t0 = performance.now();
    const { who, reply, error } = await this.send(n);
    if (this.o.latencies && reply) this.r.latenciesMs.push(performance.now() - t0);
    if (this.o.keepAnswers) this.answers.push({ at: Date.now(), who });
    if (reply) {
      const version = versionOf(reply);
      if (version !== "?" || !who.startsWith("error"))
        this.r.byVersion[version] = (this.r.byVersion[version] ?? 0) + 1;
    }
    const status = who.startsWith("error") ? who : "ok";
    this.r.byStatus[status] = (this.r.byStatus[status] ?? 0) + 1;
    if (!who.startsWith("error")) {
      this.r.ok++;
      return;
    }
    this.r.failed++;
    if (this.r.failures.length < 20)
      this.r.failures.push(reply ? `${reply.status} ${reply.body.trim().slice(0, 200)}` : (error ?? who));
  }

  private over(): boolean {
    return (
      this.stopped ||
      Date.now() - this.started > (this.o.maxMs ?? 15 * 60_000) ||
      (this.o.maxRequests !== undefined && this.r.sent >= this.o.maxRequests)
    );
  }

  /** Starts the load; it runs until `stop()`, `maxMs` or `maxRequests`. */
  start(): this {
    this.started = Date.now();
    if (this.o.concurrency !== undefined) {
      const worker = async (): Promise<void> => {
        while (!this.over()) {
          const t0 = performance.now();
          await this.one();
          const wait = (this.o.intervalMs ?? 0) - (performance.now() - t0);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      };
      this.workers = Promise.all(Array.from({ length: this.o.concurrency }, worker)).then(() => undefined);
      return this;
    }
    // The driver's load step's ticker: a fixed schedule, so the rate holds while the engine
    // keeps the event loop busy (setInterval drops every tick a stall covers).
    this.stopTicker = startTicker(this.o.ratePerSecond ?? 50, () => {
      if (this.over()) return this.halt();
      const p = this.one();
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    });
    return this;
  }

  private halt(): void {
    this.stopTicker?.();
    this.stopTicker = undefined;
  }

  /** Resolves when the load ended by itself (`maxMs`, `maxRequests`) or was stopped. */
  async done(): Promise<LoadResult> {
    if (this.workers) await this.workers;
    else
      while (this.stopTicker) {
        await new Promise((r) => setTimeout(r, 50));
      }
    return this.finish();
  }

  /** Stops, waits for the requests in flight, and returns the figures. */
  async stop(): Promise<LoadResult> {
    this.stopped = true;
    this.halt();
    return this.done();
  }

  private async finish(): Promise<LoadResult> {
    await Promise.all([...this.inFlight]);
    this.agent.destroy();
    this.r.ms = Date.now() - this.started;
    return this.r;
  }

  /** The figures so far. */
  result(): LoadResult {
    return this.r;
  }

  /** Sends `n` requests one after another and counts who answered (not added to the figures). */
  async probe(n: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const who = await this.request();
      seen[who] = (seen[who] ?? 0) + 1;
    }
    return seen;
  }

  summary(): string {
    return `${this.r.sent} requests, ${this.r.failed} failed; by version ${JSON.stringify(this.r.byVersion)}`;
  }
}
