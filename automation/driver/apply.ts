// The one way traffic moves through the stack, for the stepwise driver and the release modes alike:
// the traffic entries of the services released (several for a release group: one `up` for all of
// them) are written to the stack's settings and `up` run, both under the
// stack's step lease (another driver's step is waited for, see ReleaseRun.withStepLease), and the
// `up`'s duration measured for the trafficApplied event. What the component reports it took is
// then checked by the caller against the entry (contract-check.ts words the failure).
import type { StackHandle, TrafficEntry } from "./stack";
import type { ReleaseModeHost } from "./types";

/** Where traffic is applied: the run's step lease and journal, and the stack. */
export interface ApplyTarget {
  readonly host: Pick<ReleaseModeHost, "withStepLease" | "journal">;
  readonly stack: Pick<StackHandle, "writeTraffic">;
}

/**
 * Writes `entries` (by service name, its key in progressive:traffic) and runs `up` (what `up` does)
 * under the step lease; its result and how long it took.
 */
export async function writeAndUp<T>(
  target: ApplyTarget,
  entries: Readonly<Record<string, TrafficEntry>>,
  up: () => Promise<T>,
): Promise<{ readonly result: T; readonly upMs: number }> {
  let upMs = 0;
  const result = await target.host.withStepLease(
    `${target.host.journal().releaseId} (${Object.keys(entries).join(", ")})`,
    async () => {
      await target.stack.writeTraffic(entries);
      const started = Date.now();
      const out = await up();
      upMs = Date.now() - started;
      return out;
    },
  );
  return { result, upMs };
}
