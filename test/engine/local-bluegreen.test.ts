// The local BlueGreenService through a real engine: the preview port shows the idle colour, the
// switch sends every new request to the new colour without one failed request, the old colour
// stops only when asked (idleReplicas 0), and destroy leaves nothing behind.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type { Stack } from "@pulumi/pulumi/automation";
import { switchColors, type TrafficState } from "../../components/core";
import { get, LoadGenerator, type LoadResult, versionOf } from "../../harness/load";
import { type EngineInfo, requireEngine, withTestStack } from "../support/engine";
import { assertNothingLeft, configure, LOCAL_FIXTURE, portOf, Seen, tempStateDir } from "../support/local";

async function versions(port: number, n: number): Promise<Record<string, number>> {
  const result = await new LoadGenerator(port, { concurrency: 4, maxRequests: n, maxMs: 60_000 })
    .start()
    .done();
  assert.equal(result.failed, 0, result.failures.join("; "));
  return result.byVersion;
}

async function upUnderLoad(stack: Stack, port: number, values: Record<string, unknown>) {
  await configure(stack, values);
  const load = new LoadGenerator(port, {
    concurrency: 4,
    intervalMs: 5,
    maxRequests: 1_000_000,
    maxMs: 120_000,
  }).start();
  const up = await stack.up();
  await new Promise((r) => setTimeout(r, 300));
  const result: LoadResult = await load.stop();
  assert.equal(
    result.failed,
    0,
    `failed requests during up ${JSON.stringify(values)}: ${result.failures.join("; ")}`,
  );
  return { outputs: up.outputs, load: result };
}

describe("local platform: BlueGreenService through the engine", function () {
  this.timeout(300_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("previews the idle colour, switches with no failed request, scales the old colour down and cleans up", async () => {
    const stateDir = tempStateDir("local-bluegreen");
    const seen = new Seen();
    let sent = 0;
    try {
      await withTestStack(engine, { workDir: LOCAL_FIXTURE, stackName: "bluegreen" }, async (stack) => {
        const blue: TrafficState = { stableVersion: "v1", candidateWeight: 0, activeColor: "blue" };
        await configure(stack, { kind: "blueGreen", stateDir, replicas: 2, traffic: blue });
        const first = await stack.up();
        seen.record(first.outputs);
        const port = portOf(first.outputs.endpoint?.value);
        const previewPort = portOf(first.outputs.previewEndpoint?.value);
        assert.deepEqual(await versions(port, 100), { v1: 100 });
        const empty = await get(previewPort);
        assert.equal(empty.status, 503, "no idle colour yet: the preview has nothing to show");

        // The candidate goes to the idle colour (green) and is reachable only on the preview port.
        const withCandidate: TrafficState = { ...blue, candidateVersion: "v2" };
        const staged = await upUnderLoad(stack, port, { traffic: withCandidate });
        seen.record(staged.outputs);
        sent += staged.load.sent;
        assert.deepEqual(
          staged.load.byVersion,
          { v1: staged.load.sent },
          "nothing reaches green before the switch",
        );
        assert.deepEqual(await versions(previewPort, 50), { v2: 50 });
        assert.equal(portOf(staged.outputs.previewEndpoint?.value), previewPort, "the preview port is kept");

        // The switch: one proxy update; every request after it reaches green (v2).
        const switched = await upUnderLoad(stack, port, { traffic: switchColors(withCandidate) });
        seen.record(switched.outputs);
        sent += switched.load.sent;
        assert.equal(switched.outputs.stableVersion?.value, "v2");
        assert.equal(portOf(switched.outputs.endpoint?.value), port, "the service port is kept");
        assert.deepEqual(await versions(port, 500), { v2: 500 });
        assert.equal(versionOf(await get(previewPort)), "v1", "the old colour stays warm on the preview");

        // After the scale-down delay the driver stops the old colour: the table first, then the set.
        const scaled = await upUnderLoad(stack, port, {
          traffic: switchColors(withCandidate),
          idleReplicas: 0,
        });
        seen.record(scaled.outputs);
        sent += scaled.load.sent;
        const slots =
          (scaled.outputs.processes?.value as { slots: Record<string, unknown> } | undefined)?.slots ?? {};
        assert.deepEqual(Object.keys(slots), ["green"]);
        assert.deepEqual(await versions(port, 100), { v2: 100 });
      });
      console.log(`      ${sent} requests during 3 blue-green updates, 0 failed`);
      await assertNothingLeft(stateDir, seen);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
