// Cloud Run revisions as pure functions: their names, the ledger of revisions a service has
// created, which version the template holds, and the traffic targets of each strategy.
//
// Cloud Run revisions are immutable and named once: re-applying a template whose revision name
// already exists fails with 409 (pulumi-gcp#350), and so does going back to an older template.
// So the template only ever moves to a revision that does not exist yet, and everything else is
// traffic. A component learns which revisions exist from a ledger it keeps in an annotation of
// the live service (read back before each deploy), because the traffic state says which versions
// serve, not which one was built last: the state after a revert ({stableVersion: v1}) is the same
// as the state of a first deploy of v1.

import { dnsLabel, shortHash, type TrafficState } from "../core";

/** Service annotation holding the {@link RevisionLedger} (JSON). */
export const LEDGER_ANNOTATION = "progressive.pulumi.io/revisions";

/** Traffic target type of a named revision; a `LATEST` target is never used. */
export const REVISION_TARGET = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";

/** Tag of the candidate revision in a canary: its URL is the header-free preview. */
export const CANDIDATE_TAG = "candidate";

/** Tags of the blue-green colours' revisions: each colour's URL is its tag's. */
export const COLOR_TAGS = ["blue", "green"] as const;

/** Revision names the ledger remembers: Cloud Run keeps at most 1000 revisions per service. */
export const LEDGER_LIMIT = 50;

/** Revisions a service created through this component, kept on the live service. */
export interface RevisionLedger {
  readonly v: 1;
  /** The revision the template holds and its version. */
  readonly template: { readonly version: string; readonly revision: string };
  /** The newest revision of each version. */
  readonly revisions: Readonly<Record<string, string>>;
  /** Every revision name created, oldest first, at most {@link LEDGER_LIMIT}. */
  readonly created: readonly string[];
}

/**
 * A revision name: `<service>-<version>-<hash>` within 63 characters, where the hash covers the
 * version and the revision's whole config, so a config-only change gives a new name instead of a
 * 409. Cloud Run requires the `<service>-` prefix.
 */
export function revisionName(service: string, version: string, config: unknown): string {
  const hash = shortHash(`${version}\n${stableJson(config)}`);
  const room = Math.max(1, 63 - service.length - hash.length - 2);
  // dnsLabel starts a version such as "1.2" with "x-"; the hash keeps cut labels apart.
  const label = dnsLabel(version, 63).slice(0, room).replace(/-+$/, "");
  return `${service}-${label}-${hash}`;
}

/** JSON with sorted keys, so equal configs hash alike whatever order their keys were built in. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The ledger in a service's annotations; undefined when absent or not one (then nothing is known). */
export function parseLedger(
  annotations: Readonly<Record<string, string>> | undefined,
): RevisionLedger | undefined {
  const text = annotations?.[LEDGER_ANNOTATION];
  if (typeof text !== "string") return undefined;
  try {
    const raw = JSON.parse(text) as Partial<RevisionLedger>;
    const strings = (o: unknown) =>
      typeof o === "object" && o !== null && Object.values(o).every((v) => typeof v === "string");
    if (
      raw?.v !== 1 ||
      typeof raw.template?.version !== "string" ||
      typeof raw.template.revision !== "string" ||
      !strings(raw.revisions) ||
      !Array.isArray(raw.created) ||
      !raw.created.every((c) => typeof c === "string")
    )
      return undefined;
    return raw as RevisionLedger;
  } catch {
    return undefined;
  }
}

/** What {@link planRevisions} decides from. */
export interface RevisionPlanInput {
  /** Versions that get traffic targets (stable, candidate; both colours). */
  readonly live: readonly string[];
  /** The version the traffic state would build: the candidate, else stable. */
  readonly proposed: string;
  /** The revision name of a version with the config declared now. */
  readonly nameFor: (version: string) => string;
  /** What the live service says it created. @default nothing: a first deploy */
  readonly ledger?: RevisionLedger;
}

/** Which revision the template holds and which revision serves each live version. */
export interface RevisionPlan {
  readonly templateVersion: string;
  readonly templateRevision: string;
  /** True when the template stays where it was because the proposed revision already exists. */
  readonly kept: boolean;
  /** Revision of each live version. */
  readonly revisions: Readonly<Record<string, string>>;
  /** The ledger to write back on the service. */
  readonly ledger: RevisionLedger;
}

/**
 * Decides the template and the revisions. The template moves to the proposed version's revision
 * unless that revision already exists (a revert, a blue-green switch, a rollback): then it stays
 * on the version it holds, rebuilt with today's config (the same name when the config did not
 * change, so nothing changes but traffic). A live version is served by the template's revision
 * when it is the template's version, else by the revision the ledger recorded for it (the one that
 * really exists, even if the config changed since), else by the name today's config gives it.
 */
export function planRevisions(input: RevisionPlanInput): RevisionPlan {
  const { ledger, proposed } = input;
  const proposedName = input.nameFor(proposed);
  // The template stays put only when the proposed revision exists and is not the template already.
  const held = ledger?.created.includes(proposedName) ? ledger.template : undefined;
  const kept = held !== undefined && held.revision !== proposedName;
  const templateVersion = kept ? held.version : proposed;
  const templateRevision = kept ? input.nameFor(templateVersion) : proposedName;
  const revisions: Record<string, string> = {};
  for (const version of input.live) {
    revisions[version] =
      version === templateVersion ? templateRevision : (ledger?.revisions[version] ?? input.nameFor(version));
  }
  const created = [...(ledger?.created ?? []).filter((c) => c !== templateRevision), templateRevision];
  return {
    templateVersion,
    templateRevision,
    kept,
    revisions,
    ledger: {
      v: 1,
      template: { version: templateVersion, revision: templateRevision },
      revisions: { ...ledger?.revisions, [templateVersion]: templateRevision },
      created: created.slice(-LEDGER_LIMIT),
    },
  };
}

/** One traffic target of a Cloud Run service. */
export interface TrafficTarget {
  readonly type: typeof REVISION_TARGET;
  readonly revision: string;
  readonly percent: number;
  readonly tag?: string;
}

function target(revision: string, percent: number, tag?: string): TrafficTarget {
  return { type: REVISION_TARGET, revision, percent, ...(tag ? { tag } : {}) };
}

/**
 * Canary (and rolling) targets: the stable revision gets `100 - weight`, the candidate `weight`
 * with the `candidate` tag (its URL is the preview). Both are listed even at 0 %, by name.
 */
export function canaryTargets(
  state: TrafficState,
  revisions: Readonly<Record<string, string>>,
): TrafficTarget[] {
  const stable = revisions[state.stableVersion] as string;
  if (state.candidateVersion === undefined) return [target(stable, 100)];
  const candidate = revisions[state.candidateVersion] as string;
  const weight = state.candidateWeight;
  return [target(stable, 100 - weight), target(candidate, weight, CANDIDATE_TAG)];
}

/** Blue-green targets: one per colour, tagged with it; the active colour gets 100 %. */
export function blueGreenTargets(
  colors: Readonly<Record<"blue" | "green", string>> & { readonly active: "blue" | "green" },
  revisions: Readonly<Record<string, string>>,
): TrafficTarget[] {
  return (["blue", "green"] as const).map((color) =>
    target(revisions[colors[color]] as string, color === colors.active ? 100 : 0, color),
  );
}
