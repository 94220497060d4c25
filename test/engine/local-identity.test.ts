// Which processes the local platform may signal, and what comes back by itself, through a real
// engine and the driver under load: `resume` never stops the live version through an old folder
// whose pid now names one of its threads (issue 22, item 11), and a proxy keeper killed by the pid
// in its state file is replaced without a failed request (item 12).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { releaseCommand, resumeCommand, statusCommand } from "../../automation/driver/commands";
import { journalFile, readJournal } from "../../automation/driver/journal";
import type { StackTarget } from "../../automation/driver/stack";
import {
  isAlive,
  isRunning,
  keeperOf,
  readProxyState,
  readState,
  type SupervisorState,
} from "../../components/local/runtime";
import { configJson, type FastConfigOptions, fastCanaryValues } from "../../harness/demo-config";
import { LoadGenerator } from "../../harness/load";
import { killGroup, spawnCli, waitForDriver } from "../support/cli";
import { type EngineInfo, requireEngine, withTestStack } from "../support/engine";
import { assertNothingLeft, processesMentioning, resourceOutputs, Seen } from "../support/local";

const root = path.resolve(__dirname, "..", "..");
const PROJECT = "progressive-delivery";

interface ReleaseStack {
  readonly stack: Stack;
  readonly stateDir: string;
  /** `<stateDir>/<project>/<stack>/web`: the supervisors' and the proxy's folders. */
  readonly serviceDir: string;
  readonly target: StackTarget & { env: Record<string, string> };
  readonly endpoint: string;
}

/** A stack of the repo's program with fast checks, deployed at v1 on a temporary backend and state folder. */
async function withReleaseStack(
  engine: EngineInfo,
  cfg: FastConfigOptions,
  body: (s: ReleaseStack) => Promise<void>,
): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-identity-"));
  try {
    const env = { PROGRESSIVE_STATE_DIR: stateDir, PROGRESSIVE_LOCAL_DIR: stateDir };
    await withTestStack(engine, { workDir: root, stackName: "ident", env }, async (stack, backend) => {
      await stack.workspace.setAllConfigJson(stack.name, configJson(PROJECT, fastCanaryValues(cfg)));
      const up = await stack.up();
      await body({
        stack,
        stateDir,
        serviceDir: path.join(stateDir, PROJECT, stack.name, "web"),
        target: { workDir: stack.workspace.workDir, stackName: stack.name, env: backend.envVars },
        endpoint: String(up.outputs.endpoint?.value),
      });
    });
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The supervisor folders of a service with their state, and whether their supervisor runs. */
function supervisorFolders(serviceDir: string): { dir: string; state: SupervisorState; running: boolean }[] {
  return fs
    .readdirSync(serviceDir)
    .filter((d) => d !== "proxy")
    .flatMap((d) => {
      const state = readState(path.join(serviceDir, d, "supervisor.state.json"));
      return state ? [{ dir: d, state, running: isAlive(state.pid) }] : [];
    });
}

/** When the first answer came after a run of failures that began after `since`. */
function servedAgainAt(load: LoadGenerator, since: number): number | undefined {
  const after = load.answers.filter((a) => a.at > since);
  const failedFrom = after.findIndex((a) => a.who.startsWith("error"));
  return failedFrom < 0 ? undefined : after.slice(failedFrom).find((a) => !a.who.startsWith("error"))?.at;
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("local platform: process identity and self-healing through the driver", function () {
  this.timeout(900_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("resume after a driver killed at 10 % leaves the live stable version running, though an old folder's pid names one of its threads", async () => {
    const steps: FastConfigOptions["steps"] = [
      { setWeight: 10 },
      { pause: { duration: "4s" } },
      { setWeight: 100 },
    ];
    await withReleaseStack(engine, { steps, versionEnv: {} }, async (s) => {
      const first = await releaseCommand(s.target, "v2", { stateDir: s.stateDir });
      assert.equal(first.outcome, "promoted", JSON.stringify(first));
      const folders = supervisorFolders(s.serviceDir);
      const live = folders.filter((f) => f.running);
      assert.equal(live.length, 1, `one supervisor runs after the promotion: ${JSON.stringify(folders)}`);
      const stable = live[0]?.state as SupervisorState;
      const old = folders.find((f) => !f.running);
      assert.ok(old, "the promotion left the folder of a stopped supervisor");
      // Pid reuse as the fault probe found it: the old folder's pid is now a thread of the live
      // stable supervisor, in a file as older versions wrote it (no start time), marked running.
      const [tid] = fs
        .readdirSync(`/proc/${stable.pid}/task`)
        .map(Number)
        .filter((t) => t !== stable.pid);
      assert.ok(tid, "the stable supervisor has threads");
      const { startTime: _dropped, ...legacy } = old.state;
      const oldFile = path.join(s.serviceDir, old.dir, "supervisor.state.json");
      fs.writeFileSync(oldFile, JSON.stringify({ ...legacy, pid: tid, status: "ready" }));

      const file = journalFile(s.stateDir, PROJECT, s.target.stackName, "web");
      const stableFile = path.join(s.serviceDir, live[0]?.dir ?? "", "supervisor.state.json");
      const stableServes = () => isAlive(stable.pid) && readState(stableFile)?.status === "ready";
      const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
      load.start();
      const warnings: string[] = [];
      let servedWhenResumeBegan: boolean | undefined;
      try {
        const args = ["release", "v3", "--stack", s.target.stackName, "--state-dir", s.stateDir];
        const child = spawnCli([...args, "--cwd", s.target.workDir ?? root], s.target.env, true);
        await waitForDriver(
          () => readJournal(file)?.applied?.candidateWeight === 10 && readJournal(file)?.phase === "stepping",
          240_000,
          child,
        );
        await killGroup(child);
        assert.equal(stableServes(), true, "the stable version runs when the driver is killed");
        const resumed = await resumeCommand(s.target, {
          stateDir: s.stateDir,
          onEvent: (e) => {
            // The orphan reaper runs before the first event: the stable supervisor must still serve.
            servedWhenResumeBegan ??= stableServes();
            if (e.type === "log" && e.level === "warn") warnings.push(e.message);
          },
        });
        assert.equal(resumed.outcome, "promoted", JSON.stringify(resumed));
        assert.deepEqual(await load.probe(40), { v3: 40 });
      } finally {
        await load.stop();
      }
      console.log(`      resume after the kill at 10 %: ${load.summary()}`);
      assert.equal(servedWhenResumeBegan, true, "the stable supervisor served when resume had reaped");
      assert.deepEqual(
        warnings.filter((w) => w.includes(String(stable.pid)) || w.includes(String(tid))),
        [],
        "resume stopped nothing of the stable version",
      );
      assert.equal(load.failed, 0, `no request failed: ${JSON.stringify(load.result().failures)}`);
      const seen = new Seen();
      seen.recordStateFiles(s.stateDir);
      seen.pids.delete(tid); // a thread of a process the destroy below stops
      await s.stack.destroy();
      await assertNothingLeft(s.stateDir, seen);
    });
  });

  it("a proxy keeper killed -9 under load: no request fails, the state names its successor, and status, refresh, up and destroy carry on", async () => {
    await withReleaseStack(engine, {}, async (s) => {
      const proxyFile = path.join(s.serviceDir, "proxy", "proxy.state.json");
      const proxyConfig = path.join(s.serviceDir, "proxy", "proxy.config.json");
      const seen = new Seen();
      seen.recordStateFiles(s.stateDir);
      const load = new LoadGenerator(s.endpoint, { ratePerSecond: 100, maxMs: 600_000, keepAnswers: true });
      load.start();
      const figures: string[] = [];
      let keeperFailed = -1;
      try {
        await until(() => load.result().ok >= 50, 10_000, "the load to be served");
        // 1. The keeper killed: its worker serves on and starts a keeper that the state then names.
        const before = readProxyState(proxyFile);
        assert.ok(before?.workerPid);
        const killedAt = Date.now();
        process.kill(before.pid, "SIGKILL");
        await until(
          () => {
            const now = readProxyState(proxyFile);
            return (
              now !== undefined &&
              now.pid !== before.pid &&
              isRunning(keeperOf(now), "proxy-main", proxyConfig)
            );
          },
          10_000,
          "a new keeper in the state",
        );
        const replacedMs = Date.now() - killedAt;
        const sent = load.sent;
        await until(() => load.sent >= sent + 100, 10_000, "100 more requests");
        keeperFailed = load.failed;
        const replaced = readProxyState(proxyFile);
        assert.ok(replaced?.workerPid === before.workerPid && replaced.keeperRestarts === 1);
        figures.push(`keeper killed: successor in the state after ${replacedMs} ms, ${keeperFailed} failed`);
        const st = await statusCommand(s.target, { stateDir: s.stateDir });
        const reading = st.services[0]?.router;
        assert.ok(reading?.verified, `status reads the router: ${JSON.stringify(reading)}`);
        // `up` finds the proxy through its state file (the stack still records the killed keeper)
        // and replaces nothing; refresh then records the new keeper (pid and start time).
        const up = await s.stack.up();
        const changes = up.summary.resourceChanges ?? {};
        assert.deepEqual(
          [changes.create, changes.replace, changes.delete],
          [undefined, undefined, undefined],
        );
        await s.stack.refresh();
        const outs = await resourceOutputs(s.stack, "pulumi-nodejs:dynamic/local:Proxy", "web-proxy");
        assert.deepEqual(
          [outs.pid, outs.startTime, outs.status],
          [replaced.pid, replaced.startTime, "ready"],
        );

        // 2. Keeper and worker killed together: nothing serves until the next `up` starts a proxy.
        const both = readProxyState(proxyFile);
        assert.ok(both?.workerPid);
        const failedBefore = load.failed;
        const bothAt = Date.now();
        for (const pid of [both.pid, both.workerPid]) process.kill(pid, "SIGSTOP");
        for (const pid of [both.pid, both.workerPid]) process.kill(pid, "SIGKILL");
        const st2 = await statusCommand(s.target, { stateDir: s.stateDir });
        const down = st2.services[0]?.router;
        assert.match(down && !down.verified ? down.reason : "", /router unreachable/);
        const healed = await s.stack.up();
        assert.equal(
          healed.summary.resourceChanges?.replace,
          1,
          JSON.stringify(healed.summary.resourceChanges),
        );
        seen.recordStateFiles(s.stateDir);
        await until(() => servedAgainAt(load, bothAt) !== undefined, 10_000, "the new proxy to serve");
        const servedMs = (servedAgainAt(load, bothAt) ?? Number.NaN) - bothAt;
        figures.push(
          `keeper and worker killed together: served again after ${servedMs} ms by the next up, ${load.failed - failedBefore} failed`,
        );
      } finally {
        await load.stop();
      }
      console.log(`      ${figures.join("; ")}; load: ${load.summary()}`);
      assert.equal(keeperFailed, 0, "no request failed while the keeper was replaced");
      // 3. The new proxy's keeper killed too, and no refresh: destroy stops its successor, found
      // through the state file, not by the stale pid the stack holds.
      const last = readProxyState(proxyFile);
      assert.ok(last);
      process.kill(last.pid, "SIGKILL");
      await until(() => (readProxyState(proxyFile)?.pid ?? last.pid) !== last.pid, 10_000, "a successor");
      seen.recordStateFiles(s.stateDir);
      await s.stack.destroy();
      await assertNothingLeft(s.stateDir, seen);
      assert.deepEqual(processesMentioning(proxyConfig), [], "no keeper or worker runs");
    });
  });
});
