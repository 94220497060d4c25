// Release driver benchmark (local platform, real engine on a file backend, real traffic):
//   - time from the first failed check to every request answered by stable (seen by the traffic),
//     and the driver's own verified time to revert;
//   - requests that failed during a bad canary at 5 % under steady load, before the revert completed;
//   - the driver's overhead per traffic step beyond the `up` itself.
// Rerun: npm run bench:driver   (RUNS=5 RATE=100 npm run bench:driver)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { releaseCommand } from "../../automation/driver/commands";
import type { DriverEvent } from "../../automation/driver/events";
import { configJson, fastCanaryValues } from "../../harness/demo-config";
import { LoadGenerator } from "../../harness/load";

const engineTools: typeof import("../engine/engine.js") = require("../engine/engine.js");

const root = path.resolve(__dirname, "..", "..");
const RUNS = Number(process.env.RUNS ?? 3);
const RATE = Number(process.env.RATE ?? 100);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

async function main(): Promise<void> {
  const engine = engineTools.ensure();
  process.env.PATH = [...engine.pathDirs, process.env.PATH ?? ""].join(path.delimiter);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-driver-"));
  const env = {
    PULUMI_BACKEND_URL: `file://${dir}/state`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PROGRESSIVE_STATE_DIR: `${dir}/progressive`,
    PROGRESSIVE_LOCAL_DIR: `${dir}/progressive`,
  };
  fs.mkdirSync(`${dir}/state`, { recursive: true });
  const stackName = `bench-${process.pid}`;
  const stack = await LocalWorkspace.createStack({ stackName, workDir: root }, { envVars: env });
  const target = { workDir: root, stackName, env };
  const rows: { run: number; observedMs: number; driverMs: number; failed: number; window: number }[] = [];
  const overheads: number[] = [];
  const ups: number[] = [];
  try {
    const bad = Object.fromEntries(
      Array.from({ length: RUNS }, (_, i) => [`bad${i}`, { ERROR_RATE: "0.5" }]),
    );
    const values = fastCanaryValues({
      steps: [{ setWeight: 5 }, { analysis: {} }, { setWeight: 100 }],
      intervalSeconds: 1,
      versionEnv: bad,
    });
    await stack.workspace.setAllConfigJson(stackName, configJson("progressive-delivery", values));
    const up = await stack.up();
    const load = new LoadGenerator(String(up.outputs.endpoint?.value), {
      ratePerSecond: RATE,
      keepAnswers: true,
    });
    load.start();
    try {
      for (let i = 0; i < RUNS; i++) {
        let failedAt = 0;
        let appliedAt = 0;
        let revertedAt = 0;
        const onEvent = (e: DriverEvent) => {
          if (e.type === "trafficApplied") {
            overheads.push(e.durationMs - e.upMs);
            ups.push(e.upMs);
            if (e.traffic.candidateWeight === 5 && !appliedAt) appliedAt = e.at.getTime();
          }
          if (e.type === "checkResult" && e.measurement.outcome !== "Successful" && !failedAt)
            failedAt = e.at.getTime();
          if (e.type === "reverted") revertedAt = e.at.getTime();
        };
        const result = await releaseCommand(target, `bad${i}`, {
          onEvent,
          stateDir: env.PROGRESSIVE_STATE_DIR,
        });
        if (result.outcome !== "reverted")
          throw new Error(`run ${i}: expected a revert, got ${result.outcome}`);
        // The last answer from the bad version (or any 5xx) after the first failed check; none
        // at all means traffic was already all on stable when the check failed.
        const after = load.answers.filter(
          (a) => a.at >= failedAt && (a.who === `bad${i}` || a.who.startsWith("error")),
        );
        const lastBad = after.length > 0 ? Math.max(...after.map((a) => a.at)) : failedAt;
        const inWindow = load.answers.filter((a) => a.at >= appliedAt && a.at <= revertedAt);
        rows.push({
          run: i + 1,
          observedMs: lastBad - failedAt,
          driverMs: result.timeToRevertMs ?? Number.NaN,
          failed: inWindow.filter((a) => a.who.startsWith("error")).length,
          window: inWindow.length,
        });
      }
    } finally {
      await load.stop();
    }
  } finally {
    await stack.destroy();
    await stack.workspace.removeStack(stackName);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = {
    runs: RUNS,
    ratePerSecond: RATE,
    firstFailedCheckToAllOnStableMs: {
      observedMedian: median(rows.map((r) => r.observedMs)),
      driverVerifiedMedian: median(rows.map((r) => r.driverMs)),
    },
    failedDuringBadCanaryAt5Percent: rows.map((r) => `${r.failed}/${r.window}`),
    driverOverheadPerStepMs: { median: median(overheads), max: Math.max(...overheads) },
    upPerStepMs: { median: median(ups) },
    rows,
  };
  console.log("\nrelease driver benchmark (local platform, file backend, this machine)");
  console.log(`  runs: ${RUNS}, steady load: ${RATE} req/s, bad canary: 5 % weight, 50 % of its answers 500`);
  console.log(
    "  run  first failed check -> all on stable (traffic)  driver time to revert (verified)  failed / requests while at 5 %",
  );
  for (const r of rows)
    console.log(
      `  ${String(r.run).padStart(3)}  ${String(r.observedMs).padStart(10)} ms ${" ".repeat(33)}${String(r.driverMs).padStart(6)} ms ${" ".repeat(20)}${r.failed}/${r.window}`,
    );
  console.log(
    `  median: ${summary.firstFailedCheckToAllOnStableMs.observedMedian} ms (traffic), ${summary.firstFailedCheckToAllOnStableMs.driverVerifiedMedian} ms (driver)`,
  );
  console.log(
    `  driver overhead per step beyond up: median ${summary.driverOverheadPerStepMs.median} ms (max ${summary.driverOverheadPerStepMs.max} ms); up itself: median ${summary.upPerStepMs.median} ms`,
  );
  fs.mkdirSync(path.join(root, "bench-results"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench-results", "driver.json"), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(
    "  written to bench-results/driver.json; rerun: npm run bench:driver (RUNS=5 RATE=100 npm run bench:driver)",
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
