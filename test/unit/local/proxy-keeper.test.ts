import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import {
  DaemonStartError,
  isAlive,
  isPortFree,
  ProxyAdminClient,
  type ProxyState,
  proxyPaths,
  type RouteTableInput,
  readProxyState,
  type SupervisorState,
  startProxy,
  stopProxy,
} from "../../../components/local/runtime";
import { probeLoop, proxyStateWhere, request, Started, tempStateDir, versionOf } from "./helpers";

const TOKEN = "keeper-token-0123456789abcdef";
/**
 * How long a wait for an event (serving again, the state file updated) may take before the test
 * fails. A deadline, not a target: restart times are printed, never asserted, in the unit tier.
 */
const DEADLINE_MS = 10_000;

describe("local runtime: the proxy is restarted when it dies", function () {
  this.timeout(30_000);
  const stateDir = tempStateDir("proxy-keeper-test");
  const started = new Started();
  const stateFile = proxyPaths(stateDir, "web").state;
  let blue: SupervisorState;
  let green: SupervisorState;
  let proxy: ProxyState;
  let admin: ProxyAdminClient;

  const instancesOf = (s: SupervisorState) => s.instances.map((i) => ({ port: i.port }));
  const table = (b: number, g: number): RouteTableInput => ({
    versions: [
      { name: "blue", weight: b, instances: instancesOf(blue) },
      { name: "green", weight: g, instances: instancesOf(green) },
    ],
    previewVersion: "green",
  });

  /** Kills the serving worker with -9 under a paced request loop; returns once it serves again. */
  async function killWorker(): Promise<{
    restartMs: number;
    failed: number;
    sent: number;
    state: ProxyState;
  }> {
    const before = readProxyState(stateFile);
    assert.ok(before?.workerPid, "the state names the worker");
    const probe = probeLoop(before.port, 20);
    await probe.served(5, 0, 5_000);
    const killedAt = Date.now();
    process.kill(before.workerPid, "SIGKILL");
    const servedAfterKill = () => probe.probes.find((p) => p.sentAt > killedAt && p.ok);
    // Served again, and then steadily (5 more answers), before the loop stops.
    await probe.served(6, killedAt, DEADLINE_MS);
    const probes = await probe.stop();
    const served = servedAfterKill();
    assert.ok(served, "the proxy serves again");
    const state = await proxyStateWhere(
      "the state file saying ready after one more restart",
      stateFile,
      (s) => s.status === "ready" && s.restarts === before.restarts + 1,
      DEADLINE_MS,
    );
    assert.ok(state, "the state file is there");
    return {
      restartMs: served.doneAt - killedAt,
      failed: probes.filter((p) => !p.ok).length,
      sent: probes.length,
      state,
    };
  }

  before(async function () {
    this.timeout(30_000);
    [blue, green] = await Promise.all([
      started.app(stateDir, "blue", { instances: 1 }),
      started.app(stateDir, "green", { instances: 1 }),
    ]);
    proxy = await startProxy({
      service: "web",
      stateDir,
      adminToken: TOKEN,
      previewPort: 0,
      shutdownGraceMs: 1_000,
      routes: { versions: [{ name: "blue", weight: 100, instances: instancesOf(blue) }] },
    });
    started.proxy(proxy.pid, stateDir, "web");
    admin = new ProxyAdminClient({ port: proxy.adminPort, token: TOKEN });
  });

  after(async function () {
    this.timeout(30_000);
    await started.stopAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("records the keeper's pid, the worker's pid and no restart yet", () => {
    assert.equal(proxy.status, "ready");
    assert.equal(proxy.restarts, 0);
    assert.ok(proxy.workerPid && proxy.workerPid !== proxy.pid && isAlive(proxy.workerPid));
  });

  it("serves again after a kill -9, on the same ports, with the table the admin API wrote", async () => {
    const written = await admin.putRoutes(table(70, 30), 1);
    assert.equal(written.generation, 2);
    const { restartMs, failed, sent, state } = await killWorker();
    console.log(
      `      worker killed -9: served again ${restartMs} ms after the kill (target 2000 ms); ${failed} of ${sent} paced requests failed`,
    );
    assert.equal(state.pid, proxy.pid, "the keeper's pid stays what the stack knows");
    assert.notEqual(state.workerPid, proxy.workerPid);
    assert.equal(state.restarts, 1);
    assert.deepEqual(
      [state.port, state.previewPort, state.adminPort],
      [proxy.port, proxy.previewPort, proxy.adminPort],
    );
    const now = await admin.getRoutes();
    assert.deepEqual(now, written, "same generation and table, through the same token");
    const seen: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const v = versionOf(await request(proxy.port));
      seen[v] = (seen[v] ?? 0) + 1;
    }
    assert.deepEqual(seen, { blue: 70, green: 30 }, "the weights apply exactly");
    assert.equal(versionOf(await request(proxy.previewPort ?? 0)), "green", "the preview port serves");
  });

  it("keeps a table written after a restart (a brake's guarded write) across the next restart", async () => {
    const current = await admin.getRoutes();
    const brake = await admin.putRoutes(table(100, 0), current.generation);
    assert.equal(brake.generation, current.generation + 1);
    const { restartMs, failed, sent, state } = await killWorker();
    console.log(`      second restart: ${restartMs} ms; ${failed} of ${sent} paced requests failed`);
    assert.equal(state.restarts, 2);
    assert.deepEqual(await admin.getRoutes(), brake);
    for (let i = 0; i < 10; i++) assert.equal(versionOf(await request(proxy.port)), "blue");
    const stale = await admin.putRoutes(table(50, 50), current.generation).catch((e: unknown) => e);
    assert.equal((stale as { status?: number }).status, 412, "If-Match still guards the reloaded generation");
    assert.equal(fs.statSync(stateFile).mode & 0o777, 0o600);
    const files = fs.readdirSync(proxyPaths(stateDir, "web").dir);
    assert.deepEqual(
      files.filter((f) => f.endsWith(".tmp")),
      [],
      "no temporary file left by a killed worker",
    );
    for (const file of [stateFile, proxyPaths(stateDir, "web").log]) {
      assert.ok(!fs.readFileSync(file, "utf8").includes(TOKEN), `the token is not in ${file}`);
    }
  });

  it("stopProxy after restarts leaves no process and frees every port", async () => {
    const state = readProxyState(stateFile);
    assert.ok(state?.workerPid);
    const result = await stopProxy(state.pid, 3_000, { stateFile });
    assert.equal(result.forced, false);
    assert.equal(isAlive(state.pid), false);
    assert.equal(isAlive(state.workerPid), false);
    for (const port of [state.port, state.adminPort, state.previewPort ?? 0]) {
      assert.equal(await isPortFree(port), true, `port ${port} is free`);
    }
    assert.equal(readProxyState(stateFile)?.status, "stopped");
  });

  it("still fails at start, leaving no process, when the preview port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startProxy({
        service: "taken",
        stateDir,
        adminToken: TOKEN,
        previewPort: port,
      }).catch((e: unknown) => e);
      assert.ok(err instanceof DaemonStartError, String(err));
      assert.equal(err.code, "PROXY_FAILED");
      assert.match(err.message, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1`));
      const state = readProxyState(proxyPaths(stateDir, "taken").state);
      assert.equal(state?.status, "failed");
      assert.equal(state?.restarts, 0, "a failed first start is not retried");
      assert.ok(err.pid !== undefined && !isAlive(err.pid));
      assert.ok(state?.workerPid && !isAlive(state.workerPid));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
