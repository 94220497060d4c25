// One cloud SDK call with a deadline and the caller's signal, its failures turned into
// MetricQueryError. SDKs that ignore AbortSignal are raced against it, so a query never
// outlives its deadline even when the client keeps working in the background.
import { MetricQueryError } from "./types";

/** Runs `call` with a signal that aborts after `timeoutMs` or when `signal` aborts. */
export async function callSdk<T>(
  provider: string,
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(combined.reason);
    combined.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([call(combined), aborted]);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (deadline.aborted)
      throw new MetricQueryError(provider, "timeout", `${what}: no answer within ${timeoutMs} ms`);
    const e = err as { name?: unknown; message?: unknown; code?: unknown };
    const label = typeof e?.name === "string" && e.name !== "Error" ? `${e.name}: ` : "";
    const text = typeof e?.message === "string" ? e.message : String(err);
    throw new MetricQueryError(provider, "sdk-error", `${what} failed: ${label}${text}`, { cause: err });
  } finally {
    if (onAbort) combined.removeEventListener("abort", onAbort);
  }
}
