// `progressive`: the release driver's command line.
//   progressive release <version> [--approve]     plan, preflight, step, check, promote or revert
//   progressive plan <version>                    print the plan; changes nothing
//   progressive status | resume | abort            where a release stands; continue it; revert it
//   progressive promote [--full]                  go on past a manual pause (--full: skip to promotion)
//   progressive rollback [--to <version>]         back to an earlier good version from history
//   progressive history                           releases and summary figures
//   progressive promote-env --from <stack>        release the version verified in <stack> to --stack
// Common: --stack <name> (required), --cwd <project dir>, --state-dir <dir>, --json, --quiet.
import * as readline from "node:readline/promises";
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
import { classifyError, ReleaseError } from "./driver/errors";
import type { DriverEvent } from "./driver/events";
import { renderPlan } from "./driver/plan";
import type { ReleaseResult } from "./driver/release";
import { formatDuration } from "./report";

interface Args {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
}

const BOOLEAN = new Set(["json", "approve", "full", "quiet", "help"]);

export function parseArgs(argv: readonly string[]): Args {
  const [command = "help", ...rest] = argv;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (BOOLEAN.has(name)) flags.set(name, true);
    else if (inline !== undefined) flags.set(name, inline);
    else {
      const value = rest[++i];
      if (value === undefined || value.startsWith("--"))
        throw new ReleaseError("usage", `--${name} needs a value, e.g. --${name} dev`);
      flags.set(name, value);
    }
  }
  return { command, positional, flags };
}

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
      return `        traffic: ${t.stableVersion} ${String(100 - w).padStart(3)}% ${bar(100 - w)}${cand}${colour}  verified in ${formatDuration(e.durationMs)}`;
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
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    out(`error: ${classifyError(err).message}`);
    return 2;
  }
  const json = args.flags.has("json");
  const flag = (n: string) => {
    const v = args.flags.get(n);
    return typeof v === "string" ? v : undefined;
  };
  if (args.command === "help" || args.flags.has("help")) {
    out(
      "usage: progressive <release|plan|status|resume|promote|abort|rollback|history|promote-env> [version] --stack <name> [--cwd dir] [--json]",
    );
    return args.command === "help" ? 0 : 2;
  }
  const stackName = flag("stack");
  const target = { stackName: stackName ?? "", ...(flag("cwd") ? { workDir: flag("cwd") as string } : {}) };
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
    ...(flag("state-dir") ? { stateDir: flag("state-dir") as string } : {}),
    approve: args.flags.has("approve"),
    ...(!process.env.CI && process.stdin.isTTY ? { prompt } : {}),
    onEvent: (e: DriverEvent) => {
      if (json) out(JSON.stringify(e));
      else if (!args.flags.has("quiet")) {
        const line = formatEvent(e);
        if (line) out(line);
      }
    },
  };
  const needStack = () => {
    if (!stackName) throw new ReleaseError("usage", `${args.command} needs --stack <name>, e.g. --stack dev`);
  };
  const needVersion = () => {
    const v = args.positional[0];
    if (!v)
      throw new ReleaseError(
        "usage",
        `${args.command} needs a version, e.g. progressive ${args.command} v2 --stack dev`,
      );
    return v;
  };
  const finish = (r: ReleaseResult): number => {
    if (json) out(JSON.stringify({ result: r }));
    else if (r.reports?.markdown) out(`  report: ${r.reports.markdown} (json: ${r.reports.json})`);
    return r.outcome === "promoted" || r.outcome === "paused" ? 0 : r.outcome === "reverted" ? 3 : 6;
  };
  try {
    switch (args.command) {
      case "plan": {
        needStack();
        const plan = await planCommand(target, needVersion());
        out(json ? JSON.stringify(plan) : renderPlan(plan));
        return 0;
      }
      case "release":
        needStack();
        return finish(await releaseCommand(target, needVersion(), common));
      case "resume":
        needStack();
        return finish(await resumeCommand(target, common));
      case "abort":
        needStack();
        return finish(await abortCommand(target, common));
      case "promote":
        needStack();
        return finish(await promoteCommand(target, { ...common, full: args.flags.has("full") }));
      case "rollback":
        needStack();
        return finish(
          await rollbackCommand(target, { ...common, ...(flag("to") ? { to: flag("to") as string } : {}) }),
        );
      case "promote-env": {
        needStack();
        const from = flag("from");
        if (!from)
          throw new ReleaseError(
            "usage",
            "promote-env needs --from <stack> (the verified environment) and --stack <next>",
          );
        return finish(await promoteEnvironmentCommand({ ...target, stackName: from }, target, common));
      }
      case "status": {
        needStack();
        const s = await statusCommand(target, common);
        if (json) out(JSON.stringify(s));
        else {
          const j = s.journal;
          out(
            `stack ${s.stack}: ${s.traffic.stableVersion}${s.traffic.candidateVersion ? ` + ${s.traffic.candidateVersion} at ${s.traffic.candidateWeight}%` : ""}${s.traffic.activeColor ? ` (active ${s.traffic.activeColor})` : ""}`,
          );
          out(
            `  router: ${s.outputs.effectiveWeight ?? "?"}% to the candidate; endpoint ${s.outputs.endpoint ?? "?"}`,
          );
          if (j)
            out(
              `  release ${j.releaseId}: ${j.version} ${j.phase} at step ${j.stepIndex}${j.reason ? `: ${j.reason}` : ""}; driver ${s.driverAlive === true ? "running" : "not running"}`,
            );
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
        const h = await historyCommand(stackName, common);
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
      default:
        throw new ReleaseError("usage", `unknown command "${args.command}"; run progressive help`);
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
