#!/usr/bin/env node
// `progressive`: the release driver's command line (the package's bin). What each command takes is
// in ./cli/args.ts (`progressive help`, `progressive <command> --help`); this file runs it.
import * as readline from "node:readline/promises";
import { helpText, type Invocation, parseCommandLine } from "./cli/args";
import {
  abortCommand,
  historyCommand,
  planCommand,
  promoteCommand,
  promoteEnvironmentCommand,
  releaseCommand,
  resumeCommand,
  rollbackCommand,
  statusCommand,
} from "./driver/commands";
import { classifyError } from "./driver/errors";
import type { DriverEvent } from "./driver/events";
import { flagOffCommand, releaseFlagCommand } from "./driver/flags";
import { renderPlan } from "./driver/plan";
import type { ReleaseResult } from "./driver/release";
import { formatDuration } from "./report";

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
      return `        ${m.outcome === "Successful" ? "✓" : "✗"} ${m.check}: ${v}${b}${m.condition ? ` ${m.condition}` : ""} → ${m.outcome}${m.outcome === "Successful" ? "" : `: ${m.reason}`}`;
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
      return `↩ reverted in ${formatDuration(e.timeToRevertMs)} (first failed check to all traffic on stable, verified)`;
    case "failed":
      return `✗ failed: ${e.reason}`;
    case "log":
      return `  ${e.level === "warn" ? "!" : "·"} ${e.message}`;
  }
}

async function prompt(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export async function main(
  argv: readonly string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  let run: Exclude<Invocation, { command: "help" }>;
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.command === "help") {
      out(helpText(parsed.topic));
      return 0;
    }
    run = parsed;
  } catch (err) {
    const e = classifyError(err);
    out(
      argv.includes("--json")
        ? JSON.stringify({ error: { kind: e.kind, message: e.message } })
        : `error (${e.kind}): ${e.message}`,
    );
    return e.exitCode;
  }
  const json = run.json;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort(new Error("interrupted (SIGINT); reverting; press Ctrl-C again to stop at once"));
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  const common = {
    signal: controller.signal,
    ...(run.stateDir ? { stateDir: run.stateDir } : {}),
    ...(!process.env.CI && process.stdin.isTTY ? { prompt } : {}),
    onEvent: (e: DriverEvent) => {
      if (json) out(JSON.stringify(e));
      else if (!run.quiet) {
        const line = formatEvent(e);
        if (line) out(line);
      }
    },
  };
  const finish = (r: ReleaseResult): number => {
    if (json) out(JSON.stringify({ result: r }));
    else if (r.reports?.markdown) out(`  report: ${r.reports.markdown} (json: ${r.reports.json})`);
    return r.outcome === "promoted" || r.outcome === "paused" ? 0 : r.outcome === "reverted" ? 3 : 6;
  };
  try {
    switch (run.command) {
      case "plan": {
        const plan = await planCommand(run.target, run.version);
        out(json ? JSON.stringify(plan) : renderPlan(plan));
        return 0;
      }
      case "release":
        return finish(await releaseCommand(run.target, run.version, { ...common, approve: run.approve }));
      case "resume":
        return finish(await resumeCommand(run.target, common));
      case "abort":
        return finish(await abortCommand(run.target, common));
      case "promote":
        return finish(await promoteCommand(run.target, { ...common, full: run.full }));
      case "rollback":
        return finish(await rollbackCommand(run.target, { ...common, ...(run.to ? { to: run.to } : {}) }));
      case "release-flag":
        return finish(
          await releaseFlagCommand(run.target, run.flag, {
            ...common,
            approve: run.approve,
            ...(run.variant ? { variant: run.variant } : {}),
          }),
        );
      case "flag": {
        const r = await flagOffCommand(run.target, run.flag, common);
        if (json) out(JSON.stringify({ flagOff: r }));
        else {
          out(
            r.brake.applied
              ? `■ flag ${r.flag} off: its store serves 0 % (written and read back) ${Math.round(r.brakeMs)} ms after the command started`
              : `! flag ${r.flag}: the store could not be rewritten at once (${r.brake.reason}); the recorded up sets 0 %`,
          );
          if (r.alreadyOff) out(`  flag ${r.flag} had no variant rolled out; nothing to record`);
          if (r.result?.reports?.markdown) out(`  report: ${r.result.reports.markdown}`);
        }
        const recorded = r.alreadyOff || r.result?.outcome === "reverted";
        return recorded ? 0 : 6;
      }
      case "promote-env":
        return finish(
          await promoteEnvironmentCommand(run.from, run.target, { ...common, approve: run.approve }),
        );
      case "status": {
        const s = await statusCommand(run.target, common);
        if (json) out(JSON.stringify(s));
        else {
          out(`stack ${s.project}/${s.stack}: ${s.services.length} service(s)`);
          for (const svc of s.services) {
            const t = svc.traffic;
            out(
              `  ${svc.name} (${svc.type}): ${t.stableVersion}${t.candidateVersion ? ` + ${t.candidateVersion} at ${t.candidateWeight}%` : ""}${t.activeColor ? ` (active ${t.activeColor})` : ""}; endpoint ${svc.endpoint}`,
            );
            const r = svc.router;
            out(
              r.verified
                ? `    router (verified, read back): ${r.candidateWeight}% to the candidate${r.activeColor ? `, ${r.activeColor} active` : ""}`
                : `    router unverified: ${r.reason}`,
            );
            const j = svc.journal;
            if (j)
              out(
                `    release ${j.releaseId}: ${j.version} ${j.phase} at step ${j.stepIndex}${j.reason ? `: ${j.reason}` : ""}; driver ${svc.driverAlive === true ? "running" : "not running"}`,
              );
          }
          for (const l of s.locks)
            out(`  locked by pid ${l.pid ?? "?"} on ${l.hostname ?? "?"} since ${l.timestamp ?? "?"}`);
          if (s.pendingOperations > 0)
            out(
              `  ${s.pendingOperations} pending operation(s): progressive resume or abort will refresh them`,
            );
        }
        return 0;
      }
      case "history": {
        const h = await historyCommand(run.target, common);
        if (json) out(JSON.stringify(h));
        else {
          for (const r of h.releases)
            out(
              `${r.startedAt}  ${r.stack}  ${r.version.padEnd(10)} ${r.outcome.padEnd(10)} ${r.actor}${r.reason ? `  ${r.reason}` : ""}`,
            );
          const s = h.summary;
          out(
            `${s.releases} releases; success rate ${s.successRate === undefined ? "n/a" : `${(s.successRate * 100).toFixed(0)}%`}; mean time to revert ${s.meanTimeToRevertMs === undefined ? "n/a" : formatDuration(s.meanTimeToRevertMs)}; ${s.releasesPerDay.toFixed(2)} releases/day`,
          );
        }
        return 0;
      }
    }
  } catch (err) {
    const e = classifyError(err);
    out(
      json
        ? JSON.stringify({ error: { kind: e.kind, message: e.message } })
        : `error (${e.kind}): ${e.message}`,
    );
    return e.exitCode;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
