// Consecutive success/failure thresholds of a repeated check, as a pure state machine:
// a target becomes healthy after `successThreshold` successes in a row and unhealthy after
// `failureThreshold` failures in a row; anything between keeps the current status.

/** What the checks say so far. `unknown` until a threshold is first reached. */
export type HealthStatus = "unknown" | "healthy" | "unhealthy";

/** State of one repeated check. */
export interface HealthState {
  /** Current verdict. */
  readonly status: HealthStatus;
  /** Successes in a row, ending with the latest result. */
  readonly consecutiveSuccesses: number;
  /** Failures in a row, ending with the latest result. */
  readonly consecutiveFailures: number;
}

/** When the verdict changes. */
export interface HealthThresholds {
  /** Successes in a row that make the target healthy. @default 1 */
  readonly successThreshold?: number;
  /** Failures in a row that make the target unhealthy. @default 3 */
  readonly failureThreshold?: number;
}

/** Default thresholds (those of Kubernetes probes). */
export const DEFAULT_HEALTH_THRESHOLDS: Required<HealthThresholds> = {
  successThreshold: 1,
  failureThreshold: 3,
};

/** The state before any check ran. */
export const INITIAL_HEALTH: HealthState = {
  status: "unknown",
  consecutiveSuccesses: 0,
  consecutiveFailures: 0,
};

/** Checks the thresholds; throws naming the field when one is not a positive integer. */
export function resolveThresholds(t: HealthThresholds = {}): Required<HealthThresholds> {
  const resolved = { ...DEFAULT_HEALTH_THRESHOLDS, ...t };
  for (const key of ["successThreshold", "failureThreshold"] as const) {
    const v = resolved[key];
    if (!Number.isInteger(v) || v < 1 || v > 1000) {
      throw new RangeError(
        `${key} (${String(v)}) must be an integer from 1 to 1000; use e.g. ${DEFAULT_HEALTH_THRESHOLDS[key]}`,
      );
    }
  }
  return resolved;
}

/** The state after one more check result. */
export function nextHealth(state: HealthState, ok: boolean, thresholds: HealthThresholds = {}): HealthState {
  const { successThreshold, failureThreshold } = resolveThresholds(thresholds);
  const consecutiveSuccesses = ok ? state.consecutiveSuccesses + 1 : 0;
  const consecutiveFailures = ok ? 0 : state.consecutiveFailures + 1;
  let status = state.status;
  if (ok && consecutiveSuccesses >= successThreshold) status = "healthy";
  if (!ok && consecutiveFailures >= failureThreshold) status = "unhealthy";
  return { status, consecutiveSuccesses, consecutiveFailures };
}

/** Folds a sequence of results from {@link INITIAL_HEALTH}. */
export function healthAfter(results: readonly boolean[], thresholds: HealthThresholds = {}): HealthState {
  return results.reduce((s, ok) => nextHealth(s, ok, thresholds), INITIAL_HEALTH);
}
