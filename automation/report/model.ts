// The release report as data: built from a history Release, rendered as JSON as is, and as
// Markdown and an SVG chart by the renderers next to this file.
import type { CheckOutcome, Release, StepRecord } from "../history/records";

/** Schema tag of the JSON report. */
export const REPORT_SCHEMA = "progressive-delivery/release-report@1";

/** A point of a time series: ISO time and value. */
export interface SeriesPoint {
  readonly t: string;
  readonly v: number;
}

/** One step in the report. */
export interface ReportStep
  extends Pick<
    StepRecord,
    "index" | "action" | "weight" | "verified" | "startedAt" | "endedAt" | "note" | "checks"
  > {
  readonly durationMs: number;
  readonly outcome: string;
}

/** The JSON report. */
export interface ReleaseReport {
  readonly schema: typeof REPORT_SCHEMA;
  /** When the report was made, ISO 8601. */
  readonly generatedAt: string;
  /** The release without its steps, plus its duration when finished. */
  readonly release: Omit<Release, "steps"> & { readonly durationMs?: number };
  readonly steps: readonly ReportStep[];
  readonly figures: {
    readonly steps: number;
    /** Highest candidate weight reached, percent. */
    readonly maxWeight: number;
    readonly checks: number;
    readonly checksByOutcome: Readonly<Record<CheckOutcome, number>>;
  };
  /** Series for the chart: candidate weight (percent) and error rate (fraction 0..1). */
  readonly series: { readonly weight: readonly SeriesPoint[]; readonly errorRate: readonly SeriesPoint[] };
}

/** Options of {@link buildReport}. */
export interface ReportOptions {
  /** Name of the check whose values form the error-rate series. @default "error-rate" */
  readonly errorRateCheck?: string;
  /** Time of the report. @default now */
  readonly now?: Date;
}

const ms = (a: string, b: string) => Math.max(0, Date.parse(b) - Date.parse(a));

/** Builds the report of a release (pure). */
export function buildReport(release: Release, opts: ReportOptions = {}): ReleaseReport {
  const errorRateCheck = opts.errorRateCheck ?? "error-rate";
  const { steps, ...rest } = release;
  const byOutcome: Record<CheckOutcome, number> = { Successful: 0, Failed: 0, Inconclusive: 0, Error: 0 };
  const weight: SeriesPoint[] = [{ t: release.startedAt, v: 0 }];
  const errorRate: SeriesPoint[] = [];
  let current = 0;
  let maxWeight = 0;
  for (const s of steps) {
    for (const c of s.checks) {
      byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
      if (c.name === errorRateCheck && typeof c.value === "number" && Number.isFinite(c.value)) {
        errorRate.push({ t: c.at ?? s.endedAt, v: c.value });
      }
    }
    if (typeof s.weight === "number") {
      if (s.weight !== current) weight.push({ t: s.startedAt, v: s.weight });
      current = s.weight;
      maxWeight = Math.max(maxWeight, s.weight);
    }
  }
  const end = release.finishedAt ?? steps[steps.length - 1]?.endedAt;
  if (end) weight.push({ t: end, v: current });
  return {
    schema: REPORT_SCHEMA,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    release: release.finishedAt ? { ...rest, durationMs: ms(release.startedAt, release.finishedAt) } : rest,
    steps: steps.map((s) => ({
      index: s.index,
      action: s.action,
      ...(s.weight !== undefined ? { weight: s.weight } : {}),
      ...(s.verified !== undefined ? { verified: s.verified } : {}),
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      durationMs: ms(s.startedAt, s.endedAt),
      outcome: s.outcome,
      ...(s.note !== undefined ? { note: s.note } : {}),
      checks: s.checks,
    })),
    figures: {
      steps: steps.length,
      maxWeight,
      checks: steps.reduce((n, s) => n + s.checks.length, 0),
      checksByOutcome: byOutcome,
    },
    series: { weight, errorRate: errorRate.sort((a, b) => Date.parse(a.t) - Date.parse(b.t)) },
  };
}

/** The JSON text of a report (2-space indent, trailing newline). */
export function renderJson(report: ReleaseReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `1m 05s`, `4.2 s`, `850 ms`. */
export function formatDuration(msValue: number): string {
  if (msValue < 1000) return `${Math.round(msValue)} ms`;
  if (msValue < 60_000) return `${(msValue / 1000).toFixed(1)} s`;
  const totalS = Math.round(msValue / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, "0")}m` : `${m}m ${String(s).padStart(2, "0")}s`;
}
