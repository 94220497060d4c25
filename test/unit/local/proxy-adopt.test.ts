import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import {
  isAlive,
  isPortFree,
  isRunning,
  keeperOf,
  ProxyAdminClient,
  type ProxyState,
  processRef,
  proxyPaths,
  readProxyState,
  runningProxy,
  type SupervisorState,
  startProxy,
  stopProxy,
} from "../../../components/local/runtime";
import { waitForExit } from "../../../components/local/runtime/processes";
import { processesMentioning } from "../../support/local";
import { probeLoop, proxyStateWhere, request, requireProc, Started, tempStateDir } from "./helpers";

const TOKEN = "adopt-token-0123456789abcdef";
/**
 * How long a wait for an event (a new keeper in the state, serving again) may take before the test
 * fails. A deadline, not a target: the times are printed, never asserted, in the unit tier.
 */
const DEADLINE_MS = 10_000;

describe("local runtime: a killed proxy keeper is replaced by its worker", function () {
  this.timeout(60_000);
  const stateDir = tempStateDir("proxy-adopt-test");
  const started = new Started();
  const stateFile = proxyPaths(stateDir, "web").state;
  const configFile = proxyPaths(stateDir, "web").config;
  let blue: SupervisorState;
  let proxy: ProxyState;
  let admin: ProxyAdminClient;

  const routes = () => ({
    versions: [{ name: "blue", weight: 100, instances: blue.instances.map((i) => ({ port: i.port })) }],
  });
  const start = async (service: string, extra: { port?: number } = {}): Promise<ProxyState> => {
    const state = await startProxy({
      service,
      stateDir,
      adminToken: TOKEN,
      shutdownGraceMs: 1_000,
      routes: routes(),
      ...extra,
    });
    started.proxy(state.pid, stateDir, service);
    return state;
  };

  before(async function () {
    requireProc(this);
    blue = await started.app(stateDir, "blue", { instances: 2 });
    proxy = await start("web");
    admin = new ProxyAdminClient({ port: proxy.adminPort, token: TOKEN });
  });

  after(async function () {
    this.timeout(30_000);
    await started.stopAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("records the proxy's id and the keeper's and worker's start times", () => {
    assert.match(proxy.id ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual(keeperOf(proxy), processRef(proxy.pid));
    assert.equal(proxy.workerStartTime, processRef(proxy.workerPid ?? 0).startTime);
    assert.equal(proxy.keeperRestarts, 0);
  });

  it("keeps serving through a kill -9 of the keeper, and the state names the new keeper", async () => {
    const before = readProxyState(stateFile);
    assert.ok(before?.workerPid);
    const written = await admin.putRoutes(routes(), before.generation);
    const probe = probeLoop(proxy.port, 10);
    await probe.served(5, 0, 5_000);
    const killedAt = Date.now();
    process.kill(before.pid, "SIGKILL");
    const replaced = await proxyStateWhere(
      "a new keeper running and named in the state",
      stateFile,
      (s) => s.pid !== before.pid && isRunning(keeperOf(s), "proxy-main", configFile),
      DEADLINE_MS,
    );
    const replacedMs = Date.now() - killedAt;
    await probe.served(20, killedAt, DEADLINE_MS);
    const probes = await probe.stop();
    const failed = probes.filter((p) => !p.ok).length;
    const gap = probe.longestGapMs(0);
    console.log(
      `      keeper killed -9: new keeper in the state after ${replacedMs} ms; ${failed} of ${probes.length} paced requests failed, longest time without an answer ${gap} ms`,
    );
    assert.equal(failed, 0, "the worker served throughout");
    assert.ok(replaced, "a new keeper is named in the state");
    assert.equal(isAlive(before.pid), false);
    assert.deepEqual(
      [replaced.id, replaced.workerPid, replaced.restarts, replaced.keeperRestarts, replaced.status],
      [before.id, before.workerPid, before.restarts, 1, "ready"],
      "the same proxy and worker, with a new keeper",
    );
    assert.deepEqual(keeperOf(replaced), processRef(replaced.pid), "recorded with its start time");
    assert.deepEqual(await admin.getRoutes(), written, "same table and generation, same token");
    assert.equal(runningProxy(stateFile, proxy.id)?.pid, replaced.pid);
  });

  it("the new keeper restarts the worker when it dies in turn, with its table", async () => {
    const before = readProxyState(stateFile);
    assert.ok(before?.workerPid);
    const probe = probeLoop(proxy.port, 20);
    await probe.served(5, 0, 5_000);
    const killedAt = Date.now();
    process.kill(before.workerPid, "SIGKILL");
    await probe.served(6, killedAt, DEADLINE_MS);
    const servedMs = (probe.probes.find((p) => p.ok && p.sentAt > killedAt)?.doneAt ?? Number.NaN) - killedAt;
    const probes = await probe.stop();
    console.log(
      `      then its worker killed -9: served again after ${servedMs} ms; ${probes.filter((p) => !p.ok).length} of ${probes.length} paced requests failed`,
    );
    const state = await proxyStateWhere(
      "the state file saying ready after one more restart",
      stateFile,
      (s) => s.status === "ready" && s.restarts === before.restarts + 1,
      DEADLINE_MS,
    );
    assert.equal(state?.pid, before.pid, "the adopted keeper stays");
    assert.notEqual(state?.workerPid, before.workerPid);
    assert.equal(state?.generation, before.generation);
    assert.equal((await request(proxy.port)).status, 200);
  });

  it("a stop by the first keeper's pid (what the stack recorded) stops the new keeper and its worker", async () => {
    const state = readProxyState(stateFile);
    assert.ok(state?.workerPid && state.pid !== proxy.pid);
    const foreign = await stopProxy(proxy.pid, 1_000, { stateFile, proxyId: "another-proxy" });
    assert.equal(foreign.signalled, false, "a state of another proxy names nothing to stop");
    assert.equal(isAlive(state.pid) && isAlive(state.workerPid), true);
    const result = await stopProxy(keeperOf(proxy), 3_000, { stateFile, proxyId: proxy.id });
    assert.equal(result.signalled, true);
    assert.equal(
      await waitForExit([keeperOf(state), state.workerPid], 0),
      true,
      "keeper and worker are gone",
    );
    assert.deepEqual(processesMentioning(configFile), [], "no process of this proxy runs");
    for (const port of [state.port, state.adminPort]) assert.equal(await isPortFree(port), true);
    assert.equal(readProxyState(stateFile)?.status, "stopped");
  });

  it("keeper and worker killed together: nothing serves or runs until the proxy is started again", async () => {
    const both = await start("both");
    const file = proxyPaths(stateDir, "both").state;
    assert.ok(both.workerPid);
    // Stopped first, so that neither sees the other die before its own SIGKILL lands.
    for (const pid of [both.pid, both.workerPid]) process.kill(pid, "SIGSTOP");
    for (const pid of [both.pid, both.workerPid]) process.kill(pid, "SIGKILL");
    assert.equal(await waitForExit([both.pid, both.workerPid], 5_000), true);
    // Nothing that could restart it runs.
    assert.deepEqual(processesMentioning(proxyPaths(stateDir, "both").config), []);
    assert.equal(runningProxy(file), undefined);
    const refused = await request(both.port, {}, 1_000).then(
      () => "answered",
      (e: NodeJS.ErrnoException) => e.code,
    );
    // Refused, or reset when another program on this machine (a parallel test run) took the freed
    // port for a moment: either way no proxy of ours answers.
    assert.ok(refused === "ECONNREFUSED" || refused === "ECONNRESET", `nothing answers: ${refused}`);
    const again = await start("both", { port: both.port });
    assert.equal((await request(again.port)).status, 200, "a new start (what the next up does) serves");
  });

  it("a worker stopped by SIGTERM stops its keeper too, and a keeper stopped by SIGTERM its worker", async () => {
    for (const [name, victim] of [
      ["term-worker", (s: ProxyState) => s.workerPid ?? 0],
      ["term-keeper", (s: ProxyState) => s.pid],
    ] as const) {
      const state = await start(name);
      process.kill(victim(state), "SIGTERM");
      assert.equal(await waitForExit([state.pid, state.workerPid ?? 0], 5_000), true, `${name}: both gone`);
      assert.equal(readProxyState(proxyPaths(stateDir, name).state)?.status, "stopped");
    }
  });
});
