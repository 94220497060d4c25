// The release report as Markdown: summary table, steps, checks.
import { formatDuration, type ReleaseReport } from "./model";

/** Escapes a table cell: pipes, newlines, and leading/trailing spaces. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ").trim();
}

function formatValue(v: number | null): string {
  if (v === null) return "no value";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e6 || Math.abs(v) < 0.0001 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`),
  ];
}

/**
 * Renders the report. `chartFile`, when given, is linked as an image (e.g. the SVG written
 * next to the Markdown).
 */
export function renderMarkdown(report: ReleaseReport, chartFile?: string): string {
  const r = report.release;
  const subject = `${r.service ? `${r.service} ` : ""}${r.version}`;
  const out: string[] = [
    `# Release ${mdCell(r.id)}: ${mdCell(subject)} on ${mdCell(r.stack)}: ${r.outcome}`,
    "",
  ];
  const summary: Array<[string, string]> = [
    ["Stack", r.stack],
    ["Version", r.previousVersion ? `${r.version} (from ${r.previousVersion})` : r.version],
    ["Actor", r.actor],
  ];
  if (r.strategy) summary.push(["Strategy", r.strategy]);
  summary.push(["Started", r.startedAt]);
  summary.push([
    "Finished",
    r.finishedAt ? `${r.finishedAt} (${formatDuration(r.durationMs ?? 0)})` : "not finished",
  ]);
  summary.push(["Outcome", `**${r.outcome}**`]);
  if (r.reason) summary.push(["Reason", r.reason]);
  if (r.timeToRevertMs !== undefined) summary.push(["Time to revert", formatDuration(r.timeToRevertMs)]);
  summary.push(["Highest weight", `${report.figures.maxWeight}%`]);
  const c = report.figures.checksByOutcome;
  summary.push([
    "Checks",
    `${report.figures.checks} (${c.Successful} successful, ${c.Failed} failed, ${c.Inconclusive} inconclusive, ${c.Error} error)`,
  ]);
  out.push(...table(["", ""], summary), "");
  if (chartFile)
    out.push(
      `![Traffic weight and error rate](${chartFile.replace(/[()\s]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`)})`,
      "",
    );
  out.push("## Steps", "");
  if (report.steps.length === 0) out.push("No step was recorded.", "");
  else {
    const rows = report.steps.map((s) => [
      String(s.index + 1),
      s.note ? `${s.action}: ${s.note}` : s.action,
      s.weight === undefined
        ? ""
        : `${s.weight}%${s.verified === undefined ? "" : s.verified ? " (verified)" : " (unverified)"}`,
      s.startedAt,
      formatDuration(s.durationMs),
      s.outcome,
    ]);
    out.push(...table(["#", "Action", "Weight", "Started", "Duration", "Outcome"], rows), "");
  }
  const checks = report.steps.flatMap((s) => s.checks.map((ch) => ({ step: s.index + 1, ch })));
  out.push("## Checks", "");
  if (checks.length === 0) out.push("No check was recorded.", "");
  else {
    const rows = checks.map(({ step, ch }) => [
      String(step),
      ch.name,
      ch.provider ?? "",
      formatValue(ch.value),
      ch.condition ?? "",
      ch.outcome,
      ch.reason ?? "",
    ]);
    out.push(...table(["Step", "Check", "Provider", "Value", "Condition", "Outcome", "Note"], rows), "");
  }
  out.push(`_Generated ${report.generatedAt}._`, "");
  return out.join("\n");
}
