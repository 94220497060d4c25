// The load step (`progressive:release.load`): bounded, paced GET requests to the release's own
// endpoint while each analysis runs, so a stack without outside traffic (dev, staging) gives the
// checks data to decide on, as Flagger's load tester does. The requests go through the router,
// so the split and the router's metrics stay what they are for real users.
//
// Pacing: each version should see LOAD_REQUESTS_PER_WINDOW requests in every measurement window,
// so the rate is that many over the smaller side's share of the shortest check interval (5 % of a
// 60 s window: 20 / (0.05 x 60) = 6.7 requests/s), capped by the setting's `rate`. Bounds: the
// rate cap, `concurrency` requests in flight (a tick with all of them busy is skipped, so a slow
// service is not piled on), `maxRequests` per analysis, each request's timeout, and the
// analysis itself: the load stops when it ends, when the release is aborted, or before a revert.
import { type Check, formatValue } from "../../components/core";
import { displayUrl, FetchError, fetchText, joinUrl } from "../shared/http";
import type { AnalysisTarget } from "./analysis";
import type { DriverEventInput, LoadSummary } from "./events";

/** The load step's settings, with every default filled (see settings.ts for the schema). */
export interface LoadSettings {
  /** Path requested on the release's endpoint. @default "/" */
  readonly path: string;
  /** The most requests per second; the paced rate is often lower. @default 20 */
  readonly rate: number;
  /** Requests in flight at most. @default 10 */
  readonly concurrency: number;
  /** Requests per analysis at most. @default 10000 */
  readonly maxRequests: number;
  /** Time one request may take. @default 5 */
  readonly timeoutSeconds: number;
  /** Request headers (their values are treated as secrets: never shown). @default none */
  readonly headers: Readonly<Record<string, string>>;
}

/** Requests each version should get in each measurement window: enough for the count tests to catch a candidate failing half its requests in one window (99 % of the time). */
export const LOAD_REQUESTS_PER_WINDOW = 20;

/** Ticks a ticker fires at once to catch up after a stall: the average rate holds, bursts stay small. */
const MAX_CATCH_UP = 5;

/**
 * Calls `tick` `ratePerSecond` times a second, the first on the next turn of the event loop (after
 * the caller holds the stop function), on a fixed schedule (tick n at
 * start + n / rate, so timer granularity does not lower the rate), catching up at most
 * {@link MAX_CATCH_UP} ticks after a stall. Returns the function that stops it.
 */
export function startTicker(ratePerSecond: number, tick: () => void): () => void {
  const period = 1000 / ratePerSecond;
  const start = performance.now();
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = () => {
    const due = Math.floor((performance.now() - start) / period) + 1;
    if (due - n > MAX_CATCH_UP) n = due - MAX_CATCH_UP; // missed ticks are dropped, not burst
    while (n < due && !stopped) {
      n++;
      tick();
    }
    if (!stopped) timer = setTimeout(run, Math.max(0, start + n * period - performance.now()));
  };
  timer = setTimeout(run, 0);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Where and how fast an analysis's load goes. */
export interface LoadPlan {
  /** The URL requested: the release's endpoint (or preview endpoint) and the path. */
  readonly url: string;
  /** Requests per second. */
  readonly ratePerSecond: number;
  /** The measurement window it is paced for, in seconds. */
  readonly windowSeconds: number;
}

/**
 * The load of one analysis: the URL on the endpoint its checks measure, and the paced rate for the
 * shortest interval of its checks and the smaller side's share of the traffic (a preview or
 * post-promotion analysis sends all of it to one version). `{ skip }` with the reason when the
 * release has no HTTP endpoint (a feature flag's is its store: its service is elsewhere).
 */
export function planLoad(
  settings: LoadSettings,
  checks: readonly Check[],
  target: Pick<AnalysisTarget, "candidateWeight" | "httpBaseUrl" | "release">,
  analysisOn: "candidate" | "preview" | "active",
): LoadPlan | { readonly skip: string } {
  const base = target.httpBaseUrl ?? target.release.endpoint;
  const protocol = base ? new URL(base).protocol : undefined;
  if (!base || (protocol !== "http:" && protocol !== "https:"))
    return { skip: `the release's endpoint (${base ? displayUrl(base) : "none"}) is not an HTTP URL` };
  const url = joinUrl(base, settings.path);
  // joinUrl cannot leave the host, and the schema refuses "//host" paths; checked once more here.
  if (new URL(url).origin !== new URL(base).origin)
    return { skip: `the path ${formatValue(settings.path)} leaves the release's endpoint` };
  const intervals = checks.map((c) => c.intervalSeconds).filter((s) => s > 0);
  // An analysis without checks still runs its load a while; 60 s is the checks' default interval.
  const windowSeconds = intervals.length > 0 ? Math.min(...intervals) : 60;
  const w = target.candidateWeight / 100;
  const share = analysisOn === "candidate" && w > 0 && w < 1 ? Math.min(w, 1 - w) : 1;
  const paced = LOAD_REQUESTS_PER_WINDOW / (share * windowSeconds);
  return { url, ratePerSecond: Math.min(settings.rate, paced), windowSeconds };
}

/** A running load; {@link stop} ends it and waits for the requests in flight. */
export class LoadRun {
  private readonly started = performance.now();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly byStatus: Record<string, number> = {};
  private sent = 0;
  private failed = 0;
  private skipped = 0;
  private stopTicker: () => void;
  private stoppedBy: LoadSummary["stoppedBy"] | undefined;
  private answered: () => void = () => undefined;
  private readonly onAbort = () => this.halt("aborted");
  /** Resolves at the first answer (or failure) of a request. */
  readonly firstAnswer = new Promise<void>((resolve) => {
    this.answered = resolve;
  });

  constructor(
    private readonly plan: LoadPlan,
    private readonly settings: LoadSettings,
    private readonly signal?: AbortSignal,
    /** Called once when `maxRequests` is reached. @default none */
    private readonly onLimit?: () => void,
  ) {
    this.stopTicker = startTicker(plan.ratePerSecond, () => this.tick());
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  private halt(by: LoadSummary["stoppedBy"]): void {
    this.stoppedBy ??= by;
    this.stopTicker();
  }

  private tick(): void {
    if (this.sent >= this.settings.maxRequests) {
      this.halt("maxRequests");
      this.onLimit?.();
      return;
    }
    if (this.inFlight.size >= this.settings.concurrency) {
      this.skipped++;
      return;
    }
    this.sent++;
    const p = this.request().finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async request(): Promise<void> {
    let outcome: string;
    try {
      const res = await fetchText(
        this.plan.url,
        { method: "GET", headers: { ...this.settings.headers } },
        { timeoutMs: this.settings.timeoutSeconds * 1000, signal: this.signal },
      );
      outcome = `${Math.floor(res.status / 100)}xx`;
    } catch (err) {
      // A request cut by the release's abort is not the service's failure; any other is.
      outcome = this.signal?.aborted && !(err instanceof FetchError) ? "aborted" : "no response";
    }
    this.byStatus[outcome] = (this.byStatus[outcome] ?? 0) + 1;
    if (outcome === "aborted") return;
    if (outcome !== "2xx" && outcome !== "3xx") this.failed++;
    this.answered();
  }

  /** Stops sending, waits for the requests in flight (each within its timeout), and sums up. */
  async stop(): Promise<LoadSummary> {
    this.halt("analysis");
    this.signal?.removeEventListener("abort", this.onAbort);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    return {
      sent: this.sent,
      failed: this.failed,
      byStatus: { ...this.byStatus },
      skipped: this.skipped,
      durationMs: Math.round(performance.now() - this.started),
      stoppedBy: this.stoppedBy ?? "analysis",
    };
  }
}

/** What {@link withLoad} reports to. */
export interface LoadHooks {
  /** The analysis step's index, for the events. */
  readonly step: number;
  readonly emit: (e: DriverEventInput) => void;
  readonly signal?: AbortSignal;
}

/**
 * Runs `analysis` with the load step around it when `settings` turn it on: the load starts first
 * (and its first answer is awaited, so the first window has data) and stops when the analysis
 * ends, fails or is aborted, before anything else (a revert) happens.
 */
export async function withLoad<T>(
  settings: LoadSettings | undefined,
  plan: (settings: LoadSettings) => LoadPlan | { readonly skip: string },
  hooks: LoadHooks,
  analysis: () => Promise<T>,
): Promise<T> {
  if (!settings) return analysis();
  const p = plan(settings);
  if ("skip" in p) {
    hooks.emit({ type: "log", level: "warn", message: `load: not sent: ${p.skip}` });
    return analysis();
  }
  hooks.emit({
    type: "load",
    phase: "started",
    step: hooks.step,
    url: displayUrl(p.url),
    ratePerSecond: Math.round(p.ratePerSecond * 100) / 100,
    concurrency: settings.concurrency,
    maxRequests: settings.maxRequests,
  });
  const run = new LoadRun(p, settings, hooks.signal, () =>
    hooks.emit({
      type: "log",
      level: "warn",
      message: `load: stopped after ${settings.maxRequests} requests (progressive:release.load.maxRequests); the rest of the analysis measures other traffic only`,
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise((r) => {
      timer = setTimeout(r, settings.timeoutSeconds * 1000);
    });
    await Promise.race([run.firstAnswer, deadline]);
    clearTimeout(timer);
    return await analysis();
  } finally {
    clearTimeout(timer);
    const s = await run.stop();
    hooks.emit({ type: "load", phase: "done", step: hooks.step, ...s });
  }
}
