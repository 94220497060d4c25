// The revision ledger: which revision each version runs on, and which version the app's template
// holds. A Container App has one template (the newest revision); the traffic state only names
// versions. Re-applying an older version's template under its old suffix fails or is silently
// ignored (microsoft/azure-container-apps#650), so the template must stay where it is unless the
// state brings a version (or a config) that has no revision yet. That needs memory of earlier
// deploys, which this ledger keeps in the stack's state (a dynamic resource, ledgerResource.ts).
// Pure and import-free: the dynamic provider loads this file in its own process.

/** What one deploy asks of the ledger. */
export interface LedgerInputs {
  /** Versions that need a revision in this state; the one a new template would run comes first. */
  readonly versions: readonly string[];
  /** The revision name each version gets with the template config of this deploy. */
  readonly names: Readonly<Record<string, string>>;
}

/** What the ledger remembers (its outputs). */
export interface LedgerState {
  /** The version the app's template runs. */
  readonly templateVersion: string;
  /** Revision name of each version deployed, including versions no longer in the state. */
  readonly revisions: Readonly<Record<string, string>>;
}

/** Versions remembered at most; the oldest names are forgotten first. */
export const LEDGER_LIMIT = 20;

/**
 * The ledger after a deploy. The template moves to the first version of the state only when
 * that version's revision name (version + config hash) is not one already deployed; otherwise it
 * stays on the version it holds, and the deploy changes traffic only. A version of the state gets
 * the revision it already has, else its name from this deploy.
 */
export function nextLedger(previous: LedgerState | undefined, inputs: LedgerInputs): LedgerState {
  const first = inputs.versions[0];
  if (first === undefined) throw new RangeError("the ledger needs at least one version");
  const before = previous?.revisions ?? {};
  const deployed = new Set(Object.values(before));
  const firstName = inputs.names[first] as string;
  const moves = previous === undefined || !deployed.has(firstName);
  const templateVersion = moves ? first : previous.templateVersion;
  const now: Record<string, string> = {};
  for (const v of inputs.versions) {
    const name = inputs.names[v] as string;
    // The template's own version runs on this deploy's revision; others keep theirs.
    now[v] = v === templateVersion ? name : (before[v] ?? name);
  }
  if (moves && inputs.names[templateVersion] !== undefined) now[templateVersion] = firstName;
  const merged = { ...now, ...Object.fromEntries(Object.entries(before).filter(([v]) => !(v in now))) };
  const kept = Object.entries(merged).slice(0, LEDGER_LIMIT);
  return { templateVersion, revisions: Object.fromEntries(kept) };
}
