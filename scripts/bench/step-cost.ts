// What one traffic step costs against the engine's floor (`npm run bench:step`, also part of
// `npm run bench`), on temporary file backends, no load:
//   (a) `up` of an empty JavaScript program (no resources): the floor;
//   (b) a weight step of one local CanaryService, through the release driver (`trafficApplied`:
//       durationMs, of which upMs), with a strategy of setWeight and 0-1 s pauses, no analysis;
//   (c) the same step in a stack that also holds OTHERS (default 20) other local services.
// Where (b) goes comes from the engine's own OpenTelemetry spans (`--otel-traces file://`) and a
// log of every CLI call: the driver runs the CLI through a small wrapper in the temporary folder
// that timestamps each call and adds `--otel-traces` to `up`. Prints the medians, the breakdown,
// the two ratios and writes bench-results/step-cost.json. Everything lives in os.tmpdir() and is
// removed at the end; the stacks are destroyed and any process they left is stopped by its pid.
// Rounds (ROUNDS, default 2) run (a), (b), (c) one after the other, and the figures are medians
// over all rounds, so that a slow minute of the machine does not fall on one configuration only.
// Rerun: npm run bench:step   (ROUNDS=3 OTHERS=10 EMPTY_RUNS=7 npm run bench:step; STEP_COST_TRACES=<folder> keeps the traces)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { releaseCommand } from "../../automation/driver/commands";
import type { DriverEvent } from "../../automation/driver/events";
import { type EngineInfo, engineTools, shadowProject } from "../../harness/engine";
import { statePids, stopLeftovers } from "./step-cost-processes";
import { program } from "./step-cost-program";
import {
  breakdown,
  type Call,
  median,
  medianBreakdown,
  medianCounts,
  medianFields,
  round,
  type UpBreakdown,
} from "./step-cost-spans";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "bench-results", "step-cost.json");
const OTHERS = Number(process.env.OTHERS ?? 20);
const EMPTY_RUNS = Number(process.env.EMPTY_RUNS ?? 5);
/** Rounds of (a), (b), (c); the figures are medians over all of them. */
const ROUNDS = Number(process.env.ROUNDS ?? 2);
/** The released service's weights (each a step) and the pause after each (0-1 s). */
const WEIGHTS = [10, 20, 40, 60, 80];
const PAUSES = ["0s", "1s", "0s", "1s", "0s"];

function log(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// The CLI wrapper: one line per call (start, end in epoch seconds, exit code, command words), and
// `--otel-traces` on every `up`. Bash's $EPOCHREALTIME costs no extra process.

interface Tools {
  readonly dir: string;
  readonly wrapperRoot: string;
  readonly env: Record<string, string>;
  readonly pulumiCommand: PulumiCommand;
  /** The compiled library the program imports. */
  readonly lib: string;
  calls(): Call[];
}

async function setUp(engine: EngineInfo): Promise<Tools> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-step-cost-"));
  const wrapperRoot = path.join(dir, "wrapper");
  const traces = path.join(dir, "traces");
  const callLog = path.join(dir, "calls.tsv");
  for (const d of [path.join(wrapperRoot, "bin"), traces, path.join(dir, "state"), path.join(dir, "home")])
    fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(
    path.join(wrapperRoot, "bin", "pulumi"),
    [
      "#!/usr/bin/env bash",
      "t0=$EPOCHREALTIME",
      'words=""; n=0',
      'for a in "$@"; do case "$a" in -*) break ;; esac; words="$words $a"; n=$((n + 1)); [ $n -ge 2 ] && break; done',
      'trace=""',
      `if [ "$1" = "up" ]; then trace="${traces}/up-\${t0/./}.json"; set -- "$@" --otel-traces "file://$trace"; fi`,
      `${JSON.stringify(engine.pulumi)} "$@"`,
      "rc=$?",
      `printf '%s\\t%s\\t%s\\t%s\\t%s\\n' "$t0" "$EPOCHREALTIME" "$rc" "\${words# }" "$trace" >> ${JSON.stringify(callLog)}`,
      "exit $rc",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const env: Record<string, string> = {
    PATH: [path.join(wrapperRoot, "bin"), ...engine.pathDirs, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // As the repo's own program (tsconfig.pulumi.json) and the engine tests: transpile only.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    PROGRESSIVE_STATE_DIR: path.join(dir, "progressive"),
    PROGRESSIVE_LOCAL_DIR: path.join(dir, "progressive"),
  };
  const pulumiCommand = await PulumiCommand.get({ root: wrapperRoot, skipVersionCheck: true });
  const lib = buildLibrary(dir);
  return {
    dir,
    lib,
    wrapperRoot,
    env,
    pulumiCommand,
    calls: () =>
      fs.existsSync(callLog)
        ? fs
            .readFileSync(callLog, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => {
              const [start, end, rc, command, trace] = line.split("\t");
              return {
                start: Number(start) * 1000,
                end: Number(end) * 1000,
                rc: Number(rc),
                command: command ?? "",
                ...(trace ? { trace } : {}),
              };
            })
        : [],
  };
}

// ---------------------------------------------------------------------------------------------
// (a) the floor.

interface EmptyResult {
  /** Automation API `stack.up()` wall time: the `up` process plus the outputs/history calls it makes. */
  upMs: number[];
  /** The `up` process alone. */
  processMs: number[];
  /** Each run's breakdown. */
  details: UpBreakdown[];
}

async function emptyUp(t: Tools, roundNo: number): Promise<EmptyResult> {
  const stackName = `empty-${roundNo}`;
  const workDir = path.join(t.dir, stackName);
  fs.mkdirSync(workDir);
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: bench-empty\nruntime: nodejs\n");
  fs.writeFileSync(path.join(workDir, "index.js"), "// No resources.\n");
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(workDir, "node_modules"));
  const stack = await LocalWorkspace.createStack(
    { stackName, workDir },
    { envVars: t.env, pulumiCommand: t.pulumiCommand, pulumiHome: t.env.PULUMI_HOME as string },
  );
  const result: EmptyResult = { upMs: [], processMs: [], details: [] };
  const details = result.details;
  try {
    await stack.up(); // warm-up
    for (let i = 0; i < EMPTY_RUNS; i++) {
      const t0 = Date.now();
      await stack.up();
      const t1 = Date.now();
      result.upMs.push(t1 - t0);
      const call = t.calls().find((c) => c.command === "up" && c.start >= t0 - 50 && c.end <= t1 + 50);
      if (call) {
        result.processMs.push(round(call.end - call.start));
        const b = breakdown(call);
        if (b) details.push(b);
      }
      log(`empty up ${i + 1}/${EMPTY_RUNS}: ${t1 - t0} ms`);
    }
  } finally {
    await stack.destroy();
    await stack.workspace.removeStack(stackName);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// (b), (c): a release through the driver.

interface Applied {
  readonly kind: string;
  readonly weight: number;
  readonly durationMs: number;
  readonly upMs: number;
  readonly verified: boolean;
  readonly at: number;
}

/** One traffic step, split (ms). */
interface StepSplit {
  durationMs: number;
  upMs: number;
  /** The `up` process alone. */
  upProcessMs: number;
  /** upMs beyond the process: the Automation API's follow-up calls (stack output, history). */
  automationAfterUpMs: number;
  /** durationMs - upMs: the driver's own work (config read and write, stack export, router read). */
  driverOwnMs: number;
  /** Of which CLI calls (config, config set-all, stack export). */
  driverCliMs: number;
  /** CLI processes the step ran, by command. */
  cliCalls: Record<string, number>;
  cliCallMs: Record<string, number>;
  engine?: UpBreakdown;
}

interface ReleaseFigures {
  services: number;
  firstDeployMs: number;
  releaseMs: number;
  applied: Applied[];
  /** Median over the setWeight steps (each round's own ratio). */
  stepMedianMs: number;
  /** Each setWeight step, split. */
  splits: StepSplit[];
  /** The three promotion applies and the candidate deploy, for reference. */
  deployMs: number;
  promoteMs: number[];
  leftoverProcessesStopped: number;
}

function split(t: Tools, a: Applied): StepSplit {
  const from = a.at - a.durationMs - 20;
  const calls = t.calls().filter((c) => c.start >= from && c.end <= a.at + 20);
  const up = calls.find((c) => c.command === "up");
  const upProcessMs = up ? up.end - up.start : Number.NaN;
  const cliCalls: Record<string, number> = {};
  const cliCallMs: Record<string, number> = {};
  for (const c of calls) {
    cliCalls[c.command] = (cliCalls[c.command] ?? 0) + 1;
    cliCallMs[c.command] = round((cliCallMs[c.command] ?? 0) + (c.end - c.start));
  }
  // The driver's own calls (release.ts apply(): read and write the config, export the state);
  // stack output and stack history are the Automation API's, inside stack.up().
  const driverCli = calls
    .filter((c) => ["config", "config set-all", "stack export"].includes(c.command))
    .reduce((sum, c) => sum + (c.end - c.start), 0);
  const engine = up ? breakdown(up) : undefined;
  return {
    durationMs: a.durationMs,
    upMs: a.upMs,
    upProcessMs: round(upProcessMs),
    automationAfterUpMs: round(a.upMs - upProcessMs),
    driverOwnMs: a.durationMs - a.upMs,
    driverCliMs: round(driverCli),
    cliCalls,
    cliCallMs,
    ...(engine ? { engine } : {}),
  };
}

function medianSplit(items: readonly StepSplit[]): StepSplit {
  const engine = medianBreakdown(items.flatMap((s) => (s.engine ? [s.engine] : [])));
  return {
    ...medianFields(items, [
      "durationMs",
      "upMs",
      "upProcessMs",
      "automationAfterUpMs",
      "driverOwnMs",
      "driverCliMs",
    ]),
    cliCalls: medianCounts(items.map((s) => s.cliCalls)),
    cliCallMs: medianCounts(items.map((s) => s.cliCallMs)),
    ...(engine ? { engine } : {}),
  };
}

async function releaseRun(
  t: Tools,
  others: number,
  round: number,
  cleanup: { stopped: number },
): Promise<ReleaseFigures> {
  const project = shadowProject(ROOT);
  const workDir = path.join(project.workDir, "bench-step-program");
  const stateDir = path.join(t.dir, `services-${others}-${round}`);
  const driverState = path.join(t.dir, `driver-${others}-${round}`);
  const stackName = `step-${others}-${round}`;
  fs.mkdirSync(workDir);
  fs.writeFileSync(
    path.join(workDir, "Pulumi.yaml"),
    "name: bench-step-cost\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
  );
  fs.writeFileSync(path.join(workDir, "index.ts"), program(t.lib));
  let stack: Stack | undefined;
  const pids = new Set<number>();
  try {
    stack = await LocalWorkspace.createStack(
      { stackName, workDir },
      { envVars: t.env, pulumiCommand: t.pulumiCommand, pulumiHome: t.env.PULUMI_HOME as string },
    );
    await stack.setAllConfig({
      stateDir: { value: stateDir },
      others: { value: String(others) },
      weights: { value: JSON.stringify(WEIGHTS) },
      pauses: { value: JSON.stringify(PAUSES) },
      "progressive:release": { value: JSON.stringify({ drift: "off" }) },
    });
    const d0 = Date.now();
    await stack.up();
    const firstDeployMs = Date.now() - d0;
    for (const pid of statePids(stateDir)) pids.add(pid);
    log(`${1 + others} service(s): first deploy ${firstDeployMs} ms; releasing v2`);
    const applied: Applied[] = [];
    let kind = "";
    const onEvent = (e: DriverEvent) => {
      if (e.type === "stepStarted") kind = e.description.split(":")[0] ?? "";
      if (e.type === "trafficApplied") {
        applied.push({
          kind,
          weight: e.traffic.candidateWeight,
          durationMs: e.durationMs,
          upMs: e.upMs,
          verified: e.verified,
          at: e.at.getTime(),
        });
        log(`  ${kind} ${e.traffic.candidateWeight}%: ${e.durationMs} ms (up ${e.upMs} ms)`);
      }
    };
    const r0 = Date.now();
    const result = await releaseCommand(
      {
        workDir,
        stackName,
        service: "web",
        env: t.env,
        pulumiPath: path.join(t.wrapperRoot, "bin", "pulumi"),
      },
      "v2",
      { onEvent, stateDir: driverState },
    );
    const releaseMs = Date.now() - r0;
    for (const pid of statePids(stateDir)) pids.add(pid);
    if (result.outcome !== "promoted")
      throw new Error(`expected the release to be promoted, got ${result.outcome}: ${result.reason ?? ""}`);
    const steps = applied.filter((a) => a.kind === "set weight");
    if (steps.some((s) => !s.verified)) throw new Error("a weight step was not verified from the router");
    return {
      services: 1 + others,
      firstDeployMs,
      releaseMs,
      applied,
      stepMedianMs: median(steps.map((s) => s.durationMs)),
      splits: steps.map((s) => split(t, s)),
      deployMs: applied.find((a) => a.kind === "deploy")?.durationMs ?? Number.NaN,
      promoteMs: applied.filter((a) => a.kind === "promote").map((a) => a.durationMs),
      leftoverProcessesStopped: 0,
    };
  } finally {
    try {
      if (stack) {
        log(`${1 + others} service(s): destroying`);
        for (const pid of statePids(stateDir)) pids.add(pid);
        await stack.destroy();
        await stack.workspace.removeStack(stackName);
      }
    } finally {
      cleanup.stopped = await stopLeftovers(pids);
      if (cleanup.stopped > 0) log(`stopped ${cleanup.stopped} process(es) the destroy left`);
      project.dispose();
    }
  }
}

/** The rounds of one configuration as one: every list concatenated, medians over all steps. */
interface CombinedFigures {
  services: number;
  firstDeployMs: number[];
  releaseMs: number[];
  deployMs: number[];
  promoteMs: number[];
  /** The setWeight steps of each round (ms). */
  stepsMs: number[][];
  stepMedianMs: number;
  stepMedianUpMs: number;
  splits: StepSplit[];
  leftoverProcessesStopped: number;
}

function combined(rounds: readonly ReleaseFigures[]): CombinedFigures {
  const steps = rounds.map((r) => r.applied.filter((x) => x.kind === "set weight"));
  return {
    services: rounds[0]?.services ?? 0,
    firstDeployMs: rounds.map((r) => r.firstDeployMs),
    releaseMs: rounds.map((r) => r.releaseMs),
    deployMs: rounds.map((r) => r.deployMs),
    promoteMs: rounds.flatMap((r) => r.promoteMs),
    stepsMs: steps.map((round) => round.map((x) => x.durationMs)),
    stepMedianMs: median(steps.flat().map((x) => x.durationMs)),
    stepMedianUpMs: median(steps.flat().map((x) => x.upMs)),
    splits: rounds.flatMap((r) => r.splits),
    leftoverProcessesStopped: rounds.reduce((n, r) => n + r.leftoverProcessesStopped, 0),
  };
}

// ---------------------------------------------------------------------------------------------

function printSplit(label: string, s: StepSplit): void {
  const e = s.engine;
  console.log(`  ${label}: ${s.durationMs} ms per weight step (medians of the setWeight steps)`);
  console.log(
    `    driver: config read + write before up, stack export + router read after   ${s.driverOwnMs} ms`,
  );
  console.log(
    `      of which CLI processes (config, config set-all, stack export)            ${s.driverCliMs} ms`,
  );
  console.log(`    Automation API stack.up()                                                  ${s.upMs} ms`);
  console.log(
    `      the \`pulumi up\` process                                                  ${s.upProcessMs} ms`,
  );
  if (e) {
    console.log(
      `        engine start (CLI init, stack + config, language host for plugin info) ${e.engineStart} ms`,
    );
    console.log(
      `        program start (language host, Node, the SDK's runtime)                  ${e.programStart} ms`,
    );
    console.log(
      `        program code (ts-node: index.ts; the compiled library loaded; to 1st res.)${e.programModules} ms`,
    );
    console.log(
      `        resource operations (${e.registrations} registrations; provider start ${e.providerStart} ms, provider RPCs ${e.providerRpc} ms) ${e.resourceOperations} ms`,
    );
    console.log(
      `        engine finish (snapshot, plugin shutdown, exit)                         ${e.engineFinish} ms`,
    );
    console.log(`        (language host starts, inside engine + program start: ${e.languageHostStarts} ms)`);
    console.log(
      `        provider calls: ${Object.entries(e.providerCalls)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  }
  console.log(
    `      after the process: stack output + history (Automation API)               ${s.automationAfterUpMs} ms`,
  );
  console.log(
    `    CLI processes per step: ${Object.entries(s.cliCalls)
      .map(([k, v]) => `${k} x${v} (${s.cliCallMs[k]} ms)`)
      .join(", ")}`,
  );
}

/**
 * Compiles the library (as `npm run build` does for the package) into `<dir>/lib`, beside a link to
 * the repo's node_modules so its requires resolve. Returns the folder.
 */
function buildLibrary(dir: string): string {
  const out = path.join(dir, "lib");
  const started = Date.now();
  execFileSync(
    process.execPath,
    [
      require.resolve("typescript/bin/tsc"),
      "-p",
      path.join(ROOT, "tsconfig.build.json"),
      "--outDir",
      out,
      // Declarations only matter to the type checker; everything the program loads is as packed
      // (source maps included: ts-node's source-map-support reads them when it formats a stack).
      "--declaration",
      "false",
    ],
    { cwd: ROOT, stdio: "inherit" },
  );
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  log(`compiled the library for the program in ${Date.now() - started} ms`);
  return out;
}

async function main(): Promise<void> {
  const engine = engineTools.findEngine();
  if (!engine) throw new Error("no Pulumi CLI found; run `bash scripts/ensure-pulumi.sh` first");
  const started = Date.now();
  const t = await setUp(engine);
  try {
    // Rounds of (a), (b), (c) one after the other, so that a slow minute of the machine falls on
    // all three instead of on one of them; the figures are medians over every round's runs.
    const rounds: { empty: EmptyResult; one: ReleaseFigures; many: ReleaseFigures }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}: (a) empty program: warm-up + ${EMPTY_RUNS} ups`);
      const empty = await emptyUp(t, round);
      log(`round ${round}/${ROUNDS}: (b) one service`);
      const cleanOne = { stopped: 0 };
      const one = await releaseRun(t, 0, round, cleanOne);
      one.leftoverProcessesStopped = cleanOne.stopped;
      log(`round ${round}/${ROUNDS}: (c) one service beside ${OTHERS} others`);
      const cleanMany = { stopped: 0 };
      const many = await releaseRun(t, OTHERS, round, cleanMany);
      many.leftoverProcessesStopped = cleanMany.stopped;
      rounds.push({ empty, one, many });
    }
    const empty: EmptyResult = {
      upMs: rounds.flatMap((r) => r.empty.upMs),
      processMs: rounds.flatMap((r) => r.empty.processMs),
      details: rounds.flatMap((r) => r.empty.details),
    };
    const emptyBreakdown = medianBreakdown(empty.details);
    const one = combined(rounds.map((r) => r.one));
    const many = combined(rounds.map((r) => r.many));
    const a = median(empty.upMs);
    const b = one.stepMedianMs;
    const c = many.stepMedianMs;
    const perRound = rounds.map((r) => ({
      stepVsEmptyUp: r.one.stepMedianMs / median(r.empty.upMs),
      stepWithOthers: r.many.stepMedianMs / r.one.stepMedianMs,
    }));
    const results = {
      date: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? "?",
        node: process.version,
        pulumi: engine.version,
      },
      settings: {
        rounds: ROUNDS,
        emptyRuns: EMPTY_RUNS,
        weights: WEIGHTS,
        pauses: PAUSES,
        others: OTHERS,
        replicas: 1,
      },
      emptyUp: {
        medianMs: a,
        processMedianMs: median(empty.processMs),
        runsMs: empty.upMs,
        processRunsMs: empty.processMs,
        ...(emptyBreakdown ? { breakdown: emptyBreakdown } : {}),
      },
      oneService: one,
      withOthers: many,
      ratios: {
        stepVsEmptyUp: b / a,
        stepWithOthers: c / b,
        stepVsEmptyUpProcess: b / median(empty.processMs),
        perRound,
      },
    };
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);

    const m = results.machine;
    console.log(
      `\nTraffic step cost (${m.cpus} CPUs ${m.cpu}, Node ${m.node}, pulumi ${m.pulumi}, file backend, no load), ${ROUNDS} round(s), ${results.seconds} s\n`,
    );
    const eb = emptyBreakdown;
    console.log(
      `  (a) empty JavaScript program, Automation API up: median ${a} ms (runs ${empty.upMs.join(", ")}); the \`pulumi up\` process alone ${median(empty.processMs)} ms`,
    );
    if (eb)
      console.log(
        `      engine start ${eb.engineStart} ms, program start ${eb.programStart} ms, program code ${eb.programModules} ms, resource operations ${eb.resourceOperations} ms, engine finish ${eb.engineFinish} ms (language host starts ${eb.languageHostStarts} ms)`,
      );
    for (const [label, r] of [
      ["(b) one CanaryService", one],
      [`(c) the same beside ${OTHERS} other services`, many],
    ] as const) {
      console.log(
        `  ${label} (${r.services} service(s), replicas 1): weight step median ${r.stepMedianMs} ms (up ${r.stepMedianUpMs} ms); steps ${r.stepsMs.map((round) => round.join(", ")).join(" | ")} ms`,
      );
      console.log(
        `      first deploy ${r.firstDeployMs.join(", ")} ms; candidate deploy ${r.deployMs.join(", ")} ms; promotion applies ${r.promoteMs.join(", ")} ms; whole release ${r.releaseMs.join(", ")} ms`,
      );
    }
    console.log("\nWhere a weight step goes:");
    printSplit("(b)", medianSplit(one.splits));
    printSplit("(c)", medianSplit(many.splits));
    console.log("");
    console.log(`step-vs-empty-up ratio: ${(b / a).toFixed(2)}`);
    console.log(`step-with-${OTHERS}-services ratio: ${(c / b).toFixed(2)}`);
    console.log(
      `  (each round alone: step-vs-empty-up ${perRound.map((r) => r.stepVsEmptyUp.toFixed(2)).join(", ")}; step-with-${OTHERS}-services ${perRound.map((r) => r.stepWithOthers.toFixed(2)).join(", ")})`,
    );
    console.log(
      `  (a is the Automation API's up of an empty program; against the bare \`pulumi up\` process of it, ${median(empty.processMs)} ms, a step is ${(b / median(empty.processMs)).toFixed(2)} times)`,
    );
    console.log(
      `\nRerun: npm run bench:step   (ROUNDS=3 OTHERS=10 EMPTY_RUNS=7 npm run bench:step; figures written to ${path.relative(ROOT, OUT)})`,
    );
  } finally {
    // STEP_COST_TRACES=<folder> keeps the engine's traces and the CLI call log for a closer look.
    const keep = process.env.STEP_COST_TRACES;
    if (keep) {
      fs.cpSync(path.join(t.dir, "traces"), keep, { recursive: true });
      if (fs.existsSync(path.join(t.dir, "calls.tsv")))
        fs.copyFileSync(path.join(t.dir, "calls.tsv"), path.join(keep, "calls.tsv"));
    }
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
