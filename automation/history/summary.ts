// Figures over a release history: success rate, mean time to revert, releases per day.
import type { Release } from "./records";

/** Figures over the releases started in a period. */
export interface HistorySummary {
  /** Releases started in the period. */
  readonly releases: number;
  readonly promoted: number;
  readonly reverted: number;
  readonly failed: number;
  readonly aborted: number;
  /** Without a `finished` record (crashed or still running). */
  readonly unfinished: number;
  /** promoted / (promoted + reverted + failed), 0..1; undefined when none of those ended. Aborts are not judged. */
  readonly successRate: number | undefined;
  /** Mean of `timeToRevertMs` over reverted releases that recorded it; undefined when none did. */
  readonly meanTimeToRevertMs: number | undefined;
  /** Releases / days covered: from the first release in the period to now, at least 1 day, at most the period. */
  readonly releasesPerDay: number;
  /** Length of the period in days. */
  readonly periodDays: number;
}

/** Options of {@link summarize}. */
export interface SummaryOptions {
  /** End of the period. @default now */
  readonly now?: Date;
  /** Length of the period in days. @default 30 */
  readonly periodDays?: number;
}

const DAY_MS = 86_400_000;

/** Computes the figures over the releases started in the `periodDays` before `now`. */
export function summarize(releases: readonly Release[], opts: SummaryOptions = {}): HistorySummary {
  const now = (opts.now ?? new Date()).getTime();
  const periodDays = opts.periodDays ?? 30;
  if (!(periodDays > 0)) throw new RangeError(`periodDays (${periodDays}) must be more than 0; use e.g. 30`);
  const from = now - periodDays * DAY_MS;
  const inPeriod = releases.filter((r) => {
    const t = Date.parse(r.startedAt);
    return t >= from && t <= now;
  });
  const count = (o: Release["outcome"]) => inPeriod.filter((r) => r.outcome === o).length;
  const promoted = count("promoted");
  const reverted = count("reverted");
  const failed = count("failed");
  const judged = promoted + reverted + failed;
  const ttr = inPeriod
    .filter((r) => r.outcome === "reverted" && typeof r.timeToRevertMs === "number")
    .map((r) => r.timeToRevertMs as number);
  const first = Math.min(...inPeriod.map((r) => Date.parse(r.startedAt)));
  const spanDays =
    inPeriod.length === 0 ? periodDays : Math.min(periodDays, Math.max(1, (now - first) / DAY_MS));
  return {
    releases: inPeriod.length,
    promoted,
    reverted,
    failed,
    aborted: count("aborted"),
    unfinished: count("unfinished"),
    successRate: judged === 0 ? undefined : promoted / judged,
    meanTimeToRevertMs: ttr.length === 0 ? undefined : ttr.reduce((a, b) => a + b, 0) / ttr.length,
    releasesPerDay: inPeriod.length / spanDays,
    periodDays,
  };
}
