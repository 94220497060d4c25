// What both release paths (the stepwise driver and a platform's release mode) share around the
// `up` that moves traffic: how long they wait for the stack's step lock, what differs when the
// component did not take the traffic entry the driver wrote, and the error that says so.
import type { StrategyKind } from "../../components/core/strategy";
import type { TrafficState } from "../../components/core/traffic";
import type { RouterReading } from "../routers/types";
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

/**
 * The error when the router, read back after the `up`, applies something else than `entry`: the
 * canary's weight, or the blue-green colour. Undefined when it agrees or could not be read (then
 * the step is "unverified", not failed).
 */
export function readBackDifferences(
  kind: StrategyKind,
  reading: RouterReading,
  entry: TrafficEntry,
): ReleaseError | undefined {
  if (!reading.verified) return undefined;
  const wrong: string[] = [];
  if (kind === "canary" && reading.candidateWeight !== entry.candidateWeight)
    wrong.push(`the router sends ${reading.candidateWeight}% to the candidate`);
  if (
    kind === "blueGreen" &&
    entry.activeColor &&
    reading.activeColor &&
    reading.activeColor !== entry.activeColor
  )
    wrong.push(`the router serves the ${reading.activeColor} colour`);
  if (wrong.length === 0) return undefined;
  return new ReleaseError(
    "verification",
    `after up, ${wrong.join(", ")} (read back from the router); expected ${JSON.stringify(entry)}`,
  );
}
