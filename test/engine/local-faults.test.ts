// Faults of the local platform through a real engine, one test each: the error names the field,
// the value and the fix, and nothing is left running afterwards.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import type { Stack } from "@pulumi/pulumi/automation";
import { isAlive } from "../../components/local/runtime";
import { get, versionOf } from "../../harness/load";
import { type EngineInfo, requireEngine, withTestStack } from "../support/engine";
import {
  assertNothingLeft,
  configure,
  LOCAL_FIXTURE,
  listFiles,
  processesMentioning,
  resourceOutputs,
  Seen,
  tempStateDir,
} from "../support/local";

/** The error of a failed `up`, with the engine's output (where the diagnostics are). */
async function failedUp(stack: Stack): Promise<string> {
  let output = "";
  try {
    await stack.up({ onOutput: (s) => (output += s) });
  } catch (err) {
    return `${(err as Error).message}\n${output}`;
  }
  assert.fail(`up should have failed; output:\n${output}`);
}

interface Case {
  stateDir: string;
  seen: Seen;
}

/** Runs a test on a fresh stack and state folder, then proves nothing is left. */
async function withLocalStack(
  engine: EngineInfo,
  name: string,
  body: (stack: Stack, c: Case) => Promise<void>,
) {
  const c: Case = { stateDir: tempStateDir(`local-${name}`), seen: new Seen() };
  try {
    await withTestStack(engine, { workDir: LOCAL_FIXTURE, stackName: name }, (stack) => body(stack, c));
    await assertNothingLeft(c.stateDir, c.seen);
  } finally {
    fs.rmSync(c.stateDir, { recursive: true, force: true });
  }
}

const V1 = { stableVersion: "v1", candidateWeight: 0 };
const SET = "pulumi-nodejs:dynamic/local:InstanceSet";

describe("local platform: faults through the engine", function () {
  this.timeout(180_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("port already in use: a clear error naming the port, and the instances it started are stopped on destroy", async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      await withLocalStack(engine, "port", async (stack, c) => {
        await configure(stack, { kind: "canary", stateDir: c.stateDir, port, traffic: V1 });
        const error = await failedUp(stack);
        assert.match(error, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1`));
        assert.match(error, new RegExp(`field port = ${port}; fix: stop what listens on ${port}`));
        c.seen.recordStateFiles(c.stateDir);
      });
    } finally {
      blocker.close();
    }
  });

  it("command not found, and a command that exits at once: the error shows the command and its output", async () => {
    await withLocalStack(engine, "command", async (stack, c) => {
      await configure(stack, { kind: "canary", stateDir: c.stateDir, brokenVersion: "v1", traffic: V1 });
      const missing = await failedUp(stack);
      assert.match(missing, /command not found: "no-such-program-for-progressive-tests"/);
      assert.match(missing, /field command = \["no-such-program-for-progressive-tests"\]/);

      const script = "console.error('boom: DATABASE_URL is not set'); process.exit(3)";
      await configure(stack, { brokenCommand: [process.execPath, "-e", script] });
      const exited = await failedUp(stack);
      assert.match(exited, /exited with code 3 during start-up/);
      assert.match(exited, /boom: DATABASE_URL is not set/, "the tail of its output");
      assert.ok(exited.includes(process.execPath), "the command");
      c.seen.recordStateFiles(c.stateDir);
    });
  });

  it("readiness never reached: fails at the deadline with the last answer", async () => {
    await withLocalStack(engine, "ready", async (stack, c) => {
      await configure(stack, {
        kind: "canary",
        stateDir: c.stateDir,
        readinessPath: "/not-here",
        progressDeadline: "2s",
        traffic: V1,
      });
      const started = Date.now();
      const error = await failedUp(stack);
      const took = Date.now() - started;
      assert.match(error, /was not ready within 2000 ms: GET \/not-here expected 200, last answer was 404/);
      assert.match(error, /field health\.readiness/);
      assert.match(error, /lengthen strategy\.progressDeadline/);
      assert.ok(took < 30_000, `gave up after ${took} ms`);
      c.seen.recordStateFiles(c.stateDir);
    });
  });

  it("invalid weights: rejected by core validation before anything starts", async () => {
    const stateDir = tempStateDir("local-weights");
    try {
      await withTestStack(engine, { workDir: LOCAL_FIXTURE, stackName: "weights" }, async (stack) => {
        const traffic = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 150 };
        await configure(stack, { kind: "canary", stateDir, traffic });
        const error = await failedUp(stack);
        assert.match(
          error,
          /invalid CanaryService "web": traffic\.candidateWeight \(150\): must be an integer from 0 to 100; use a weight such as 100/,
        );
        assert.doesNotMatch(error, /\n\s+at .*\.(ts|js):\d+/, "no stack trace under the clear message");
        await configure(stack, { kind: "blueGreen", traffic: { ...traffic, candidateWeight: 10 } });
        assert.match(
          await failedUp(stack),
          /traffic\.candidateWeight \(10\): must be 0 for a blueGreen strategy/,
        );
      });
      assert.deepEqual(listFiles(stateDir), [], "nothing was started");
      assert.deepEqual(processesMentioning(stateDir), []);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("an instance, then the supervisor, killed by hand: refresh reports each; supervision restarts the instance, the next up replaces the set", async () => {
    await withLocalStack(engine, "killed", async (stack, c) => {
      await configure(stack, { kind: "canary", stateDir: c.stateDir, traffic: V1 });
      const up = await stack.up();
      const processes = c.seen.record(up.outputs);
      const victim = processes.slots.stable?.instances[0];
      assert.ok(victim?.pid, "an instance to kill");
      process.kill(victim.pid, "SIGKILL");
      const refresh = await stack.refresh();
      assert.equal(refresh.summary.resourceChanges?.update, 1, "refresh reports the instance set changed");
      const refreshed = await resourceOutputs(stack, SET, "web-stable");
      const instance = (
        refreshed.instances as Array<{ index: number; pid: number | null; restarts: number }>
      )[0];
      assert.notEqual(instance?.pid, victim.pid, "the killed pid is no longer reported");
      // The supervisor restarts it (backoff 200 ms); the next refresh sees the new process.
      const deadline = Date.now() + 10_000;
      let current = instance;
      while (Date.now() < deadline && !(current?.pid && isAlive(current.pid))) {
        await stack.refresh();
        const outs = await resourceOutputs(stack, SET, "web-stable");
        current = (outs.instances as Array<{ index: number; pid: number | null; restarts: number }>)[0];
      }
      assert.ok(
        current?.pid && isAlive(current.pid) && current.pid !== victim.pid,
        "restarted with a new pid",
      );
      assert.ok((current?.restarts ?? 0) >= 1, "the restart is counted");
      c.seen.pids.add(current.pid);
      const recorded = await stack.up();
      assert.equal(recorded.summary.resourceChanges?.update, 1, "the next up records the restarted instance");
      const port = Number(new URL(String(up.outputs.endpoint?.value)).port);
      for (let i = 0; i < 10; i++) assert.equal(versionOf(await get(port)), "v1");

      // A supervisor killed by hand leaves its instances orphaned: refresh reports the set gone,
      // the next up replaces it (new supervisor first, then the table) and stops the orphans.
      const before = await resourceOutputs(stack, SET, "web-stable");
      const orphans = (before.instances as Array<{ pid: number | null }>).flatMap((i) =>
        i.pid ? [i.pid] : [],
      );
      process.kill(before.supervisorPid as number, "SIGKILL");
      await stack.refresh();
      assert.equal((await resourceOutputs(stack, SET, "web-stable")).status, "gone");
      const healed = await stack.up();
      c.seen.record(healed.outputs);
      assert.equal(
        healed.summary.resourceChanges?.replace,
        1,
        JSON.stringify(healed.summary.resourceChanges),
      );
      const after = await resourceOutputs(stack, SET, "web-stable");
      assert.equal(after.status, "ready");
      assert.notEqual(after.supervisorPid, before.supervisorPid);
      assert.deepEqual(orphans.filter(isAlive), [], "the orphaned instances were stopped");
      for (let i = 0; i < 10; i++) assert.equal(versionOf(await get(port)), "v1");
    });
  });

  it("destroy after a partial failure stops everything the failed up started", async () => {
    await withLocalStack(engine, "partial", async (stack, c) => {
      const traffic = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 };
      await configure(stack, { kind: "canary", stateDir: c.stateDir, brokenVersion: "v2", traffic });
      const error = await failedUp(stack);
      assert.match(error, /instance set web\/canary \(version v2\) did not start/);
      c.seen.recordStateFiles(c.stateDir);
      const running = [...c.seen.pids].filter(isAlive);
      assert.ok(
        running.length >= 3,
        `the stable set (supervisor and 2 instances) runs: ${running.join(", ")}`,
      );
      const destroy = await stack.destroy();
      assert.ok((destroy.summary.resourceChanges?.delete ?? 0) >= 1);
      await assertNothingLeft(c.stateDir, c.seen);
    });
  });
});
