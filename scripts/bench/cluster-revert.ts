// Revert on a real Kubernetes API (the cluster tier's cluster: etcd, kube-apiserver, controller
// manager, scheduler, kwok, the real Pulumi Kubernetes provider): a canary at 50 % whose check (a
// metric on an endpoint this script controls) fails; the figure is the time from the failed check
// to the canary's weight read back at 0 on the API server.
//   - observed: from the driver's failed-measurement event to this script's own client first
//     reading weight 0 on the live object (polled every 50 ms);
//   - driver: the release result's timeToRevertMs (failure -> brake written and read back).
// ROUTER=nginx|gatewayApi|replicaRatio (default nginx), RUNS (default 2).
// Rerun: npm run bench:cluster   (ROUTER=gatewayApi RUNS=3 npm run bench:cluster)
import * as fs from "node:fs";
import * as path from "node:path";
import { releaseCommand } from "../../automation/driver/commands";
import type { DriverEvent } from "../../automation/driver/events";
import { clusterTools, startCluster } from "../../harness/cluster";
import {
  CLUSTER_CANARY,
  descriptorOf,
  liveWeight,
  releaseSettings,
  type ServiceConfig,
  targetOf,
  withClusterStack,
  workloadConfig,
} from "../../harness/cluster-stack";
import { engineTools } from "../../harness/engine";
import { startFakePrometheus } from "../../harness/fake-prometheus";

const root = path.resolve(__dirname, "..", "..");
const RUNS = Number(process.env.RUNS ?? 2);
const ROUTER = (process.env.ROUTER ?? "nginx") as NonNullable<ServiceConfig["router"]>;
const GOAL_MS = 15_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

async function main(): Promise<void> {
  const engine = engineTools.ensure();
  const missing = clusterTools.missing();
  if (missing.length > 0) throw new Error(`${missing.join("; ")}; run bash scripts/ensure-cluster.sh`);
  const cluster = await startCluster();
  const prometheus = await startFakePrometheus(0);
  const rows: { run: number; observedMs: number; driverMs: number; upsMs: number[] }[] = [];
  try {
    const service: ServiceConfig = {
      name: "web",
      kind: "canary",
      router: ROUTER,
      replicas: 2,
      version: "v1",
      strategy: CLUSTER_CANARY,
    };
    await withClusterStack(
      engine,
      cluster,
      { stackName: "bench", namespace: "bench" },
      async (stack, backend) => {
        await stack.workspace.setAllConfigJson(
          stack.name,
          workloadConfig("bench", [service], releaseSettings(cluster, prometheus)),
        );
        await stack.up();
        const descriptor = await descriptorOf(stack, backend, "web");
        const stateDir = path.join(backend.dir, "progressive");
        for (let run = 1; run <= RUNS; run++) {
          prometheus.value = 1;
          let failedAt: number | undefined;
          let zeroAt: number | undefined;
          let polling: Promise<void> | undefined;
          const upsMs: number[] = [];
          const poll = async () => {
            while (zeroAt === undefined) {
              if ((await liveWeight(cluster.api, descriptor).catch(() => undefined)) === 0)
                zeroAt = performance.now();
              else await new Promise((r) => setTimeout(r, 50));
            }
          };
          const onEvent = (e: DriverEvent) => {
            if (e.type === "checkResult" && e.measurement.outcome === "Failed" && failedAt === undefined) {
              failedAt = performance.now();
              polling = poll();
            }
            if (e.type === "trafficApplied") upsMs.push(e.upMs);
          };
          const result = await releaseCommand(targetOf(stack, backend, "web"), `bad${run}`, {
            stateDir,
            onEvent,
          });
          await polling;
          if (result.outcome !== "reverted" || failedAt === undefined || zeroAt === undefined) {
            throw new Error(
              `run ${run}: expected a revert after a failed check, got ${JSON.stringify(result)}`,
            );
          }
          rows.push({
            run,
            observedMs: Math.round(zeroAt - failedAt),
            driverMs: result.timeToRevertMs ?? -1,
            upsMs,
          });
        }
      },
    );
  } finally {
    await prometheus.close();
    await cluster.stop();
  }
  const summary = {
    router: ROUTER,
    runs: RUNS,
    clusterStartSeconds: Number(cluster.startSeconds.toFixed(1)),
    failedCheckToWeightZeroMs: {
      observedMedian: median(rows.map((r) => r.observedMs)),
      driverMedian: median(rows.map((r) => r.driverMs)),
      goal: GOAL_MS,
    },
    upMedianMs: median(rows.flatMap((r) => r.upsMs)),
    rows,
  };
  console.log(
    `\ncluster revert benchmark (real API server, kwok, real provider; router ${ROUTER}; this machine)`,
  );
  console.log(`  cluster started in ${summary.clusterStartSeconds} s`);
  console.log(
    "  run  failed check -> weight 0 on the API server (observed)  driver time to revert (verified)",
  );
  for (const r of rows) {
    console.log(
      `  ${String(r.run).padStart(3)}  ${String(r.observedMs).padStart(10)} ms ${" ".repeat(43)}${String(r.driverMs).padStart(6)} ms`,
    );
  }
  const m = summary.failedCheckToWeightZeroMs;
  console.log(
    `  median: ${m.observedMedian} ms observed, ${m.driverMedian} ms driver (goal under ${GOAL_MS} ms); up per step: median ${summary.upMedianMs} ms`,
  );
  fs.mkdirSync(path.join(root, "bench-results"), { recursive: true });
  fs.writeFileSync(
    path.join(root, "bench-results", "cluster-revert.json"),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
  console.log(
    "  written to bench-results/cluster-revert.json; rerun: npm run bench:cluster (ROUTER=gatewayApi RUNS=3 npm run bench:cluster)",
  );
  if (m.observedMedian >= GOAL_MS) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
