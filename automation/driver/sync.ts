// `progressive sync`: the program's declared versions are the desired state. For every service of
// the stack whose declared `version` is not the one running (its traffic entry), release the
// declared version through the usual plan, checks and revert. The command a CI job runs on every
// push: nothing to do is a clean no-op, and a declared version that was reverted is not tried
// again on the next push (the loop Argo Rollouts users know, argo-rollouts#1259) until the
// operator asks (`retry`) or the program declares another version.
import type { Release as HistoryRelease } from "../history";
import { type CommandOptions, openState, releaseCommand } from "./commands";
import { classifyError, type ReleaseError } from "./errors";
import { isOpen } from "./journal";
import type { ReleaseResult, ReleaseTarget } from "./release";
import { currentTraffic } from "./release-plan";
import { StackHandle, type StackTarget } from "./stack";
import type { ProgramRelease } from "./stack-state";

/** What sync decided for one service, and what came of it. */
export type SyncItem = {
  /** The component's Pulumi name. */
  readonly service: string;
  /** The version running (its traffic entry's stable version). */
  readonly running: string;
  /** The version the program declares; unset when it declares none. */
  readonly declared?: string;
} & (
  | { readonly action: "upToDate" | "undeclared" }
  /** A release of this service is open (running, paused, cut short): sync leaves it alone. */
  | { readonly action: "inProgress"; readonly releaseId: string; readonly phase: string }
  /** The declared version's last release was reverted or aborted: not tried again without `retry`. */
  | {
      readonly action: "skippedReverted";
      readonly releaseId: string;
      readonly at: string;
      readonly reason: string;
    }
  | { readonly action: "released"; readonly result: ReleaseResult }
  | { readonly action: "error"; readonly error: ReleaseError }
);

export interface SyncResult {
  readonly stack: string;
  readonly items: readonly SyncItem[];
}

export interface SyncOptions extends CommandOptions {
  /** Release a declared version again although its last release was reverted. @default false */
  readonly retry?: boolean;
  /** Called before each release sync starts, with the service and version. */
  readonly onRelease?: (service: string, version: string) => void;
}

/**
 * The declared version's newest release when it ended reverted or aborted and nothing was
 * released on the service since: the reason sync does not try it again. Releases newest first.
 */
export function revertedDeclared(
  releases: readonly HistoryRelease[],
  service: string,
  declared: string,
): HistoryRelease | undefined {
  const newest = releases.find((r) => r.service === service && r.outcome !== "unfinished");
  if (!newest || newest.version !== declared) return undefined;
  return newest.outcome === "reverted" || newest.outcome === "aborted" ? newest : undefined;
}

/** Releases every declared version that does not run, one service after another. */
export async function syncCommand(target: StackTarget, o: SyncOptions = {}): Promise<SyncResult> {
  const stack = await StackHandle.open(target);
  const settings = await stack.settings();
  // The program as it is now (it may have been edited since the last `up`), else the state.
  const program = await stack.programReleases(o.onOutput);
  const services = (await stack.services()).filter(
    (s) => !s.release.flag && (target.service === undefined || s.release.name === target.service),
  );
  if (target.service !== undefined && services.length === 0) await stack.service(target.service);
  const state = await openState(stack, settings, o);
  const releases = await state.store.history.listReleases(stack.key);
  const items: SyncItem[] = [];
  for (const service of services) {
    const t: ReleaseTarget = { stack, settings, service, state };
    items.push(await syncOne(target, t, program.get(service.release.name), releases, o));
  }
  return { stack: stack.name, items };
}

async function syncOne(
  target: StackTarget,
  t: ReleaseTarget,
  inProgram: ProgramRelease | undefined,
  releases: readonly HistoryRelease[],
  o: SyncOptions,
): Promise<SyncItem> {
  const name = t.service.release.name;
  const running = (await currentTraffic(t)).stableVersion;
  const declared = inProgram ? inProgram.declaredVersion : t.service.release.declaredVersion;
  const base = { service: name, running, ...(declared !== undefined ? { declared } : {}) };
  if (declared === undefined) return { ...base, action: "undeclared" };
  const journal = (await t.state.journal(name))?.journal;
  if (isOpen(journal))
    return { ...base, action: "inProgress", releaseId: journal.releaseId, phase: journal.phase };
  if (declared === running) return { ...base, action: "upToDate" };
  const reverted = o.retry ? undefined : revertedDeclared(releases, name, declared);
  if (reverted)
    return {
      ...base,
      action: "skippedReverted",
      releaseId: reverted.id,
      at: reverted.finishedAt ?? reverted.startedAt,
      reason: reverted.reason ?? reverted.outcome,
    };
  o.onRelease?.(name, declared);
  try {
    const result = await releaseCommand({ ...target, service: name }, declared, o);
    return { ...base, action: "released", result };
  } catch (err) {
    return { ...base, action: "error", error: classifyError(err) };
  }
}

/**
 * The exit code of a sync: the worst of its releases (an error's own code, 3 for a revert), else 7
 * when a reverted declared version was skipped, else 0 (everything runs what the program declares,
 * or releases are paused or in progress).
 */
export function syncExitCode(r: SyncResult): number {
  let code = 0;
  const rank = (c: number) => (c === 0 ? 0 : c === 7 ? 1 : c === 3 ? 2 : 3);
  for (const item of r.items) {
    const c =
      item.action === "error"
        ? item.error.exitCode
        : item.action === "released"
          ? item.result.outcome === "reverted"
            ? 3
            : item.result.outcome === "failed"
              ? 6
              : 0
          : item.action === "skippedReverted"
            ? 7
            : 0;
    if (rank(c) > rank(code)) code = c;
  }
  return code;
}
