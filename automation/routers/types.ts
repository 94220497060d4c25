// What the driver asks of a traffic router, whatever the platform (in the manner of flagger's
// router interface: read the routes the router applies, set them). Reads report what the router
// really applies, never the weight asked for; a read that cannot be made says "unverified" and why.
import type { RouterKind } from "../../components/core/contract";
import type { Color, TrafficState } from "../../components/core/traffic";

/** What a router applies now, or why that could not be read back. */
export type RouterReading =
  | {
      readonly verified: true;
      /** Integer percentage of requests the router sends to the candidate, 0-100. */
      readonly candidateWeight: number;
      /** Colour the router serves, for blue-green routers that can tell. @default unset: not a colour router */
      readonly activeColor?: Color;
      /** What was read, for logs and the journal (e.g. `Ingress web/web-canary canary-weight=10`). */
      readonly detail: string;
    }
  | {
      readonly verified: false;
      /** Why the applied weights could not be read, and what to do about it. */
      readonly reason: string;
    };

/** What the revert brake did. */
export interface BrakeResult {
  /** True when "all traffic to stable" was written and read back. */
  readonly applied: boolean;
  /** Why it was not applied, when it was not. */
  readonly reason?: string;
}

/** What became of one thing a settled release took out of traffic (see {@link RouterControl.retire}). */
export interface RetireItem {
  /** What it is, e.g. `revision web--v1-1a2b3c of Container App rg/web`. */
  readonly what: string;
  /** stopped: stopped now; kept: left running (it still has traffic or a label); absent: nothing runs; failed: could not be stopped. */
  readonly outcome: "stopped" | "kept" | "absent" | "failed";
  /** Why, in words. */
  readonly reason: string;
  /** For `failed`: the command that stops it by hand. */
  readonly command?: string;
}

/** What {@link RouterControl.activate} did. */
export interface ActivateResult extends BrakeResult {
  /** What was started again, e.g. `revision web--v1-1a2b3c of Container App rg/web`. */
  readonly started: readonly string[];
}

/** Driver-side control of one service's router: read the applied split, pull the brake. */
export interface RouterControl {
  /** The descriptor kind this control serves; "unknown" for a kind newer than this driver. */
  readonly kind: RouterKind | "unknown";
  /**
   * Reads what the router applies now. `expect` names the versions and colours to look for
   * (pass `activeColor` for blue-green services). Never throws.
   */
  read(expect: TrafficState, signal?: AbortSignal): Promise<RouterReading>;
  /**
   * Sends all traffic to `target.stableVersion` (and `target.activeColor` for blue-green, default
   * "blue"), then reads it back. `candidateVersion` is the version traffic is taken from. Never
   * throws: a brake that is not applied leaves the work to the `up` that follows.
   */
  sendAllToStable(
    target: TrafficState,
    candidateVersion: string | undefined,
    signal?: AbortSignal,
  ): Promise<BrakeResult>;
  /**
   * Before traffic moves to `target`: starts again what a version of it needs and a past release
   * stopped (a deactivated Container Apps revision), and waits until it runs. Never throws: not
   * applied means traffic must not move there. @default undefined: the router stops nothing
   */
  activate?(target: TrafficState, signal?: AbortSignal): Promise<ActivateResult>;
  /**
   * Once a release has settled: stops what `versions` (the versions it took out of traffic) still
   * run on the router (Container Apps revisions stay active, each at its minReplicas), only where
   * the router, read again now, gives them no traffic and no label. Never throws; each call is
   * bounded by the router's timeout. @default undefined: nothing runs per version on the router
   */
  retire?(versions: readonly string[], signal?: AbortSignal): Promise<RetireItem[]>;
}

/** Where and how long the driver talks to routers. */
export interface RouterControlOptions {
  /**
   * Kubernetes credentials: a kubeconfig file path, or its YAML text (anything with a newline).
   * @default the default kubeconfig ($KUBECONFIG, ~/.kube/config, or the in-cluster account)
   */
  readonly kubeconfig?: string;
  /** Kubeconfig context to use. @default the kubeconfig's current context */
  readonly context?: string;
  /** Time allowed for one read or one brake, all its calls together. @default 5000 */
  readonly timeoutMs?: number;
}

/** Default of {@link RouterControlOptions.timeoutMs}. */
export const DEFAULT_ROUTER_TIMEOUT_MS = 5_000;

/** An "unverified" reading. */
export function unverified(reason: string): RouterReading {
  return { verified: false, reason };
}

/** A brake that was not applied. */
export function notApplied(reason: string): BrakeResult {
  return { applied: false, reason };
}

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One operation's deadline: aborts after `timeoutMs` or when the caller's signal fires, and tells
 * which of the two ended it, so reasons say "timed out after 5000 ms" rather than "aborted".
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  private readonly onCallerAbort = () => this.controller.abort();

  constructor(
    readonly timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, timeoutMs);
    // The driver must be free to exit while a read hangs; the timer alone keeps nothing alive.
    this.timer.unref();
    if (caller?.aborted) this.controller.abort();
    else caller?.addEventListener("abort", this.onCallerAbort, { once: true });
  }

  /** `err` as a reason, or the deadline's own reason when the deadline ended the call. */
  describe(err: unknown): string {
    if (this.timedOut) return `timed out after ${this.timeoutMs} ms`;
    if (this.caller?.aborted) return "aborted by the caller";
    return errorText(err);
  }

  /** Throws when the deadline has passed (checked between calls). */
  check(): void {
    if (this.signal.aborted) throw new Error(this.describe(undefined));
  }

  /** `p`, or a rejection as soon as the deadline ends (for clients that take no signal). */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(new Error(this.describe(undefined)));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Error(this.describe(undefined)));
      this.signal.addEventListener("abort", onAbort, { once: true });
      p.then(
        (v) => {
          this.signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener("abort", this.onCallerAbort);
  }
}

/** Runs `fn` under a fresh {@link Deadline}, disposing it whatever happens. */
export async function withDeadline<T>(
  timeoutMs: number,
  caller: AbortSignal | undefined,
  fn: (d: Deadline) => Promise<T>,
): Promise<T> {
  const d = new Deadline(timeoutMs, caller);
  try {
    return await fn(d);
  } finally {
    d.dispose();
  }
}
