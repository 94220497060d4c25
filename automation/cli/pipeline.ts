// `progressive pipeline <action>`: runs a pipeline command and prints its result (text or JSON).
import type { DriverEvent } from "../driver/events";
import {
  type PipelineStatus,
  type PromoteResult,
  pipelineApprove,
  pipelinePromote,
  pipelineReject,
  pipelineStatusCommand,
} from "../pipeline";
import type { Invocation } from "./args";

type PipelineRun = Extract<Invocation, { command: "pipeline" }>;

/** Exit code of a promote: 0 promoted or waiting (run again), 3 a wave failed. */
export function promoteExitCode(r: PromoteResult): number {
  return r.outcome === "failed" ? 3 : 0;
}

/** `pipeline status` as text: each stage, its stacks and services, soak, approvals, rejections. */
export function pipelineStatusLines(s: PipelineStatus): string[] {
  const lines = [`pipeline ${s.pipeline} of ${s.project} (release store ${s.store})`];
  for (const st of s.stages) {
    const soak = st.soakLeftSeconds !== undefined ? `; soaking, ${st.soakLeftSeconds}s left` : "";
    lines.push(`  stage ${st.stage}: ${st.version ?? "(no version yet)"}${soak}`);
    for (const v of st.awaitingApproval)
      lines.push(`    waits for approval: ${v} (progressive pipeline approve ${v} --stage ${st.stage})`);
    for (const k of st.stacks) {
      const last = k.last;
      const now =
        last && last.version !== k.version
          ? `; last: ${last.version} ${last.status}${last.reason ? ` (${last.reason})` : ""}`
          : "";
      lines.push(`    ${k.stack}: ${k.version ?? "-"}${now}`);
      for (const [svc, r] of Object.entries(last?.services ?? {}))
        lines.push(
          `      ${svc}: ${last?.version} ${r.outcome}${r.releaseId ? ` (release ${r.releaseId})` : ""}`,
        );
    }
  }
  for (const [v, r] of Object.entries(s.rejected))
    lines.push(`  rejected ${v}: ${r.reason} (by ${r.by} at ${r.at})`);
  return lines;
}

export async function runPipeline(
  run: PipelineRun,
  common: {
    readonly signal: AbortSignal;
    readonly onEvent: (e: DriverEvent) => void;
    readonly stateDir?: string;
    readonly stateStore?: string;
  },
  out: (line: string) => void,
): Promise<number> {
  const target = {
    ...(run.workDir ? { workDir: run.workDir } : {}),
    ...(run.pulumiPath ? { pulumiPath: run.pulumiPath } : {}),
    ...(common.stateDir ? { stateDir: common.stateDir } : {}),
    ...(common.stateStore ? { stateStore: common.stateStore } : {}),
  };
  const print = (text: string, json: unknown) => out(run.json ? JSON.stringify(json) : text);
  const version = run.version as string;
  switch (run.action) {
    case "status": {
      const s = await pipelineStatusCommand(target);
      if (run.json) out(JSON.stringify(s));
      else for (const line of pipelineStatusLines(s)) out(line);
      return 0;
    }
    case "approve": {
      const m = await pipelineApprove(version, run.stage as string, target);
      print(`✔ ${version} approved for stage ${run.stage} by ${m.by}; pipeline promote ${version} goes on`, {
        approved: m,
      });
      return 0;
    }
    case "reject": {
      const r = await pipelineReject(version, { ...target, ...(run.reason ? { reason: run.reason } : {}) });
      print(`✗ ${version} rejected: ${r.reason}; no stage takes it again`, { rejected: r });
      return 0;
    }
    case "promote": {
      const r = await pipelinePromote(version, {
        ...target,
        signal: common.signal,
        onEvent: common.onEvent,
        onPipelineEvent: (line) => {
          if (!run.json && !run.quiet) out(`▶ pipeline: ${line}`);
        },
      });
      print(
        `${r.outcome === "promoted" ? "✔" : r.outcome === "waiting" ? "⏸" : "✗"} ${version} ${r.outcome}${r.stage ? ` at stage ${r.stage}` : ""}${r.reason ? `: ${r.reason}` : ""}`,
        { result: r },
      );
      return promoteExitCode(r);
    }
  }
}
