// A small steady load on loopback for the demo and the benchmarks: a fixed request rate with
// keep-alive, counting answers by version (the sample app reports its version) and failures.
import * as http from "node:http";

export interface LoadOptions {
  /** Requests started per second. @default 50 */
  readonly ratePerSecond?: number;
  /** Longest the generator runs, however long it is left on. @default 15 minutes */
  readonly maxDurationMs?: number;
  /** Extra request headers. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Keep every answer with its time in `answers` (for benchmarks). @default false */
  readonly keepAnswers?: boolean;
}

/** One answer: when it arrived and who gave it (a version, or `error <status or reason>`). */
export interface Answer {
  readonly at: number;
  readonly who: string;
}

export class LoadGenerator {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private timer: NodeJS.Timeout | undefined;
  private stopAt = 0;
  private inFlight = new Set<Promise<void>>();
  readonly byVersion: Record<string, number> = {};
  readonly byStatus: Record<string, number> = {};
  /** Every answer, when `keepAnswers` is on. */
  readonly answers: Answer[] = [];
  sent = 0;
  failed = 0;

  constructor(
    private readonly url: string,
    private readonly o: LoadOptions = {},
  ) {}

  /** One request: resolves to the version that answered, or `error <status>` / `error <reason>`. */
  request(): Promise<string> {
    return new Promise((resolve) => {
      const req = http.get(
        this.url,
        { agent: this.agent, headers: this.o.headers, timeout: 10_000 },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            body += c;
          });
          res.on("end", () => {
            if ((res.statusCode ?? 0) >= 500) return resolve(`error ${res.statusCode}`);
            try {
              resolve(String((JSON.parse(body) as { version?: string }).version ?? "unknown"));
            } catch {
              resolve("unknown");
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (err) => resolve(`error ${err.message}`));
    });
  }

  start(): void {
    const rate = this.o.ratePerSecond ?? 50;
    this.stopAt = Date.now() + (this.o.maxDurationMs ?? 15 * 60_000);
    this.timer = setInterval(() => {
      if (Date.now() > this.stopAt) return this.halt();
      const p = this.request().then((who) => {
        if (this.o.keepAnswers) this.answers.push({ at: Date.now(), who });
        this.sent++;
        if (who.startsWith("error")) this.failed++;
        this.byStatus[who.startsWith("error") ? who : "ok"] =
          (this.byStatus[who.startsWith("error") ? who : "ok"] ?? 0) + 1;
        if (!who.startsWith("error")) this.byVersion[who] = (this.byVersion[who] ?? 0) + 1;
      });
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }, 1000 / rate);
  }

  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.halt();
    await Promise.all([...this.inFlight]);
    this.agent.destroy();
  }

  /** Sends `n` requests one after another and counts who answered. */
  async probe(n: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const who = await this.request();
      seen[who] = (seen[who] ?? 0) + 1;
    }
    return seen;
  }

  summary(): string {
    return `${this.sent} requests, ${this.failed} failed; by version ${JSON.stringify(this.byVersion)}`;
  }
}
