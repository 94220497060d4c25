// Benchmark of the local platform (`npm run bench`): requests failed during each kind of switch
// out of at least 50,000 sent (goal: 0), the proxy's overhead against calling an instance
// directly, and the time `up` takes to move a canary weight one step on the file backend.
// Prints a table and writes bench-results/local.json. BENCH_MIN_REQUESTS lowers the request
// floor for a quick look (the figures are then not the benchmark's).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  proxyPaths,
  startProxy,
  startSupervisor,
  stopProxy,
  stopSupervisor,
  supervisorPaths,
} from "../../components/local/runtime";
import { engineTools } from "../../harness/engine";
import { LoadGenerator, percentile } from "../../harness/load";
import { type StepTiming, type SwitchResult, switchesUnderLoad, weightStepTimes } from "./local-switches";

const ROOT = path.resolve(__dirname, "..", "..");
const APP = path.join(ROOT, "examples", "local-app", "server.js");
const OUT = path.join(ROOT, "bench-results", "local.json");
const MIN_REQUESTS = Number(process.env.BENCH_MIN_REQUESTS ?? 50_000);

interface Figures {
  p50Ms: number;
  p99Ms: number;
  maxRequestsPerSecond: number;
  requests: number;
  failed: number;
}

function log(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

async function measure(port: number): Promise<Figures> {
  await new LoadGenerator(port, { concurrency: 8, maxRequests: 2_000, maxMs: 10_000 }).start().done(); // warm-up
  const latency = await new LoadGenerator(port, {
    concurrency: 1,
    maxRequests: 5_000,
    maxMs: 30_000,
    latencies: true,
  })
    .start()
    .done();
  const throughput = await new LoadGenerator(port, { concurrency: 32, maxRequests: 10_000_000, maxMs: 5_000 })
    .start()
    .done();
  return {
    p50Ms: percentile(latency.latenciesMs, 50),
    p99Ms: percentile(latency.latenciesMs, 99),
    maxRequestsPerSecond: Math.round(throughput.ok / (throughput.ms / 1000)),
    requests: latency.sent + throughput.sent,
    failed: latency.failed + throughput.failed,
  };
}

/** One instance of the sample app, measured directly and through a proxy in front of it. */
async function proxyOverhead(): Promise<{ direct: Figures; proxy: Figures }> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-overhead-"));
  const supervisor = await startSupervisor({
    service: "bench",
    version: "app",
    stateDir,
    command: [process.execPath, APP],
    instances: 1,
    env: { VERSION: "v1" },
    readiness: { path: "/health/ready", intervalMs: 50, deadlineMs: 20_000 },
    stopGraceMs: 2_000,
  });
  let proxyPid: number | undefined;
  try {
    const instancePort = supervisor.instances[0]?.port ?? 0;
    const proxy = await startProxy({
      service: "bench",
      stateDir,
      adminToken: randomBytes(24).toString("base64url"),
      routes: { versions: [{ name: "v1", weight: 100, instances: [{ port: instancePort }] }] },
    });
    proxyPid = proxy.pid;
    log("overhead: direct");
    const direct = await measure(instancePort);
    log("overhead: via proxy");
    const viaProxy = await measure(proxy.port);
    return { direct, proxy: viaProxy };
  } finally {
    if (proxyPid) await stopProxy(proxyPid, 2_000, { stateFile: proxyPaths(stateDir, "bench").state });
    await stopSupervisor(supervisor.pid, 2_000, {
      stateFile: supervisorPaths(stateDir, "bench", "app").state,
    });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0)))
        .join("   "),
    )
    .map((line) => `  ${line}`)
    .join("\n");
}

async function main(): Promise<void> {
  const engine = engineTools.findEngine();
  if (!engine) throw new Error("no Pulumi CLI found; run `bash scripts/ensure-pulumi.sh` first");
  const started = Date.now();
  const overhead = await proxyOverhead();
  const switches: Record<string, SwitchResult> = {};
  for (const [kind, minSwitches] of [
    ["blueGreen", 4],
    ["canary", 8],
    ["rolling", 2],
  ] as const) {
    log(`switches: ${kind}`);
    switches[kind] = await switchesUnderLoad(engine, kind, MIN_REQUESTS, minSwitches, log);
  }
  log("up: weight steps");
  const steps: StepTiming = await weightStepTimes(engine, 5);
  const results = {
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? "?",
      node: process.version,
      pulumi: engine.version,
    },
    load: { switches: "8 keep-alive connections, unpaced", minRequests: MIN_REQUESTS },
    switches,
    overhead,
    upStep: {
      fullMs: steps.full,
      targetedMs: steps.targeted,
      fullMedianMs: median(steps.full),
      targetedMedianMs: median(steps.targeted),
    },
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);

  const names: Record<string, string> = {
    blueGreen: "blue-green switch",
    canary: "canary step",
    rolling: "rolling update",
  };
  const ms = (n: number) => n.toFixed(2);
  const m = results.machine;
  console.log(
    `\nLocal platform benchmark (${m.cpus} CPUs ${m.cpu}, Node ${m.node}, pulumi ${m.pulumi}), ${results.seconds} s\n`,
  );
  console.log("Requests failed while `up` switches traffic (8 keep-alive connections, unpaced):");
  console.log(
    table([
      ["switch", "ups", "requests", "failed", "seconds"],
      ...Object.entries(switches).map(([k, s]) => [
        names[k] ?? k,
        s.switches,
        s.sent,
        s.failed,
        s.seconds.toFixed(1),
      ]),
    ]),
  );
  for (const s of Object.values(switches)) for (const f of s.failures) console.log(`    failure: ${f}`);
  console.log("\nProxy overhead (one instance of examples/local-app; client in this process):");
  console.log(
    table([
      ["path", "p50 ms", "p99 ms", "max req/s"],
      [
        "direct to the instance",
        ms(overhead.direct.p50Ms),
        ms(overhead.direct.p99Ms),
        overhead.direct.maxRequestsPerSecond,
      ],
      [
        "through the proxy",
        ms(overhead.proxy.p50Ms),
        ms(overhead.proxy.p99Ms),
        overhead.proxy.maxRequestsPerSecond,
      ],
    ]),
  );
  console.log("\n`up` moving a canary weight one step (file backend, no load):");
  console.log(
    table([
      ["up", "median ms", "runs (ms)"],
      ["full", results.upStep.fullMedianMs, steps.full.join(", ")],
      ["--target the proxy", results.upStep.targetedMedianMs, steps.targeted.join(", ")],
    ]),
  );
  console.log(`\nRerun: npm run bench   (figures written to ${path.relative(ROOT, OUT)})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
