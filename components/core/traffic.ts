// Traffic state: what a component receives from stack config. Versions are labels; each platform
// maps a label to its artifact (an image on Kubernetes, a command on the local platform). The
// driver moves traffic by writing a new state and running `up`; these pure functions say which
// states to write.

import { checkKnownKeys, joinPath, type Problem, problem } from "./problems";
import type { StrategyKind } from "./strategy";
import { checkWeight } from "./weight";

/** The two colours of a blue-green service. */
export type Color = "blue" | "green";

/** The traffic split a component is deployed with. */
export interface TrafficState {
  /** Version that serves traffic (the active colour's version in blue-green). */
  readonly stableVersion: string;
  /** Version being tried (the idle colour's version in blue-green). @default unset: no candidate */
  readonly candidateVersion?: string;
  /** Integer percentage of traffic sent to the candidate, 0-100 (always 0 for blue-green, rolling, recreate). */
  readonly candidateWeight: number;
  /** Colour that serves traffic in blue-green. @default "blue" */
  readonly activeColor?: Color;
}

/**
 * A component's entry in `progressive:traffic`: its traffic state plus the blue-green scale-down
 * (`idleReplicas`, tasks of the idle colour) the driver writes beside it.
 */
export type TrafficEntry = TrafficState & { readonly idleReplicas?: number };

/** A version label: 1-63 letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit. */
export const VERSION_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

const VERSION_FIX = 'use a label such as "v1.4.2" (letters, digits, ".", "_", "-"; at most 63 characters)';

/** Pushes a problem when `value` is not a version label. */
export function checkVersionLabel(value: unknown, path: string, problems: Problem[]): void {
  if (typeof value !== "string" || !VERSION_PATTERN.test(value)) {
    problems.push(problem(path, value, "is not a version label", VERSION_FIX));
  }
}

/** Validates a traffic state for a strategy kind; pushes every problem found. */
export function checkTraffic(
  state: TrafficState | undefined,
  kind: StrategyKind,
  path: string,
  problems: Problem[],
): void {
  if (state === undefined || state === null || typeof state !== "object") {
    problems.push(problem(path, state, "is required", 'pass { stableVersion: "v1", candidateWeight: 0 }'));
    return;
  }
  const at = (key: string) => joinPath(path, key);
  // idleReplicas: the blue-green scale-down the driver writes beside the state.
  checkKnownKeys(
    state,
    ["stableVersion", "candidateVersion", "candidateWeight", "activeColor", "idleReplicas"],
    path,
    problems,
  );
  if (typeof state.stableVersion !== "string" || !VERSION_PATTERN.test(state.stableVersion)) {
    problems.push(problem(at("stableVersion"), state.stableVersion, "is not a version label", VERSION_FIX));
  }
  if (state.candidateVersion !== undefined && !VERSION_PATTERN.test(String(state.candidateVersion))) {
    problems.push(
      problem(at("candidateVersion"), state.candidateVersion, "is not a version label", VERSION_FIX),
    );
  }
  const weight = checkWeight(state.candidateWeight, at("candidateWeight"), problems);
  if (weight !== undefined && weight > 0 && state.candidateVersion === undefined) {
    problems.push(
      problem(
        at("candidateWeight"),
        weight,
        "sends traffic to a candidate, but candidateVersion is not set",
        "set candidateVersion to the version to try, or set candidateWeight to 0",
      ),
    );
  }
  if (weight !== undefined && weight > 0 && kind !== "canary") {
    const fix =
      kind === "blueGreen"
        ? "switch traffic with activeColor and set candidateWeight to 0"
        : "set stableVersion to the new version and candidateWeight to 0";
    problems.push(problem(at("candidateWeight"), weight, `must be 0 for a ${kind} strategy`, fix));
  }
  if (state.activeColor !== undefined && state.activeColor !== "blue" && state.activeColor !== "green") {
    problems.push(
      problem(at("activeColor"), state.activeColor, 'must be "blue" or "green"', 'use "blue" or "green"'),
    );
  }
}

/** The other colour. */
export function otherColor(color: Color): Color {
  return color === "blue" ? "green" : "blue";
}

/** The colour that does not serve traffic. */
export function idleColor(state: Pick<TrafficState, "activeColor">): Color {
  return otherColor(state.activeColor ?? "blue");
}

/** Which version each colour runs: active = stable; idle = candidate, or stable when there is none. */
export function colorVersions(
  state: TrafficState,
): Readonly<Record<Color, string>> & { active: Color; idle: Color } {
  const active = state.activeColor ?? "blue";
  const idle = otherColor(active);
  const idleVersion = state.candidateVersion ?? state.stableVersion;
  return { active, idle, [active]: state.stableVersion, [idle]: idleVersion } as Record<Color, string> & {
    active: Color;
    idle: Color;
  };
}

/** Whether a candidate is deployed. */
export function hasCandidate(state: TrafficState): boolean {
  return state.candidateVersion !== undefined;
}

/** The state after an abort: weight 0 at once (stable is still at full size); the candidate stays for inspection. */
export function abortTraffic(state: TrafficState): TrafficState {
  return { ...state, candidateWeight: 0 };
}

/**
 * Promotion recipe for a canary: all traffic to the candidate; then the stable slot takes the
 * candidate's version while no traffic reaches it; then traffic returns to the stable slot and the
 * candidate slot is emptied. No state sends traffic to instances that are not running it.
 */
export function promotionSequence(state: TrafficState): TrafficState[] {
  const version = state.candidateVersion;
  if (version === undefined) return [];
  return [
    { stableVersion: state.stableVersion, candidateVersion: version, candidateWeight: 100 },
    { stableVersion: version, candidateVersion: version, candidateWeight: 100 },
    { stableVersion: version, candidateWeight: 0 },
  ];
}

/**
 * Blue-green switch: the idle colour (running the candidate) becomes active; the old version stays
 * on the now idle colour, so rolling back is the same switch again. Without a candidate it only
 * flips the colour (both run the stable version).
 */
export function switchColors(state: TrafficState): TrafficState {
  const active = otherColor(state.activeColor ?? "blue");
  if (state.candidateVersion === undefined) return { ...state, activeColor: active, candidateWeight: 0 };
  return {
    stableVersion: state.candidateVersion,
    candidateVersion: state.stableVersion,
    candidateWeight: 0,
    activeColor: active,
  };
}

/**
 * The state that drops the old version after a blue-green switch (once the scale-down delay has
 * passed and rollback is no longer wanted): the idle colour keeps the stable version.
 */
export function retireIdle(state: TrafficState): TrafficState {
  return { stableVersion: state.stableVersion, candidateWeight: 0, activeColor: state.activeColor ?? "blue" };
}
