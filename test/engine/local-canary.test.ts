// The local CanaryService through a real engine: exact weights, the header route, every step of
// the seed's plan and the core promotion sequence under load without one failed request, the
// replacement order that makes that possible, and a destroy that leaves nothing behind.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { promotionSequence, type TrafficState } from "../../components/core";
import { get, LoadGenerator, versionOf } from "../../harness/load";
import { type EngineInfo, requireEngine, withTestStack } from "../support/engine";
import { assertNothingLeft, configure, LOCAL_FIXTURE, portOf, Seen, tempStateDir } from "../support/local";

/** Operations the engine reported, in order: `pre|done op name`. */
function opLog(events: EngineEvent[]): string[] {
  return events.flatMap((e) => {
    const pre = e.resourcePreEvent?.metadata;
    const done = e.resOutputsEvent?.metadata;
    const m = pre ?? done;
    if (!m || m.op === "same") return [];
    return [`${pre ? "pre" : "done"} ${m.op} ${m.urn.split("::").pop()}`];
  });
}

function indexOf(log: string[], entry: string): number {
  const i = log.indexOf(entry);
  assert.ok(i >= 0, `"${entry}" not in ${JSON.stringify(log)}`);
  return i;
}

/** `up` with the traffic state while a load runs; returns the outputs, the load's result and the op log. */
async function upUnderLoad(stack: Stack, port: number | undefined, traffic: TrafficState) {
  await configure(stack, { traffic });
  const load = port
    ? new LoadGenerator(port, {
        concurrency: 4,
        intervalMs: 5,
        maxRequests: 1_000_000,
        maxMs: 120_000,
      }).start()
    : undefined;
  const events: EngineEvent[] = [];
  const t0 = Date.now();
  const up = await stack.up({ onEvent: (e) => events.push(e) });
  if (process.env.LOCAL_TEST_TIMING)
    console.log(`      up ${JSON.stringify(traffic)}: ${Date.now() - t0} ms`);
  // A little traffic after the up, on the new table and the processes that remain.
  await new Promise((r) => setTimeout(r, 300));
  const result = await load?.stop();
  return { outputs: up.outputs, load: result, log: opLog(events) };
}

/** Versions of `n` requests sent with `concurrency` workers. */
async function split(
  port: number,
  n: number,
  headers?: Record<string, string>,
): Promise<Record<string, number>> {
  const load = new LoadGenerator(port, {
    concurrency: 4,
    maxRequests: n,
    maxMs: 60_000,
    ...(headers ? { headers } : {}),
  }).start();
  const result = await load.done();
  assert.equal(result.failed, 0, `failures: ${result.failures.join("; ")}`);
  assert.equal(result.sent, n);
  return result.byVersion;
}

describe("local platform: CanaryService through the engine", function () {
  this.timeout(300_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("splits exactly, promotes 5-10-25-50-100 and through the promotion sequence with no failed request, and cleans up", async () => {
    const stateDir = tempStateDir("local-canary");
    const seen = new Seen();
    let sent = 0;
    try {
      await withTestStack(engine, { workDir: LOCAL_FIXTURE, stackName: "canary" }, async (stack) => {
        await configure(stack, { kind: "canary", stateDir, replicas: 2 });
        const first = await upUnderLoad(stack, undefined, { stableVersion: "v1", candidateWeight: 0 });
        const port = portOf(first.outputs.endpoint?.value);
        seen.record(first.outputs);
        assert.deepEqual(await split(port, 200), { v1: 200 });

        for (const weight of [5, 10, 25, 50, 100]) {
          const step = await upUnderLoad(stack, port, {
            stableVersion: "v1",
            candidateVersion: "v2",
            candidateWeight: weight,
          });
          seen.record(step.outputs);
          sent += step.load?.sent ?? 0;
          assert.equal(step.load?.failed, 0, `weight ${weight}: ${step.load?.failures.join("; ")}`);
          assert.equal(step.outputs.effectiveWeight?.value, weight, "the proxy reports the weight asked for");
          // The proxy is exact: any 100 consecutive requests hold exactly `weight` for the candidate,
          // so 2000 requests hold 20 * weight (tolerance 0).
          const counts = await split(port, 2000);
          assert.equal(counts.v2 ?? 0, 20 * weight, `weight ${weight}: ${JSON.stringify(counts)}`);
          assert.equal(counts.v1 ?? 0, 2000 - 20 * weight);
        }
        assert.deepEqual(
          await split(port, 50, { "X-Canary": "true" }),
          { v2: 50 },
          "the header route reaches the candidate",
        );

        const sequence = promotionSequence({
          stableVersion: "v1",
          candidateVersion: "v2",
          candidateWeight: 100,
        });
        const logs: string[][] = [];
        for (const state of sequence) {
          const step = await upUnderLoad(stack, port, state);
          seen.record(step.outputs);
          sent += step.load?.sent ?? 0;
          logs.push(step.log);
          assert.equal(step.load?.failed, 0, `${JSON.stringify(state)}: ${step.load?.failures.join("; ")}`);
        }
        // Step 2 replaces the stable set: new set ready, then the table, then the old set stops.
        const replaced = logs[1] as string[];
        const created = indexOf(replaced, "done create-replacement web-stable");
        const routed = indexOf(replaced, "done update web-proxy");
        const deleted = indexOf(replaced, "pre delete-replaced web-stable");
        assert.ok(created < routed && routed < deleted, `replacement order: ${JSON.stringify(replaced)}`);
        // Step 3 drops the candidate set only after the table stopped routing to it.
        const dropped = logs[2] as string[];
        assert.ok(indexOf(dropped, "done update web-proxy") < indexOf(dropped, "pre delete web-canary"));
        assert.deepEqual(await split(port, 200), { v2: 200 });
        const reply = await get(port);
        assert.equal(versionOf(reply), "v2");
      });
      console.log(`      ${sent} requests during 8 canary updates, 0 failed`);
      await assertNothingLeft(stateDir, seen);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
