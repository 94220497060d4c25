// Feature flags in the driver. A FeatureFlag registers the same release contract as a service, its
// variants being the versions, so `release-flag` is a release (same plan, checks, revert, journal,
// history, reports and notifications) of the variant to roll out. `flag off` is the kill switch:
// the store is rewritten to 0 % at once (the revert brake, measured), then the state is recorded
// like a revert: a running release is aborted through its own driver, otherwise the traffic entry
// goes to 0 % with `up` and the history gets a release that ended "aborted".
import * as os from "node:os";
import * as path from "node:path";
import type { RouterDescriptor, TrafficState } from "../../components/core";
import { FLAG_ROUTER_KINDS } from "../../components/core/descriptors";
import { HISTORY_FORMAT, newReleaseId } from "../history";
import { brakesBeforeStackOpens, routerControl } from "../platforms";
import type { BrakeResult, RouterReading } from "../routers/types";
import { readDocument, writeDocument } from "../store/documents";
import { flagIndexKey } from "../store/layout";
import { describeHolder } from "../store/leases";
import { CONFLICT } from "../store/object-store";
import type { ReleaseStore } from "../store/release-store";
import { abortCommand, type CommandOptions, openTarget, releaseCommand } from "./commands";
import { ReleaseError } from "./errors";
import { currentOwner, isOpen, type Journal } from "./journal";
import { buildPlan } from "./plan";
import { type ReleaseResult, ReleaseRun, type ReleaseTarget } from "./release";
import { controlOf, currentTraffic } from "./release-plan";
import { stackSettingsDocument } from "./settings-file";
import type { StackService, StackTarget } from "./stack";
import { chooseStore, openStore } from "./state";
import { projectName } from "./workspace";

export { FLAG_ROUTER_KINDS };

/**
 * What the kill switch needs to act before the stack is opened (opening it runs pulumi, which takes
 * seconds): the flag's store and its variants, as of the driver's last look. Kept in the release
 * store at `flags/<project>/<stack>/<flag>.json`; only flag stores that need no credentials (the
 * local flag file) are braked from it, the others once the stack is open.
 */
export interface FlagIndex {
  readonly router: RouterDescriptor;
  readonly traffic: TrafficState;
  /** The flag's off variant (see {@link killTarget}). @default unset: written by an older driver */
  readonly offVariant?: string;
  readonly updatedAt: string;
}

/**
 * What the kill switch gives everyone: with a variant being rolled out, the stable one (the
 * rollout's share to 0 %); once a variant was promoted, the flag's off variant (the variant of its
 * first deploy). Undefined when everyone already gets that variant; throws when a promoted flag
 * names no off variant.
 */
export function killTarget(
  flag: string,
  current: TrafficState,
  offVariant: string | undefined,
): { readonly traffic: TrafficState; readonly killed: string } | undefined {
  if (current.candidateVersion !== undefined && current.candidateWeight > 0)
    return {
      traffic: { stableVersion: current.stableVersion, candidateWeight: 0 },
      killed: current.candidateVersion,
    };
  if (offVariant === undefined)
    throw new ReleaseError(
      "usage",
      `flag ${flag} serves ${current.stableVersion} to everyone and names no off variant to go back to; deploy it again with this version of the package (the off variant is the first deploy's version or defaultVariant), or roll back with progressive rollback --service ${flag}`,
    );
  if (current.stableVersion === offVariant) return undefined;
  return { traffic: { stableVersion: offVariant, candidateWeight: 0 }, killed: current.stableVersion };
}

function parseIndex(v: unknown): FlagIndex | undefined {
  const i = v as FlagIndex | undefined;
  return i && typeof i.router === "object" && typeof i.traffic?.stableVersion === "string" ? i : undefined;
}

async function readFlagIndex(store: ReleaseStore, key: string): Promise<FlagIndex | undefined> {
  try {
    return (await readDocument(store.objects, key, parseIndex))?.value;
  } catch {
    return undefined;
  }
}

async function writeFlagIndex(
  store: ReleaseStore,
  key: string,
  service: StackService,
  traffic: TrafficState,
): Promise<void> {
  const offVariant = service.release.flag?.offVariant;
  const index: FlagIndex = {
    router: service.release.router,
    traffic,
    ...(offVariant !== undefined ? { offVariant } : {}),
    updatedAt: new Date().toISOString(),
  };
  // Only a cache for the kill switch's first write; the switch still works without it (slower).
  await writeDocument(store.objects, key, index, undefined).catch(() => undefined);
}

/** Whether a service of the stack is a FeatureFlag. */
export function isFlag(service: StackService): boolean {
  const r = service.release;
  return r.flag !== undefined || (FLAG_ROUTER_KINDS as readonly string[]).includes(r.router?.kind);
}

/** Opens the stack and the flag `flag` (a FeatureFlag component's name); refuses a service. */
export async function openFlag(
  target: StackTarget,
  flag: string,
  o: CommandOptions = {},
): Promise<ReleaseTarget> {
  const t = await openTarget({ ...target, service: flag }, o);
  if (!isFlag(t.service)) {
    throw new ReleaseError(
      "usage",
      `${flag} in stack ${t.stack.name} is a ${t.service.release.type}, not a FeatureFlag; release it with progressive release`,
    );
  }
  return t;
}

/** The variant to roll out: `variant`, else the flag's `rolloutVariant`. */
export function rolloutVariantOf(service: StackService, variant: string | undefined): string {
  const info = service.release.flag;
  const chosen = variant ?? info?.rolloutVariant;
  const name = service.release.name;
  if (chosen === undefined) {
    throw new ReleaseError(
      "usage",
      `flag ${name} names no rolloutVariant and has more than two variants; pass --variant <one of ${Object.keys(info?.variants ?? {}).join(", ")}>`,
    );
  }
  if (info && !Object.hasOwn(info.variants, chosen)) {
    throw new ReleaseError(
      "usage",
      `flag ${name} has no variant ${chosen}; its variants are ${Object.keys(info.variants).join(", ")}`,
    );
  }
  return chosen;
}

/**
 * Rolls a flag's variant out like a canary release: the strategy's steps (default 5, 10, 25, 50,
 * 100 %), an analysis comparing the variants after each, promotion (the variant becomes the
 * default) or revert to 0 %.
 */
export async function releaseFlagCommand(
  target: StackTarget,
  flag: string,
  o: CommandOptions & { readonly variant?: string } = {},
): Promise<ReleaseResult> {
  const t = await openFlag(target, flag, o);
  const variant = rolloutVariantOf(t.service, o.variant);
  const index = flagIndexKey(t.stack.project, t.stack.name, flag);
  // The variant being rolled out is what a kill switch must take away, even mid-step.
  const current = await currentTraffic(t);
  await writeFlagIndex(t.state.store, index, t.service, {
    ...current,
    candidateVersion: variant,
    candidateWeight: 100,
  });
  const result = await releaseCommand({ ...target, service: flag }, variant, o);
  await writeFlagIndex(t.state.store, index, t.service, result.traffic);
  return result;
}

/** What the kill switch did. */
export interface FlagOffResult {
  readonly flag: string;
  /** The variant everyone gets now. */
  readonly variant: string;
  /** The variant taken away (rolled out or promoted); unset when there was none. */
  readonly killed?: string;
  /** The store rewritten to 0 % and read back (the brake), or why not. */
  readonly brake: BrakeResult;
  /** From the command's start to the brake read back, in milliseconds. */
  readonly brakeMs: number;
  /** The store read after the brake. */
  readonly reading: RouterReading;
  /** How the state was recorded: the aborted release, or the kill recorded as its own release. */
  readonly result?: ReleaseResult;
  /** Set when everyone already got the off variant and no release was open: nothing to record. */
  readonly alreadyOff?: boolean;
}

/**
 * The kill switch: the flag's store to 0 % at once (brake), then the state recorded. A release in
 * progress (or cut short) is aborted, which reverts through its journal; otherwise the flag's
 * traffic entry is set to 0 % with `up`, journaled and recorded in the history as aborted.
 */
export async function flagOffCommand(
  target: StackTarget,
  flag: string,
  o: CommandOptions = {},
): Promise<FlagOffResult> {
  const started = performance.now();
  const index = await fastIndex(target, flag, o);
  let brake: BrakeResult | undefined;
  let brakeMs = 0;
  const fromIndex = index && safeKillTarget(flag, index.traffic, index.offVariant);
  if (index && brakesBeforeStackOpens(index.router.kind) && fromIndex) {
    // The fast path (a flag file): rewritten before pulumi is even started.
    brake = await routerControl(index.router, {}).sendAllToStable(
      fromIndex.traffic,
      fromIndex.killed,
      o.signal,
    );
    brakeMs = performance.now() - started;
  }
  const t = await openFlag(target, flag, o);
  const control = controlOf(t);
  const journal = (await t.state.journal(flag))?.journal;
  const current = await currentTraffic(t);
  // A rollout in progress (or cut short) goes back to where it started, whatever step it is at.
  const kill = isOpen(journal)
    ? {
        traffic: { stableVersion: journal.lastGood.stableVersion, candidateWeight: 0 },
        killed: journal.version,
      }
    : killTarget(flag, current, t.service.release.flag?.offVariant);
  const indexPath = flagIndexKey(t.stack.project, t.stack.name, flag);
  const store = t.state.store;
  const actor = o.actor ?? process.env.USER ?? os.userInfo().username;
  if (!kill) {
    const reading = await control.read(current, o.signal);
    return {
      flag,
      variant: current.stableVersion,
      brake: { applied: true },
      brakeMs: 0,
      reading,
      alreadyOff: true,
    };
  }
  if (!brake?.applied || fromIndex?.traffic.stableVersion !== kill.traffic.stableVersion) {
    brake = await control.sendAllToStable(kill.traffic, kill.killed, o.signal);
    brakeMs = performance.now() - started;
  }
  const reading = await control.read(kill.traffic, o.signal);
  await writeFlagIndex(store, indexPath, t.service, kill.traffic);
  o.onEvent?.({
    type: "log",
    level: brake.applied ? "info" : "warn",
    message: brake.applied
      ? `flag ${flag}: everyone gets ${kill.traffic.stableVersion} (store written and read back) ${Math.round(brakeMs)} ms after the kill switch started; recording it`
      : `flag ${flag}: the store could not be rewritten at once (${brake.reason}); the up gives everyone ${kill.traffic.stableVersion}`,
    at: new Date(),
    releaseId: "flag-off",
  });
  const base = { flag, variant: kill.traffic.stableVersion, killed: kill.killed, brake, brakeMs, reading };
  if (isOpen(journal)) {
    const result = await abortCommand({ ...target, service: flag }, { ...o, actor });
    await writeFlagIndex(store, indexPath, t.service, result.traffic);
    return { ...base, result };
  }
  const result = await recordKill(t, current, kill, actor, o);
  await writeFlagIndex(store, indexPath, t.service, result.traffic);
  return { ...base, result };
}

/**
 * The flag's index before the stack is opened: from the store the options, the environment or the
 * stack's settings file name (read as a file, without pulumi), else the default folder. Undefined
 * when that store or index cannot be read: the slow path then does the work.
 */
async function fastIndex(
  target: StackTarget,
  flag: string,
  o: CommandOptions,
): Promise<FlagIndex | undefined> {
  try {
    const workDir = path.resolve(target.workDir ?? process.cwd());
    const project = projectName(workDir);
    const settings = stackSettingsDocument(workDir, target.stackName)?.doc.getIn([
      "config",
      "progressive:stateStore",
    ]);
    const choice = chooseStore(
      o,
      typeof settings === "string" ? { stateStore: settings } : {},
      process.env.PULUMI_BACKEND_URL,
    );
    const store = await openStore(choice);
    return await readFlagIndex(store, flagIndexKey(project, target.stackName, flag));
  } catch {
    return undefined; // openFlag below says what is wrong with the folder or the store
  }
}

/** {@link killTarget} for the fast path, where a flag without an off variant is left to the slow path. */
function safeKillTarget(flag: string, traffic: TrafficState, offVariant: string | undefined) {
  try {
    return killTarget(flag, traffic, offVariant);
  } catch {
    return undefined;
  }
}

/**
 * Records a kill with no release open: a journaled release of the killed variant (the one rolled
 * out, or the one promoted) reverted at once to the kill's target, as an abort is recorded.
 */
async function recordKill(
  t: ReleaseTarget,
  current: TrafficState,
  kill: { readonly traffic: TrafficState; readonly killed: string },
  actor: string,
  o: CommandOptions,
): Promise<ReleaseResult> {
  const name = t.service.release.name;
  const got = await t.state.take(t.state.serviceLease(name), `a flag kill switch on ${name}`);
  if ("heldBy" in got) {
    throw new ReleaseError(
      "inProgress",
      `the flag's store gives everyone ${kill.traffic.stableVersion}, but ${name} is held by ${describeHolder(got.heldBy.holder)}; run progressive abort --service ${name} once it is done so the stack records it`,
    );
  }
  const lock = got.lease;
  try {
    const candidate = kill.killed;
    const lastGood: TrafficState = kill.traffic;
    const plan = buildPlan(`${t.stack.name}/${name}`, t.service.release.strategy, lastGood, candidate);
    const now = new Date();
    const journal: Journal = {
      v: 1,
      releaseId: newReleaseId(now),
      project: t.stack.project,
      stack: t.stack.name,
      service: name,
      version: candidate,
      previousVersion: lastGood.stableVersion,
      strategy: "canary",
      actor,
      phase: "stepping",
      stepIndex: plan.actions.length,
      lastGood,
      applied: current,
      owner: currentOwner(),
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const previous = await t.state.journal(name);
    const version = await t.state.writeJournal(journal, previous?.version ?? null);
    if (version === CONFLICT)
      throw new ReleaseError(
        "inProgress",
        `the journal of ${name} changed while the kill switch recorded it; run progressive status`,
      );
    await t.state.store.history.append({
      v: HISTORY_FORMAT,
      type: "started",
      releaseId: journal.releaseId,
      stack: t.stack.key,
      service: name,
      version: candidate,
      previousVersion: lastGood.stableVersion,
      actor,
      strategy: "canary",
      at: now.toISOString(),
    });
    const run = new ReleaseRun(t, plan, o, { resumed: { journal, version }, lease: lock });
    // The same recipe as an abort: brake (already done, idempotent), 0 % recorded, candidate removed.
    return await run.revert(`aborted by ${actor}: flag off (kill switch)`, now);
  } finally {
    await lock.release();
  }
}
