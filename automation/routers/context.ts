// What every router control runs its calls in: a client made outside the deadline (loading an SDK
// or a kubeconfig takes seconds the first time, which must not eat the API calls' time), one
// deadline per read or brake, and anything thrown turned into an "unverified" reading or a brake
// "not applied", so controls never throw. Each platform says only how to connect and how to word
// a failure.
import {
  type BrakeResult,
  DEFAULT_ROUTER_TIMEOUT_MS,
  type Deadline,
  errorText,
  notApplied,
  type RouterReading,
  unverified,
  withDeadline,
} from "./types";

/** How a control connects and words failures. */
export interface ControlContextOptions<C> {
  /** Makes the client, or returns the one made; called before each read or brake, outside its deadline. */
  readonly connect: () => C | Promise<C>;
  /** Time allowed for one read, all its calls together. @default DEFAULT_ROUTER_TIMEOUT_MS */
  readonly timeoutMs?: number | undefined;
  /** Time allowed for one brake. @default timeoutMs */
  readonly brakeTimeoutMs?: number | undefined;
  /** The reason to report for an error thrown by a call. @default the deadline's words for it */
  readonly reason?: (err: unknown, d: Deadline) => string;
}

/** One control's connection and time limits: its reads and brakes never throw. */
export interface ControlContext<C> {
  /** Runs a read under a fresh deadline; anything thrown becomes an "unverified" reading. */
  read(
    signal: AbortSignal | undefined,
    fn: (c: C, d: Deadline) => Promise<RouterReading>,
  ): Promise<RouterReading>;
  /** Runs a brake (a writeAndVerify) under a fresh deadline; anything thrown becomes "not applied". */
  brake(
    signal: AbortSignal | undefined,
    fn: (c: C, d: Deadline) => Promise<BrakeResult>,
  ): Promise<BrakeResult>;
}

/** The context of a control that connects and words failures as `options` say. */
export function controlContext<C>(options: ControlContextOptions<C>): ControlContext<C> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS;
  const reason = options.reason ?? ((err: unknown, d: Deadline) => d.describe(err));
  const run = async <R>(
    ms: number,
    signal: AbortSignal | undefined,
    fail: (why: string) => R,
    fn: (c: C, d: Deadline) => Promise<R>,
  ): Promise<R> => {
    let c: C;
    try {
      c = await options.connect();
    } catch (err) {
      return fail(errorText(err));
    }
    return withDeadline(ms, signal, async (d) => {
      try {
        return await fn(c, d);
      } catch (err) {
        return fail(reason(err, d));
      }
    });
  };
  return {
    read: (signal, fn) => run(timeoutMs, signal, unverified, fn),
    brake: (signal, fn) => run(options.brakeTimeoutMs ?? timeoutMs, signal, notApplied, fn),
  };
}
