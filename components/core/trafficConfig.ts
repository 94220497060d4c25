// Traffic is stack state: a component reads its own entry of the `progressive:traffic` config
// object (keyed by the component's Pulumi name) unless it is given `traffic` explicitly. After a
// release that entry is the truth; a component's `version` argument is only the version of the
// first deploy, used while the entry does not exist.

import * as pulumi from "@pulumi/pulumi";
import { type Problem, problem } from "./problems";
import { checkVersionLabel, type TrafficEntry, type TrafficState } from "./traffic";

/** Config namespace of the release settings and of the traffic entries. */
export const CONFIG_NAMESPACE = "progressive";

/** Key (in {@link CONFIG_NAMESPACE}) of the object holding every component's traffic entry. */
export const TRAFFIC_KEY = "traffic";

/** Where a component's traffic state came from: its config entry, the `traffic` arg, or the `version` arg. */
export type TrafficSource = "config" | "arg" | "version";

/** The traffic state of a component and where it came from. */
export interface ResolvedTraffic {
  readonly traffic: TrafficEntry | undefined;
  readonly source: TrafficSource;
}

/** What {@link resolveTraffic} reads; every field is optional so tests can pass config directly. */
export interface TrafficSources {
  /** The explicit `traffic` arg. */
  readonly traffic?: TrafficEntry;
  /** The first version to deploy, used when there is no config entry. */
  readonly version?: string;
}

/** The component's entry in `progressive:traffic` (undefined when there is none). */
export function trafficEntry(name: string): TrafficEntry | undefined | { readonly invalid: unknown } {
  return trafficEntryOf(new pulumi.Config(CONFIG_NAMESPACE).getObject<unknown>(TRAFFIC_KEY), name);
}

/**
 * Entry `name` of a `progressive:traffic` object as a component reads it (numbers given as strings
 * read as numbers; a missing weight is 0); `{ invalid }` when the object or the entry is not an
 * object. Pure, so the driver checks the entries with the components' own reading.
 */
export function trafficEntryOf(
  all: unknown,
  name: string,
): TrafficEntry | undefined | { readonly invalid: unknown } {
  if (all === undefined || all === null) return undefined;
  if (typeof all !== "object" || Array.isArray(all)) return { invalid: all };
  const entry = (all as Record<string, unknown>)[name];
  if (entry === undefined) return undefined;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return { invalid: entry };
  // `pulumi config set --path` writes numbers as numbers but may leave quoted ones as strings.
  const e = entry as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v);
  return {
    ...(e as unknown as TrafficState),
    candidateWeight: num(e.candidateWeight ?? 0) as number,
    ...(e.idleReplicas !== undefined ? { idleReplicas: num(e.idleReplicas) as number } : {}),
  };
}

/**
 * A component's traffic state: the explicit `traffic` arg, else its `progressive:traffic` entry,
 * else `{ stableVersion: version }`. Pushes a problem when none gives one, or `version` is not a
 * version label.
 */
export function resolveTraffic(name: string, args: TrafficSources, problems: Problem[]): ResolvedTraffic {
  if (args.traffic !== undefined) return { traffic: args.traffic, source: "arg" };
  const path = `${CONFIG_NAMESPACE}:${TRAFFIC_KEY}.${name}`;
  const entry = trafficEntry(name);
  if (entry && "invalid" in entry) {
    problems.push(
      problem(
        path,
        entry.invalid,
        "is not a traffic entry",
        `set it to an object such as {"stableVersion": "v1", "candidateWeight": 0}, or remove it with pulumi config rm --path '${path}'`,
      ),
    );
    return { traffic: undefined, source: "config" };
  }
  if (entry) return { traffic: entry, source: "config" };
  if (args.version === undefined) {
    problems.push(
      problem(
        "version",
        undefined,
        `is required on the first deploy (there is no ${path} entry yet)`,
        'pass version: "v1" (the first version to deploy), or an explicit traffic state',
      ),
    );
    return { traffic: undefined, source: "version" };
  }
  const before = problems.length;
  checkVersionLabel(args.version, "version", problems);
  if (problems.length > before) return { traffic: undefined, source: "version" };
  return { traffic: { stableVersion: args.version, candidateWeight: 0 }, source: "version" };
}

/**
 * The traffic arguments every progressive component takes. Leave both unset after the first
 * deploy: the component reads its `progressive:traffic` entry, which the release driver writes.
 */
export interface TrafficArgs<T = TrafficState> {
  /**
   * Versions and weights, when you manage them yourself (the driver then refuses to release the
   * service: it could not move them).
   * @default the component's `progressive:traffic` entry, else `{ stableVersion: version, candidateWeight: 0 }`
   */
  readonly traffic?: T;
  /**
   * The version to deploy first; read only while the stack has no `progressive:traffic` entry for
   * this component. After a release that entry is the truth.
   * @default none: required when there is neither `traffic` nor a config entry
   */
  readonly version?: string;
}
