// CI as a first-class user: under GitHub Actions, a release's outcome, version and release id are
// step outputs (`$GITHUB_OUTPUT`), and its report is added to the job summary
// (`$GITHUB_STEP_SUMMARY`), so a workflow can branch on them and people see the report in the run.
import * as fs from "node:fs";
import type { ReleaseResult } from "../driver/release";

/** The step outputs of a release, as `name=value` lines (values on one line). */
export function stepOutputs(r: ReleaseResult, exitCode: number): string {
  const lines = {
    outcome: r.outcome,
    "release-id": r.releaseId,
    version: r.traffic.candidateVersion ?? r.traffic.stableVersion,
    "exit-code": String(exitCode),
    ...(r.reports?.markdown ? { report: r.reports.markdown } : {}),
  };
  return Object.entries(lines)
    .map(([k, v]) => `${k}=${String(v).replace(/[\r\n]+/g, " ")}`)
    .join("\n");
}

/**
 * Under GitHub Actions: the step outputs and the job summary. Never fails the command: a summary
 * that cannot be written is said on stderr. The report is read from where the release wrote it
 * (a folder store's file); a shared store's report is linked by its location.
 */
export function reportToCi(r: ReleaseResult, exitCode: number, env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_ACTIONS !== "true") return;
  try {
    if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, `${stepOutputs(r, exitCode)}\n`);
    if (env.GITHUB_STEP_SUMMARY) {
      const where = r.reports?.markdown;
      const body =
        where && fs.existsSync(where)
          ? fs.readFileSync(where, "utf8")
          : `## Release ${r.releaseId}: ${r.outcome}\n\n${r.reason ?? ""}\n${where ? `\nReport: ${where} (progressive report ${r.releaseId})\n` : ""}`;
      fs.appendFileSync(env.GITHUB_STEP_SUMMARY, `${body.trimEnd()}\n\n`);
    }
  } catch (err) {
    process.stderr.write(
      `could not write the GitHub Actions outputs: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
}
