// Benchmark parts that run the real engine: requests failed while `up` switches traffic (blue-green
// switch, canary steps, rolling update) under an unpaced load, and the time `up` takes to move a
// canary weight one step.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promotionSequence, switchColors, type TrafficState } from "../../components/core";
import { ProxyAdminClient } from "../../components/local/runtime";
import { type EngineInfo, withTestStack } from "../../harness/engine";
import { LoadGenerator } from "../../harness/load";
import { configure, LOCAL_FIXTURE, portOf } from "../../harness/local";

export interface SwitchResult {
  /** Switches (`up` runs that moved traffic or replaced instances) done under load. */
  switches: number;
  sent: number;
  failed: number;
  /** The first failures, when there were any. */
  failures: string[];
  seconds: number;
}

type Plan = (i: number) => Record<string, unknown>;

/** The i-th state of each kind: every `up` is one switch. */
const PLANS: Record<"blueGreen" | "canary" | "rolling", { base: Record<string, unknown>; next: Plan }> = {
  blueGreen: {
    base: { kind: "blueGreen", replicas: 2 },
    next: (i) => {
      const staged: TrafficState = {
        stableVersion: "v1",
        candidateVersion: "v2",
        candidateWeight: 0,
        activeColor: "blue",
      };
      return { traffic: i % 2 === 0 ? staged : switchColors(staged) };
    },
  },
  canary: {
    base: { kind: "canary", replicas: 2 },
    next: (i) => {
      // v1 -> v2 -> v3 ...: 5, 10, 25, 50, 100, then the core promotion sequence (8 ups per version).
      const round = Math.floor(i / 8);
      const from = `v${round + 1}`;
      const to = `v${round + 2}`;
      const steps: TrafficState[] = [5, 10, 25, 50, 100].map((w) => ({
        stableVersion: from,
        candidateVersion: to,
        candidateWeight: w,
      }));
      steps.push(...promotionSequence({ stableVersion: from, candidateVersion: to, candidateWeight: 100 }));
      return { traffic: steps[i % 8] };
    },
  },
  rolling: {
    base: { kind: "rolling", replicas: 3, maxSurge: 1, maxUnavailable: 0 },
    next: (i) => ({ traffic: { stableVersion: `v${i + 2}` } }),
  },
};

function initialState(kind: keyof typeof PLANS): Record<string, unknown> {
  if (kind === "blueGreen")
    return { traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 } };
  return { traffic: { stableVersion: "v1", candidateWeight: 0 } };
}

/**
 * Deploys one service of `kind`, then runs `up` with the next state of its plan again and again
 * while a load runs, until at least `minRequests` were sent and `minSwitches` switches were done.
 */
export async function switchesUnderLoad(
  engine: EngineInfo,
  kind: keyof typeof PLANS,
  minRequests: number,
  minSwitches: number,
  log: (line: string) => void,
): Promise<SwitchResult> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  try {
    return await withTestStack(
      engine,
      { workDir: LOCAL_FIXTURE, stackName: `bench-${kind}` },
      async (stack) => {
        const plan = PLANS[kind];
        await configure(stack, { ...plan.base, stateDir, ...initialState(kind) });
        const first = await stack.up();
        const port = portOf(first.outputs.endpoint?.value);
        const load = new LoadGenerator(port, {
          concurrency: 8,
          maxRequests: 10_000_000,
          maxMs: 600_000,
        }).start();
        const started = Date.now();
        let switches = 0;
        while (switches < minSwitches || load.sent < minRequests) {
          await configure(stack, plan.next(switches));
          await stack.up();
          switches++;
          log(`${kind}: switch ${switches}, ${load.sent} requests sent`);
          if (Date.now() - started > 240_000) break;
        }
        // Keep the load on the final table for a moment, then stop it.
        await new Promise((r) => setTimeout(r, 500));
        const result = await load.stop();
        return {
          switches,
          sent: result.sent,
          failed: result.failed,
          failures: result.failures.slice(0, 5),
          seconds: (Date.now() - started) / 1000,
        };
      },
    );
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

export interface StepTiming {
  /** Milliseconds of each `up` that moved the weight one step. */
  full: number[];
  /** The same with `up --target <proxy urn>` (what the driver does when it reverts). */
  targeted: number[];
}

/** Times `up` runs that each move a canary weight one step (no load). */
export async function weightStepTimes(engine: EngineInfo, runs: number): Promise<StepTiming> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-steps-"));
  try {
    return await withTestStack(
      engine,
      { workDir: LOCAL_FIXTURE, stackName: "bench-steps" },
      async (stack) => {
        const traffic = (w: number) => ({
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: w },
        });
        await configure(stack, { kind: "canary", replicas: 2, stateDir, ...traffic(0) });
        const first = await stack.up();
        const target = (first.outputs.trafficUrns?.value as string[]) ?? [];
        const admin = new ProxyAdminClient({
          port: portOf(first.outputs.adminEndpoint?.value),
          token: String(first.outputs.adminToken?.value),
        });
        const timing: StepTiming = { full: [], targeted: [] };
        for (let i = 1; i <= runs * 2; i++) {
          const weight = i * 5;
          await configure(stack, traffic(weight));
          const t0 = Date.now();
          if (i % 2 === 1) await stack.up();
          else await stack.up({ target });
          const ms = Date.now() - t0;
          const { routes } = await admin.getRoutes();
          const landed = routes.versions.find((v) => v.name === "v2")?.weight;
          if (landed !== weight) throw new Error(`weight ${weight} did not land: the proxy has ${landed}`);
          (i % 2 === 1 ? timing.full : timing.targeted).push(ms);
        }
        return timing;
      },
    );
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
