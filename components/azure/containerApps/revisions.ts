// Pure maths of a Container App in Multiple revision mode: app and revision names, the ingress
// traffic list of each strategy, and the linear weight steps a rolling release becomes. Tested
// by tables in test/unit/azure/revisions.test.ts.

import {
  type CanaryStrategyInput,
  type Color,
  colorVersions,
  dnsLabel,
  type Problem,
  problem,
  type RollingStrategy,
  type StrategyKind,
  scalePercentOrCount,
  shortHash,
  type TrafficState,
} from "../../core";

/** Container App names: lowercase letters, digits and `-`, a letter first, at most 32, no `--`. */
export const APP_NAME_PATTERN = /^(?!.*--)[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** Longest revision name Container Apps accepts (`<app>--<suffix>`). */
export const MAX_REVISION_NAME = 54;

/** The app name derived from a component name (2-32 characters: a one-letter name gets `-app`). */
export function appNameFor(name: string): string {
  const label = dnsLabel(name, 32);
  return label.length >= 2 ? label : `${label}-app`;
}

/** Pushes a problem unless `app` is a valid Container App name. */
export function checkAppName(app: string, path: string, problems: Problem[]): void {
  if (APP_NAME_PATTERN.test(app)) return;
  problems.push(
    problem(
      path,
      app,
      "is not a Container App name (lowercase letters, digits and -, a letter first, at most 32, no --)",
      `use a name such as "${appNameFor(app || "web")}"`,
    ),
  );
}

/**
 * The revision suffix of a version: the version as lowercase letters, digits and `-` (a letter
 * first) and a hash of the revision's whole template, so a config-only change gets a new suffix
 * (Container Apps refuses, or silently ignores, a changed template under an existing suffix).
 */
export function revisionSuffix(app: string, version: string, templateHash: string): string {
  let slug = version
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(slug)) slug = `v${slug}`;
  const room = MAX_REVISION_NAME - app.length - 2 - templateHash.length - 1;
  slug = slug.slice(0, Math.max(1, room)).replace(/-+$/, "");
  return `${slug}-${templateHash}`;
}

/** `<app>--<suffix>`, the name Container Apps gives the revision. */
export function revisionName(app: string, suffix: string): string {
  return `${app}--${suffix}`;
}

/** Hash of a revision template (as JSON) for {@link revisionSuffix}. */
export function templateHash(templateJson: string): string {
  return shortHash(templateJson);
}

/** One ingress traffic entry (the shape of the ARM API and of azure-native's TrafficWeightArgs). */
export interface TrafficEntry {
  readonly revisionName: string;
  readonly weight: number;
  readonly label?: string;
}

/** Labels of the preview URLs (`<app>---<label>.<domain>`). */
export const LABELS = { canary: "canary", blue: "blue", green: "green" } as const;

/**
 * The ingress traffic of a state: integer weights summing to 100, one entry per revision.
 * Canary (and rolling): stable gets 100 - weight, the candidate the weight and, for a canary, the
 * `canary` label. Blue-green: the active colour 100 and its label, the idle colour (when it runs a
 * candidate) 0 and its label. `revisions` maps each version of the state to its revision.
 */
export function appTraffic(
  kind: StrategyKind,
  state: TrafficState,
  revisions: Readonly<Record<string, string>>,
): TrafficEntry[] {
  const rev = (version: string) => {
    const name = revisions[version];
    if (name === undefined) throw new RangeError(`no revision for version ${version}`);
    return name;
  };
  if (kind === "blueGreen") {
    const v = colorVersions(state);
    const active: TrafficEntry = { revisionName: rev(v[v.active]), weight: 100, label: v.active };
    if (state.candidateVersion === undefined || v[v.idle] === v[v.active]) return [active];
    return [active, { revisionName: rev(v[v.idle]), weight: 0, label: v.idle }];
  }
  const stable = rev(state.stableVersion);
  const candidate = state.candidateVersion === undefined ? undefined : rev(state.candidateVersion);
  const label = kind === "canary" ? { label: LABELS.canary } : {};
  if (candidate === undefined) return [{ revisionName: stable, weight: 100 }];
  if (candidate === stable) return [{ revisionName: stable, weight: 100, ...label }];
  return [
    { revisionName: stable, weight: 100 - state.candidateWeight },
    { revisionName: candidate, weight: state.candidateWeight, ...label },
  ];
}

/**
 * The revision of each version this app deployed that takes no traffic in the state: in Multiple
 * revision mode it stays active, at its own minReplicas, until it is deactivated (the release
 * driver deactivates the one a release took out; `az containerapp revision deactivate` by hand).
 */
export function retiredByVersion(
  deployed: Readonly<Record<string, string>>,
  serving: Readonly<Record<string, string>>,
): Record<string, string> {
  const live = new Set(Object.values(serving));
  return Object.fromEntries(Object.entries(deployed).filter(([v, r]) => !(v in serving) && !live.has(r)));
}

/** The names of {@link retiredByVersion}, sorted. */
export function retiredRevisions(
  deployed: Readonly<Record<string, string>>,
  serving: Readonly<Record<string, string>>,
): string[] {
  return [...new Set(Object.values(retiredByVersion(deployed, serving)))].sort();
}

/** The versions a state needs revisions for, the one a new template would run first. */
export function liveVersions(state: TrafficState): string[] {
  const first = state.candidateVersion ?? state.stableVersion;
  return [...new Set([first, state.stableVersion])];
}

/** The label whose URL previews the candidate, when there is a candidate. */
export function previewLabel(kind: StrategyKind, state: TrafficState): string | undefined {
  if (state.candidateVersion === undefined) return undefined;
  if (kind === "blueGreen") return colorVersions(state).idle satisfies Color;
  return kind === "canary" ? LABELS.canary : undefined;
}

/** The percentage one rolling step moves: maxSurge as a share of `replicas` (at least 1). */
export function rollingStepPercent(strategy: RollingStrategy, replicas: number): number {
  const surge = scalePercentOrCount(strategy.maxSurge, replicas, true);
  const unavailable = scalePercentOrCount(strategy.maxUnavailable, replicas, false);
  // maxSurge 0 means "replace by taking instances out": the unavailable count moves instead.
  const instances = surge > 0 ? surge : unavailable;
  return Math.min(100, Math.max(1, Math.round((instances * 100) / Math.max(1, replicas))));
}

/**
 * A rolling release on Container Apps, as canary steps the driver walks: weight rises by
 * {@link rollingStepPercent} per step (the last step is 100), with a pause of the readiness delay
 * (the bake time) after each step below 100. No analysis: the steps only pace the shift, as a
 * rolling update paces instance replacement; health.readiness keeps traffic off unready replicas.
 */
export function rollingAsCanary(strategy: RollingStrategy, replicas: number): CanaryStrategyInput {
  const step = rollingStepPercent(strategy, replicas);
  const weights: number[] = [];
  for (let w = step; w < 100; w += step) weights.push(w);
  weights.push(100);
  const bake = Math.ceil(strategy.readinessDelaySeconds);
  return {
    kind: "canary",
    steps: weights.flatMap((w) =>
      w < 100 && bake > 0 ? [{ setWeight: w }, { pause: { duration: bake } }] : [{ setWeight: w }],
    ),
    checks: [],
    headerRoute: false,
    progressDeadline: strategy.progressDeadlineSeconds,
  };
}
