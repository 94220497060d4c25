// What both release paths (the stepwise driver and a platform's release mode) share around the
// `up` that moves traffic: how long they wait for the stack's step lock, what differs when the
// component did not take the traffic entry the driver wrote, and the error that says so.
import type { TrafficState } from "../../components/core/traffic";
import { ReleaseError } from "./errors";
import type { StackService, TrafficEntry } from "./stack";

/** How long a step waits for another driver's step on the same stack. */
export const STEP_LOCK_TIMEOUT_MS = 30 * 60_000;

/** The contract check failed: after `up`, `service` reports `reported` instead of `expected`. */
export function trafficNotTaken(
  service: StackService,
  reported: string,
  expected: TrafficEntry,
): ReleaseError {
  return new ReleaseError(
    "verification",
    `after up, service ${service.release.name} reports ${reported}; expected ${JSON.stringify(expected)}` +
      (service.release.trafficSource === "arg"
        ? "; the program passes an explicit traffic arg, so the driver cannot move it: drop the arg and let the component read progressive:traffic"
        : ""),
  );
}

/** The fields of `entry` that the component's reported traffic `asked` does not carry, in words. */
export function trafficDifferences(asked: TrafficState, entry: TrafficEntry): string[] {
  const wrong: string[] = [];
  if (asked.stableVersion !== entry.stableVersion) wrong.push(`stableVersion is ${asked.stableVersion}`);
  if ((asked.candidateVersion ?? undefined) !== entry.candidateVersion)
    wrong.push(`candidateVersion is ${asked.candidateVersion ?? "unset"}`);
  if (asked.candidateWeight !== entry.candidateWeight)
    wrong.push(`candidateWeight is ${asked.candidateWeight}`);
  // A colour the component does not report (a canary service) is not a difference.
  if (entry.activeColor && asked.activeColor !== undefined && asked.activeColor !== entry.activeColor)
    wrong.push(`activeColor is ${asked.activeColor}`);
  return wrong;
}
