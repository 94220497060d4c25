#!/usr/bin/env node
// `progressive`: the release driver's command line (the package's bin). What each command takes is
// in ./cli/args.ts (`progressive help`, `progressive <command> --help`); this file runs it.
import * as readline from "node:readline/promises";
import { helpText, type Invocation, parseCommandLine } from "./cli/args";
import { reportToCi } from "./cli/ci";
import { formatEvent } from "./cli/format";
import { runPipeline } from "./cli/pipeline";
import { serveDashboard } from "./dashboard/serve";
import {
  abortCommand,
  historyCommand,
  planCommand,
  promoteCommand,
  promoteEnvironmentCommand,
  releaseCommand,
  resumeCommand,
  rollbackCommand,
  type StatusReport,
  statusCommand,
} from "./driver/commands";
import { classifyError, ReleaseError } from "./driver/errors";
import type { DriverEvent } from "./driver/events";
import { flagOffCommand, releaseFlagCommand } from "./driver/flags";
import { TERMINAL_PHASES } from "./driver/journal";
import { renderPlan } from "./driver/plan";
import type { ReleaseResult } from "./driver/release";
import { withSelectedStack } from "./driver/stack";
import { reportCommand, storeImportCommand } from "./driver/store-commands";
import { type SyncItem, type SyncResult, syncCommand, syncExitCode } from "./driver/sync";
import { type Release as HistoryRelease, stateDirProblem } from "./history";
import { formatDuration } from "./report";
import { describeHolder } from "./store/leases";

export { formatEvent };

/** The exit code of a release: 130 when the caller interrupted it (after its revert), else by outcome. */
export function exitCodeOf(r: ReleaseResult, interrupted: boolean): number {
  if (interrupted) return 130;
  return r.outcome === "promoted" || r.outcome === "paused" ? 0 : r.outcome === "reverted" ? 3 : 6;
}

/** `history` as a table: when, stack, service, version, outcome, who, why. */
export function historyLines(releases: readonly HistoryRelease[]): string[] {
  const rows = releases.map((r) => [
    r.startedAt,
    r.stack,
    r.service ?? "-",
    r.version,
    r.outcome,
    r.actor,
    r.reason ?? "",
  ]);
  const header = ["started", "stack", "service", "version", "outcome", "actor", "reason"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return rows.length === 0 ? [] : [line(header), ...rows.map(line)];
}

/** `status` as text: each service's versions (running and declared), router reading and release. */
export function statusLines(s: StatusReport): string[] {
  const lines = [
    `stack ${s.project}/${s.stack}: ${s.services.length} service(s)${s.store ? `; release store ${s.store.url} (${s.store.shared ? "shared" : "this machine only"}; from ${s.store.source})` : ""}`,
  ];
  for (const svc of s.services) {
    const t = svc.traffic;
    lines.push(
      `  ${svc.name} (${svc.type}): ${t.stableVersion}${t.candidateVersion ? ` + ${t.candidateVersion} at ${t.candidateWeight}%` : ""}${t.activeColor ? ` (active ${t.activeColor})` : ""}; endpoint ${svc.endpoint}`,
    );
    if (svc.declaredVersion !== undefined) {
      const runs = svc.declaredVersion === t.stableVersion || svc.declaredVersion === t.candidateVersion;
      lines.push(
        `    declared ${svc.declaredVersion} (the program's version, as of the last up), running ${t.stableVersion}${runs ? "" : `: progressive sync --stack ${s.stack} releases ${svc.declaredVersion}`}`,
      );
    }
    const r = svc.router;
    lines.push(
      r.verified
        ? `    router (verified, read back): ${r.candidateWeight}% to the candidate${r.activeColor ? `, ${r.activeColor} active` : ""}`
        : `    router unverified: ${r.reason}`,
    );
    const j = svc.journal;
    if (j) {
      // A paused journal's stepIndex is the step after the pause.
      const where = TERMINAL_PHASES.includes(j.phase)
        ? ""
        : ` at step ${j.phase === "paused" ? j.stepIndex : j.stepIndex + 1}`;
      const h = svc.holder;
      const driver = TERMINAL_PHASES.includes(j.phase)
        ? ""
        : h && !h.free
          ? `; driver running: ${describeHolder(h.holder)}, lease until ${h.expiresAt.toISOString()}`
          : `; driver ${svc.driverAlive === true ? "running" : svc.driverAlive === "unknown" ? `on ${j.owner.host} (cannot be checked from here)` : "not running"}${h ? ` (its lease ran out at ${h.expiresAt.toISOString()}: resume or abort take over)` : ""}`;
      lines.push(
        `    release ${j.releaseId}: ${j.version} ${j.phase}${where}${j.reason ? `: ${j.reason}` : ""} (started by ${j.actor} from ${j.owner.host})${driver}`,
      );
      if (j.group)
        lines.push(
          `    one of release group ${j.group.name ? `${j.group.name} ` : ""}${j.group.id} (${j.group.members.join(", ")}): they step, are checked and revert together`,
        );
    }
  }
  for (const l of s.locks)
    lines.push(`  locked by pid ${l.pid ?? "?"} on ${l.hostname ?? "?"} since ${l.timestamp ?? "?"}`);
  if (s.pendingOperations > 0)
    lines.push(
      `  ${s.pendingOperations} pending operation(s): progressive resume or abort will refresh them`,
    );
  return lines;
}

/** One line per service of a sync: what it found and did. */
export function syncLines(r: SyncResult): string[] {
  const lines = r.items.map(syncLine);
  const todo = r.items.filter((i) => i.action !== "upToDate" && i.action !== "undeclared").length;
  return [
    todo === 0
      ? `stack ${r.stack}: every service runs the version the program declares; nothing to release`
      : `stack ${r.stack}: sync`,
    ...lines,
  ];
}

function syncLine(i: SyncItem): string {
  const v = `declared ${i.declared ?? "(none)"}, running ${i.running}`;
  switch (i.action) {
    case "upToDate":
      return `  = ${i.service}: ${v}: up to date`;
    case "undeclared":
      return `  - ${i.service}: running ${i.running}; the program declares no version (an explicit traffic arg)`;
    case "inProgress":
      return `  … ${i.service}: ${v}: release ${i.releaseId} is ${i.phase}; progressive status --service ${i.service} shows it`;
    case "skippedReverted":
      return `  ↩ ${i.service}: ${v}: not released: ${i.declared} was reverted at ${i.at} (release ${i.releaseId}: ${i.reason}); progressive sync --retry releases it again, or declare another version`;
    case "released":
      return `  ${i.result.outcome === "promoted" ? "✔" : i.result.outcome === "paused" ? "⏸" : "✗"} ${i.service}: ${i.declared} ${i.result.outcome}${i.result.reason ? `: ${i.result.reason}` : ""}`;
    case "error":
      return `  ✗ ${i.service}: ${v}: error (${i.error.kind}): ${i.error.message}`;
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
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    // The reason is stored in the journal and history: it says what happened, not what to press.
    controller.abort(new Error(`interrupted (${signal})`));
    if (!json) out(`! interrupted (${signal}): reverting; press Ctrl-C again to stop at once`);
  };
  const onSigint = () => onSignal("SIGINT");
  const onSigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  const common = {
    signal: controller.signal,
    ...(run.stateDir ? { stateDir: run.stateDir } : {}),
    ...(run.stateStore ? { stateStore: run.stateStore } : {}),
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
    const code = exitCodeOf(r, controller.signal.aborted);
    reportToCi(r, code);
    return code;
  };
  try {
    // A state folder named on the command line is checked before any stack is opened; every store
    // is checked again when it is opened.
    const badStateDir = run.stateDir && stateDirProblem(run.stateDir, "--state-dir");
    if (badStateDir) throw new ReleaseError("usage", badStateDir);
    if (run.command === "mcp") return await serve(run);
    if (run.command === "pipeline") return await runPipeline(run, common, out);
    if (run.command === "dashboard") return await serveDashboard(run, out, controller.signal);
    if (run.command === "history") {
      const h = await historyCommand(run.target, common);
      if (json) out(JSON.stringify(h));
      else {
        for (const line of historyLines(h.releases)) out(line);
        const s = h.summary;
        out(
          `${s.releases} releases; success rate ${s.successRate === undefined ? "n/a" : `${(s.successRate * 100).toFixed(0)}%`}; mean time to revert ${s.meanTimeToRevertMs === undefined ? "n/a" : formatDuration(s.meanTimeToRevertMs)}; ${s.releasesPerDay.toFixed(2)} releases/day`,
        );
      }
      return 0;
    }
    // Every other command acts on one stack: --stack, else the project's selected stack.
    const target = await withSelectedStack(run.target);
    switch (run.command) {
      case "plan": {
        const plan = await planCommand(target, run.version);
        out(json ? JSON.stringify(plan) : renderPlan(plan));
        return 0;
      }
      case "sync": {
        const r = await syncCommand(target, {
          ...common,
          approve: run.approve,
          retry: run.retry,
          onRelease: (service, version) => {
            if (!json) out(`▶ sync: releasing ${version} on ${service}`);
          },
        });
        if (json) out(JSON.stringify({ sync: r }));
        else for (const line of syncLines(r)) out(line);
        return controller.signal.aborted ? 130 : syncExitCode(r);
      }
      case "release":
        return finish(await releaseCommand(target, run.version, { ...common, approve: run.approve }));
      case "resume":
        return finish(await resumeCommand(target, common));
      case "abort":
        return finish(await abortCommand(target, common));
      case "promote":
        return finish(await promoteCommand(target, { ...common, full: run.full }));
      case "rollback":
        return finish(await rollbackCommand(target, { ...common, ...(run.to ? { to: run.to } : {}) }));
      case "release-flag":
        return finish(
          await releaseFlagCommand(target, run.flag, {
            ...common,
            approve: run.approve,
            ...(run.variant ? { variant: run.variant } : {}),
          }),
        );
      case "flag": {
        const r = await flagOffCommand(target, run.flag, common);
        if (json) out(JSON.stringify({ flagOff: r }));
        else {
          if (r.alreadyOff)
            out(
              `■ flag ${r.flag}: everyone already gets ${r.variant} and no rollout is open; nothing to switch off`,
            );
          else
            out(
              r.brake.applied
                ? `■ flag ${r.flag} off: everyone gets ${r.variant}, ${r.killed} taken away (store written and read back ${Math.round(r.brakeMs)} ms after the command started)`
                : `! flag ${r.flag}: the store could not be rewritten at once (${r.brake.reason}); the recorded up gives everyone ${r.variant}`,
            );
          if (r.result?.reports?.markdown) out(`  report: ${r.result.reports.markdown}`);
        }
        const recorded = r.alreadyOff || r.result?.outcome === "reverted";
        return recorded ? 0 : 6;
      }
      case "report": {
        const r = await reportCommand(target, run.releaseId, { ...common, format: json ? "json" : "md" });
        out(json ? r.body.trimEnd() : `${r.body.trimEnd()}\n\n(${r.location})`);
        return 0;
      }
      case "store-import": {
        const r = await storeImportCommand(target, common);
        out(
          json
            ? JSON.stringify({ imported: r })
            : `imported into ${r.to} from ${r.from}: ${r.journals.length} unfinished release(s)${r.journals.length ? ` (${r.journals.join(", ")})` : ""}, history of ${r.releases} release(s)`,
        );
        return 0;
      }
      case "promote-env":
        return finish(await promoteEnvironmentCommand(run.from, target, { ...common, approve: run.approve }));
      case "status": {
        const s = await statusCommand(target, common);
        if (json) out(JSON.stringify(s));
        else {
          for (const line of statusLines(s)) out(line);
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
    process.off("SIGTERM", onSigterm);
  }
}

/** `progressive mcp`: serves until the client closes; the SDK is an optional peer, loaded only here. */
async function serve(run: Extract<Invocation, { command: "mcp" }>): Promise<number> {
  let mcp: typeof import("./mcp/index");
  try {
    // require, not import(): the CLI is CommonJS, and a loader hook (tsx) sees require calls only.
    mcp = require("./mcp/index") as typeof import("./mcp/index");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND";
    if (!missing || !e.message.includes("@modelcontextprotocol/sdk")) throw err;
    throw new ReleaseError(
      "usage",
      "progressive mcp needs the MCP SDK, an optional peer dependency: npm install @modelcontextprotocol/sdk@^1.32.2",
    );
  }
  await mcp.serveMcp({
    ...(run.workDir ? { workDir: run.workDir } : {}),
    ...(run.pulumiPath ? { pulumiPath: run.pulumiPath } : {}),
    store: {
      ...(run.stateDir ? { stateDir: run.stateDir } : {}),
      ...(run.stateStore ? { stateStore: run.stateStore } : {}),
    },
    allowChanges: run.allowChanges,
    allowProduction: run.allowProduction,
    ...(run.stacks ? { stacks: run.stacks } : {}),
  });
  return 0;
}

/** The oldest Node.js major the CLI runs on (package.json's `engines`; README's Limits say why). */
export const MIN_NODE_MAJOR = 22;

/** Why this runtime is refused, or undefined when it is supported. */
export function unsupportedRuntime(version: string = process.versions.node): string | undefined {
  const major = Number(version.split(".")[0]);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return (
    `progressive needs Node.js ${MIN_NODE_MAJOR} or newer; this is v${version}. Node 20 reached its end of life ` +
    "in April 2026 and the Pulumi SDK (3.249.0 on) and the AWS SDK (from January 2027) need 22. " +
    "Install Node 22 or 24 LTS and run the command again"
  );
}

if (require.main === module) {
  const refused = unsupportedRuntime();
  if (refused) {
    process.stderr.write(`error (runtime): ${refused}\n`);
    process.exit(2);
  }
  // A closed output (a CI log pipe gone, `| head`) must not kill a release half-way: the
  // driver goes on to a settled state (its journal and the store say what happened) and
  // only what it prints is lost.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
