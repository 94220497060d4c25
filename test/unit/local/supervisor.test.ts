import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import {
  DaemonStartError,
  isAlive,
  isPortFree,
  readState,
  startSupervisor,
  stopSupervisor,
  supervisorPaths,
} from "../../../components/local/runtime";
import { APP, pollUntil, request, Started, tempStateDir, versionOf } from "./helpers";

async function startFailure(promise: Promise<unknown>): Promise<DaemonStartError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DaemonStartError, `expected DaemonStartError, got ${String(err)}`);
    return err;
  }
  assert.fail("startSupervisor should have failed");
}

/** Pids the sample app printed into an instance log ("... (pid N)"). */
function appPidsInLog(file: string): number[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  return [...text.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

describe("local runtime: instance supervisor", function () {
  this.timeout(15_000);
  const stateDir = tempStateDir("supervisor-test");
  const started = new Started();

  after(async function () {
    this.timeout(20_000);
    await started.stopAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("starts N instances on their own ports, restarts one killed with -9, and stops leaving nothing", async () => {
    const t0 = Date.now();
    const state = await started.app(stateDir, "v1", {
      instances: 3,
      env: { VERSION: "v1", READY_DELAY_MS: "300" },
      restart: { initialBackoffMs: 100, maxBackoffMs: 1_000 },
    });
    const readyMs = Date.now() - t0;
    assert.ok(readyMs >= 300, `ready only after READY_DELAY_MS (took ${readyMs} ms)`);
    assert.equal(state.status, "ready");
    assert.equal(state.instances.length, 3);
    assert.equal(new Set(state.instances.map((i) => i.port)).size, 3, "each instance has its own port");
    for (const inst of state.instances) {
      assert.equal(inst.status, "ready");
      assert.ok(inst.pid !== null && isAlive(inst.pid));
      const reply = await request(inst.port);
      assert.equal(reply.status, 200);
      assert.deepEqual(JSON.parse(reply.body), {
        version: "v1",
        instance: String(inst.index),
        pid: inst.pid,
      });
    }
    const paths = supervisorPaths(stateDir, "web", "v1");
    assert.deepEqual(
      readState(paths.state)?.instances.map((i) => i.pid),
      state.instances.map((i) => i.pid),
    );
    assert.equal(fs.statSync(paths.config).mode & 0o777, 0o600, "config file is private");

    // kill -9 one instance by hand: the supervisor restarts it on the same port and records it.
    const victim = state.instances[1];
    assert.ok(victim?.pid);
    process.kill(victim.pid, "SIGKILL");
    const after = await pollUntil(
      () => readState(paths.state),
      (s) => s?.instances[1]?.restarts === 1 && s.instances[1].status === "ready" && s.status === "ready",
      8_000,
    );
    const restarted = after?.instances[1];
    assert.ok(restarted, "state has instance 1");
    assert.equal(restarted.restarts, 1);
    assert.equal(restarted.status, "ready");
    assert.equal(restarted.lastExit?.signal, "SIGKILL");
    assert.notEqual(restarted.pid, victim.pid);
    assert.equal(restarted.port, victim.port);
    assert.equal(versionOf(await request(victim.port)), "v1");
    assert.match(fs.readFileSync(paths.log, "utf8"), /instance 1 \(pid \d+\) was killed by SIGKILL/);

    // stop: no process left, no port bound (checked here, not only inside stopSupervisor).
    const pids = [state.pid, ...(after?.instances.map((i) => i.pid) ?? []), victim.pid].filter(
      (p): p is number => p !== null,
    );
    const result = await stopSupervisor(state.pid, 3_000, { stateFile: paths.state });
    assert.equal(result.signalled, true);
    assert.equal(result.forced, false, "graceful stop is enough for the sample app");
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
    for (const inst of state.instances)
      assert.equal(await isPortFree(inst.port), true, `port ${inst.port} is free`);
    assert.equal(readState(paths.state)?.status, "stopped");
    assert.match(fs.readFileSync(inst0Log(stateDir), "utf8"), /local-app received SIGTERM/);
  });

  it("restarts a crashing instance with exponential backoff and reports degraded meanwhile", async () => {
    const state = await started.app(stateDir, "crashy", {
      instances: 1,
      env: { VERSION: "crashy", CRASH_AFTER_MS: "250" },
      restart: { initialBackoffMs: 100, maxBackoffMs: 400, resetAfterMs: 60_000 },
    });
    const paths = supervisorPaths(stateDir, "web", "crashy");
    const delays = (): number[] =>
      [...fs.readFileSync(paths.log, "utf8").matchAll(/instance 0: restart \d+ in (\d+) ms/g)].map((m) =>
        Number(m[1]),
      );
    await pollUntil(delays, (d) => d.length >= 4, 8_000);
    assert.deepEqual(delays().slice(0, 4), [100, 200, 400, 400], "0.1 s doubling, capped at 0.4 s");
    const now = readState(paths.state);
    assert.ok((now?.instances[0]?.restarts ?? 0) >= 3);
    assert.equal(now?.instances[0]?.lastExit?.code, 1);
    const seen = await pollUntil(
      () => readState(paths.state)?.status,
      (s) => s === "degraded",
      3_000,
    );
    assert.equal(seen, "degraded");
    await stopSupervisor(state.pid, 3_000, { stateFile: paths.state });
  });

  it("fails with a clear error when the command is not found", async () => {
    const err = await startFailure(
      startSupervisor({
        service: "web",
        version: "nocmd",
        stateDir,
        command: ["no-such-command-xyz", "--port"],
      }),
    );
    assert.equal(err.code, "COMMAND_NOT_FOUND");
    assert.match(err.message, /command not found: "no-such-command-xyz"; check the program name and PATH/);
    assert.ok(err.pid !== undefined && !isAlive(err.pid), "the supervisor is gone");
  });

  it("fails with the command and the tail of its output when it exits at once", async () => {
    const script = "console.log('starting'); console.error('boom: DATABASE_URL is not set'); process.exit(3)";
    const err = await startFailure(
      startSupervisor({
        service: "web",
        version: "exits",
        stateDir,
        command: [process.execPath, "-e", script],
      }),
    );
    assert.equal(err.code, "EXITED_AT_START");
    assert.match(err.message, /exited with code 3 during start-up/);
    assert.ok(err.message.includes(process.execPath), "names the command");
    assert.match(err.message, /boom: DATABASE_URL is not set/);
    assert.ok(err.pid !== undefined && !isAlive(err.pid));
  });

  it("fails at the readiness deadline with the last status and body seen, and stops the instance", async () => {
    const t0 = Date.now();
    const err = await startFailure(
      startSupervisor({
        service: "web",
        version: "slow",
        stateDir,
        command: [process.execPath, APP],
        env: { READY_DELAY_MS: "60000" },
        readiness: { path: "/health/ready", intervalMs: 50, deadlineMs: 1_000 },
        stopGraceMs: 1_000,
      }),
    );
    const ms = Date.now() - t0;
    assert.equal(err.code, "READINESS_DEADLINE");
    assert.match(
      err.message,
      /not ready within 1000 ms: GET \/health\/ready expected 200, last answer was 503/,
    );
    assert.match(err.message, /not ready/);
    // What is asserted is which event ended the start (the deadline, not the app's readiness 60 s
    // later), not how fast: a loaded machine may take seconds to stop the instance.
    assert.ok(ms < 30_000, `failed at the readiness deadline, not when the app became ready (${ms} ms)`);
    assert.ok(err.pid !== undefined && !isAlive(err.pid));
    const appPids = appPidsInLog(supervisorPaths(stateDir, "web", "slow").instanceLog(0));
    assert.equal(appPids.length, 1);
    for (const pid of appPids) assert.equal(isAlive(pid), false, "the instance was stopped");
  });

  it("fails naming the port when a given port is already in use", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startFailure(
        startSupervisor({
          service: "web",
          version: "busy",
          stateDir,
          command: [process.execPath, APP],
          ports: [port],
        }),
      );
      assert.equal(err.code, "PORT_IN_USE");
      assert.match(
        err.message,
        new RegExp(`port ${port} \\(instance 0\\) is already in use on 127\\.0\\.0\\.1`),
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it("rejects an invalid config before starting anything", async () => {
    await assert.rejects(
      startSupervisor({
        service: "web",
        version: "bad",
        stateDir,
        command: [process.execPath, APP],
        instances: 0,
      }),
      /instances: must be an integer from 1 to 64, got 0/,
    );
    assert.equal(fs.existsSync(supervisorPaths(stateDir, "web", "bad").dir), false);
  });
});

function inst0Log(stateDir: string): string {
  return supervisorPaths(stateDir, "web", "v1").instanceLog(0);
}
