// One readable line per driver event: what the CLI prints and what the MCP server sends as progress.
import type { DriverEvent } from "../driver/events";
import { formatDuration } from "../report";

function bar(weight: number): string {
  const n = Math.round(weight / 10);
  return `${"█".repeat(n)}${"░".repeat(10 - n)}`;
}

/** One readable line (or a few) per event. */
export function formatEvent(e: DriverEvent): string | undefined {
  switch (e.type) {
    case "preflight":
      return `  ${e.ok ? "✓" : "✗"} preflight ${e.check}: ${e.detail}`;
    case "releaseStarted":
      return `▶ release ${e.version} (${e.strategy}), replacing ${e.from ?? "nothing"} [${e.releaseId}]`;
    case "hook":
      return `  ${e.ok ? "✓" : "✗"} hook ${e.name}: ${e.detail}`;
    case "stepStarted":
      return `  [${e.index + 1}/${e.total}] ${e.description}`;
    case "trafficApplying":
      return undefined;
    case "trafficApplied": {
      const t = e.traffic;
      const w = e.effectiveWeight;
      const cand = t.candidateVersion ? ` | ${t.candidateVersion} ${String(w).padStart(3)}% ${bar(w)}` : "";
      const colour = t.activeColor ? ` (active: ${t.activeColor})` : "";
      return `        traffic: ${t.stableVersion} ${String(100 - w).padStart(3)}% ${bar(100 - w)}${cand}${colour}  ${e.verified ? "verified (read back from the router)" : `unverified (${e.unverifiedReason ?? "the router cannot be read"})`} in ${formatDuration(e.durationMs)}`;
    }
    case "checkResult": {
      const m = e.measurement;
      const v = m.value === undefined ? "no value" : Number(m.value.toPrecision(4)).toString();
      const b = m.baseline === undefined ? "" : ` (stable ${Number(m.baseline.toPrecision(4))})`;
      // A sequential check's polls are Inconclusive until it decides: not a failure.
      const mark = m.outcome === "Successful" ? "✓" : m.outcome === "Inconclusive" ? "…" : "✗";
      return `        ${mark} ${m.check}: ${v}${b}${m.condition ? ` ${m.condition}` : ""} → ${m.outcome}${m.outcome === "Successful" ? "" : `: ${m.reason}`}`;
    }
    case "analysisDone":
      return `        analysis ${e.outcome}: ${e.reason}`;
    case "paused":
      return e.until
        ? `        paused until ${e.until.toISOString()}`
        : "  ⏸ paused: run `progressive promote` to go on or `progressive abort` to revert";
    case "promoted":
      return `✔ promoted ${e.version}`;
    case "reverting":
      return `↩ reverting: ${e.reason}`;
    case "reverted":
      return e.verified
        ? `↩ reverted in ${formatDuration(e.timeToRevertMs)} (first failed check to all traffic on stable, read back from the router)`
        : `↩ reverted in ${formatDuration(e.timeToRevertMs)} (first failed check to all traffic on stable; unverified: ${e.unverifiedReason ?? "the router cannot be read"})`;
    case "failed":
      return `✗ failed: ${e.reason}`;
    case "log":
      return `  ${e.level === "warn" ? "!" : "·"} ${e.message}`;
    case "load":
      return e.phase === "started"
        ? `        load: GET ${e.url} at ${e.ratePerSecond} requests/s (at most ${e.concurrency} in flight, ${e.maxRequests} per analysis)`
        : `        load: ${e.sent} requests, ${e.failed} failed${e.skipped > 0 ? `, ${e.skipped} skipped (all in flight)` : ""}${e.stoppedBy === "analysis" ? "" : ` (stopped: ${e.stoppedBy})`}`;
  }
}
