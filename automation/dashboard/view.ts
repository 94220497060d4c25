// What the page shows, as data: built from what `progressive status` computes (statusCommand), the
// journal of each service's release and the release history. Pure: the watcher gathers the inputs,
// these functions shape them, unit tests hold them to tables.
import type { ResolvedStrategy } from "../../components/core";
import type { StatusReport } from "../driver/commands";
import { isOpen, type Journal, type ReleasePhase } from "../driver/journal";
import { buildPlan, type PlanAction } from "../driver/plan";
import type { HistorySummary, Release } from "../history";
import { buildReport, renderReportChart } from "../report";

/** One step of a live release's plan, with where the release stands. */
export interface PlanStepView {
  readonly index: number;
  readonly kind: PlanAction["kind"];
  readonly text: string;
  /** done: run; current: where the release is; next: not reached yet; skipped: the release ended before it. */
  readonly state: "done" | "current" | "next" | "skipped";
  /** How long it took (done steps), milliseconds. */
  readonly durationMs?: number;
}

/** Something that happened to a release, in the order it happened. */
export interface EventView {
  readonly at: string;
  readonly text: string;
}

/** A release in progress (or the last one, until it is out of history's newest). */
export interface LiveView {
  readonly service: string;
  readonly releaseId: string;
  readonly version: string;
  readonly previousVersion: string;
  readonly strategy: string;
  readonly phase: ReleasePhase;
  readonly open: boolean;
  /** The candidate's weight the journal last recorded (applied, else intended). */
  readonly weight: number;
  readonly reason?: string;
  /** The journal's time of the first revert record the watcher saw (phase reverting or reverted). */
  readonly revertSeenAt?: string;
  readonly plan: readonly PlanStepView[];
  readonly events: readonly EventView[];
  /** The report's SVG chart of weight and error rate (automation/report), inline. */
  readonly chart: string;
}

/** One row of the history table. */
export interface HistoryRow {
  readonly id: string;
  readonly service?: string;
  readonly version: string;
  readonly outcome: Release["outcome"];
  readonly startedAt: string;
  readonly durationMs?: number;
  readonly timeToRevertMs?: number;
  readonly reason?: string;
}

/** A stack as the page shows it; `error` when it could not be read (the rest is what was last read). */
export interface StackView {
  readonly stack: string;
  readonly error?: { readonly kind: string; readonly message: string };
  readonly status?: StatusReport;
  readonly live: readonly LiveView[];
  readonly history: { readonly releases: readonly HistoryRow[]; readonly summary?: HistorySummary };
}

/** Everything the page shows. */
export interface DashboardState {
  readonly generatedAt: string;
  readonly readOnly: boolean;
  readonly stacks: readonly StackView[];
}

const ms = (a: string, b: string) => Math.max(0, Date.parse(b) - Date.parse(a));

/** An action of the plan, in words. */
export function describeAction(a: PlanAction): string {
  switch (a.kind) {
    case "deploy":
    case "promote":
      return a.description;
    case "setWeight":
      return `set weight ${a.weight}%`;
    case "pause":
      return a.seconds === undefined ? "pause for a decision" : `pause ${a.seconds} s`;
    case "analysis":
      return `analysis: ${a.checks.map((c) => c.name).join(", ") || "no checks"}`;
    case "switch":
      return "switch traffic to the new colour";
    case "scaleDown":
      return `scale the old version down after ${a.afterSeconds} s`;
  }
}

/** The plan of a journal's release, each step marked done, current or next. */
export function planSteps(
  journal: Journal,
  strategy: ResolvedStrategy | undefined,
  release: Release | undefined,
): PlanStepView[] {
  if (!strategy) return [];
  let actions: readonly PlanAction[];
  try {
    actions = buildPlan(
      `${journal.stack}/${journal.service}`,
      strategy,
      journal.lastGood,
      journal.version,
    ).actions;
  } catch {
    return []; // a plan that cannot be rebuilt (the strategy changed since): the events still tell
  }
  const took = new Map(release?.steps.map((s) => [s.index, ms(s.startedAt, s.endedAt)]) ?? []);
  // A release paused for a decision has moved past its pause step: that step is where it waits.
  const current = journal.phase === "paused" ? journal.stepIndex - 1 : journal.stepIndex;
  const open = isOpen(journal);
  // An ended release ran the steps history recorded (the failed one too) and skipped the rest.
  const ended = (index: number) =>
    journal.phase === "succeeded" || index < current || took.has(index) ? "done" : "skipped";
  return actions.map((a, index) => {
    const durationMs = took.get(index);
    return {
      index,
      kind: a.kind,
      text: describeAction(a),
      state: !open ? ended(index) : index < current ? "done" : index === current ? "current" : "next",
      ...(durationMs !== undefined ? { durationMs } : {}),
    };
  });
}

/** A release's events from its history records and the phases the watcher saw, oldest first. */
export function eventsOf(release: Release | undefined, phases: readonly EventView[]): EventView[] {
  const out: EventView[] = [...phases];
  if (release) {
    out.push({
      at: release.startedAt,
      text: `started by ${release.actor}: ${release.version} after ${release.previousVersion ?? "nothing"}`,
    });
    for (const s of release.steps) {
      for (const c of s.checks)
        out.push({
          at: c.at ?? s.endedAt,
          text: `check ${c.name}: ${c.value ?? "no value"}${c.condition ? ` (${c.condition})` : ""} ${c.outcome}${c.reason ? `: ${c.reason}` : ""}`,
        });
      const weight =
        s.weight === undefined ? "" : ` at ${s.weight}%${s.verified === false ? " (unverified)" : ""}`;
      out.push({
        at: s.endedAt,
        text: `step ${s.index} ${s.action}${weight}: ${s.outcome} in ${ms(s.startedAt, s.endedAt)} ms${s.note ? ` (${s.note})` : ""}`,
      });
    }
    if (release.finishedAt)
      out.push({
        at: release.finishedAt,
        text: `${release.outcome}${release.reason ? `: ${release.reason}` : ""}${release.timeToRevertMs !== undefined ? ` (time to revert ${release.timeToRevertMs} ms)` : ""}`,
      });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** The live view of a service's journal and its release in history. */
export function liveView(
  journal: Journal,
  release: Release | undefined,
  strategy: ResolvedStrategy | undefined,
  seen: { readonly phases: readonly EventView[]; readonly revertSeenAt?: string },
): LiveView {
  const weight = (journal.applied ?? journal.intended ?? journal.lastGood).candidateWeight;
  return {
    service: journal.service,
    releaseId: journal.releaseId,
    version: journal.version,
    previousVersion: journal.previousVersion,
    strategy: journal.strategy,
    phase: journal.phase,
    open: isOpen(journal),
    weight,
    ...(journal.reason ? { reason: journal.reason } : {}),
    ...(seen.revertSeenAt ? { revertSeenAt: seen.revertSeenAt } : {}),
    plan: planSteps(journal, strategy, release),
    events: eventsOf(release, seen.phases),
    chart: release
      ? renderReportChart(buildReport(release), { width: 560, height: 240, title: `${journal.version}` })
      : "",
  };
}

/** The history table's rows, newest first. */
export function historyRows(releases: readonly Release[], limit = 20): HistoryRow[] {
  return releases.slice(0, limit).map((r) => ({
    id: r.id,
    ...(r.service !== undefined ? { service: r.service } : {}),
    version: r.version,
    outcome: r.outcome,
    startedAt: r.startedAt,
    ...(r.finishedAt ? { durationMs: ms(r.startedAt, r.finishedAt) } : {}),
    ...(r.timeToRevertMs !== undefined ? { timeToRevertMs: r.timeToRevertMs } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  }));
}
