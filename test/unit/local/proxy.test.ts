import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import {
  AdminApiError,
  DaemonStartError,
  findFreePort,
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
  stopSupervisor,
  supervisorPaths,
} from "../../../components/local/runtime";
import { LoadGenerator } from "../../../harness/load";
import { request, Started, tempStateDir, versionOf } from "./helpers";

const TOKEN = "test-token-0123456789abcdef";

describe("local runtime: traffic proxy", function () {
  this.timeout(15_000);
  const stateDir = tempStateDir("proxy-test");
  const started = new Started();
  let blue: SupervisorState;
  let green: SupervisorState;
  let proxy: ProxyState;
  let admin: ProxyAdminClient;

  const instancesOf = (s: SupervisorState) => s.instances.map((i) => ({ port: i.port }));
  const table = (b: number, g: number, extra: Partial<RouteTableInput> = {}): RouteTableInput => ({
    versions: [
      { name: "blue", weight: b, instances: instancesOf(blue) },
      { name: "green", weight: g, instances: instancesOf(green) },
    ],
    ...extra,
  });

  before(async function () {
    this.timeout(20_000);
    [blue, green] = await Promise.all([
      started.app(stateDir, "blue", { env: { VERSION: "blue", LATENCY_MS: "30" } }),
      started.app(stateDir, "green", { env: { VERSION: "green", LATENCY_MS: "10" } }),
    ]);
    proxy = await startProxy({
      service: "web",
      stateDir,
      adminToken: TOKEN,
      previewPort: 0,
      shutdownGraceMs: 2_000,
      routes: { versions: [{ name: "blue", weight: 100, instances: instancesOf(blue) }] },
    });
    started.proxy(proxy.pid, stateDir, "web");
    admin = new ProxyAdminClient({ port: proxy.adminPort, token: TOKEN });
  });

  after(async function () {
    this.timeout(20_000);
    await started.stopAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("listens on loopback and reports its ports and table in the state file", async () => {
    assert.equal(proxy.status, "ready");
    assert.equal(proxy.generation, 1);
    assert.ok(proxy.previewPort && proxy.port && proxy.adminPort);
    assert.equal(versionOf(await request(proxy.port)), "blue");
    const post = await request(proxy.port, { method: "POST", body: JSON.stringify({ hello: "world" }) });
    assert.equal(post.status, 200, "requests with a body are streamed through");
    assert.equal(post.headers["x-progressive-version"], "blue");
    const paths = proxyPaths(stateDir, "web");
    assert.equal(fs.statSync(paths.config).mode & 0o777, 0o600);
    assert.ok(!fs.readFileSync(paths.state, "utf8").includes(TOKEN), "the token is not in the state file");
  });

  it("splits a few thousand requests exactly by weight (smooth weighted round-robin)", async () => {
    await admin.putRoutes(table(20, 80));
    const load = new LoadGenerator(proxy.port, {
      concurrency: 40,
      maxRequests: 3_000,
      maxMs: 10_000,
    }).start();
    const result = await load.done();
    assert.deepEqual(result.failures, []);
    assert.equal(result.sent, 3_000);
    // Tolerance: 0 requests. Every 100 consecutive picks contain exactly 20 blue and 80 green.
    assert.deepEqual(result.byVersion, { blue: 600, green: 2_400 });
    console.log(`      split 20/80 of 3000 requests: ${JSON.stringify(result.byVersion)} in ${result.ms} ms`);
  });

  it("sends requests with X-Canary: true to the header-route version whatever the weights", async () => {
    await admin.putRoutes(table(100, 0, { headerRoute: { version: "green" } }));
    for (let i = 0; i < 20; i++) {
      assert.equal(versionOf(await request(proxy.port, { headers: { "x-canary": "true" } })), "green");
      assert.equal(versionOf(await request(proxy.port, { headers: { "X-Canary": "false" } })), "blue");
      assert.equal(versionOf(await request(proxy.port)), "blue");
    }
  });

  it("serves the preview version on the preview port, 503 when there is none", async () => {
    await admin.putRoutes(table(100, 0));
    const none = await request(proxy.previewPort ?? 0);
    assert.equal(none.status, 503);
    assert.equal(none.headers["x-progressive-proxy-error"], "no_preview_version");
    await admin.putRoutes(table(100, 0, { previewVersion: "green" }));
    for (let i = 0; i < 10; i++) {
      assert.equal(versionOf(await request(proxy.previewPort ?? 0)), "green");
      assert.equal(versionOf(await request(proxy.port)), "blue");
    }
  });

  it("swaps the table atomically and rejects bad tables naming the field", async () => {
    const before = await admin.getRoutes();
    const bad: Array<[unknown, RegExp, string]> = [
      [table(60, 60), /weights must add up to 100, got 120/, "routes.versions"],
      [
        { versions: [{ name: "blue", weight: 100, instances: [] }] },
        /no instances/,
        "routes.versions[0].instances",
      ],
      [
        table(50, 50, { headerRoute: { version: "red" } }),
        /"red", which is not in the table/,
        "routes.headerRoute.version",
      ],
      [
        { versions: [{ name: "blue", weight: "100" }] },
        /integer from 0 to 100, got "100"/,
        "routes.versions[0].weight",
      ],
    ];
    for (const [body, message, field] of bad) {
      const err = await admin.putRoutes(body as RouteTableInput).catch((e: unknown) => e);
      assert.ok(err instanceof AdminApiError, String(err));
      assert.equal(err.status, 400);
      assert.equal(err.field, field);
      assert.match(err.message, message);
    }
    const notJson = await request(proxy.adminPort, {
      method: "PUT",
      path: "/routes",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: "{not json",
    });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await admin.getRoutes(), before, "rejected tables change nothing");
    const stale = await admin.putRoutes(table(50, 50), before.generation - 1).catch((e: unknown) => e);
    assert.ok(stale instanceof AdminApiError && stale.status === 412);
    const applied = await admin.putRoutes(table(50, 50), before.generation);
    assert.equal(applied.generation, before.generation + 1);
    assert.equal(applied.routes.versions[0]?.instances[0]?.host, "127.0.0.1", "defaults are filled in");
    assert.equal(readProxyState(proxyPaths(stateDir, "web").state)?.generation, applied.generation);
  });

  it("requires the bearer token on every admin endpoint and never logs it", async () => {
    for (const path of ["/routes", "/metrics", "/metrics.json", "/healthz"]) {
      for (const authorization of [
        undefined,
        "Bearer wrong-token-0123456789abc",
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN}x`,
      ]) {
        const reply = await request(proxy.adminPort, {
          path,
          headers: authorization ? { authorization } : {},
        });
        assert.equal(reply.status, 401, `${path} with ${authorization ?? "no header"}`);
        assert.ok(!reply.body.includes(TOKEN));
      }
    }
    const put = await request(proxy.adminPort, {
      method: "PUT",
      path: "/routes",
      body: JSON.stringify(table(0, 100)),
    });
    assert.equal(put.status, 401);
    assert.equal((await admin.health()).ok, true);
    assert.ok(!fs.readFileSync(proxyPaths(stateDir, "web").log, "utf8").includes(TOKEN));
  });

  it("exposes Prometheus metrics per version after traffic", async () => {
    await admin.putRoutes(table(50, 50));
    const before = await admin.metricsJson();
    for (let i = 0; i < 40; i++) assert.equal((await request(proxy.port)).status, 200);
    const after = await admin.metricsJson();
    const served = (m: typeof after, v: string) => m.versions[v]?.requests["2xx"] ?? 0;
    assert.equal(served(after, "blue") - served(before, "blue"), 20);
    assert.equal(served(after, "green") - served(before, "green"), 20);
    const text = await admin.metricsText();
    const sample = (name: string, labels: string) =>
      new RegExp(`^progressive_proxy_${name}\\{service="web",${labels}\\} (\\d+(\\.\\d+)?(e-?\\d+)?)$`, "m");
    const count = (name: string, labels: string) => Number(sample(name, labels).exec(text)?.[1]);
    assert.equal(count("requests_total", 'version="blue",code_class="2xx"'), served(after, "blue"));
    assert.match(text, sample("requests_total", 'version="green",code_class="5xx"'));
    assert.match(text, /^# TYPE progressive_proxy_request_duration_seconds histogram$/m);
    assert.equal(
      count("request_duration_seconds_bucket", 'version="blue",le="\\+Inf"'),
      after.versions["blue"]?.latency.count,
    );
    assert.match(text, sample("request_duration_seconds_bucket", 'version="green",le="0.005"'));
    assert.match(text, sample("request_duration_seconds_sum", 'version="green"'));
    assert.match(text, sample("request_duration_seconds_count", 'version="green"'));
    assert.equal(count("in_flight_requests", 'version="blue"'), 0);
    assert.equal(count("weight", 'version="blue"'), 50);
    assert.equal(count("instance_up", `version="green",instance="127.0.0.1:${green.instances[0]?.port}"`), 1);
    assert.match(text, /^progressive_proxy_routes_generation\{service="web"\} \d+$/m);
  });

  it("retries a refused connection once on another instance, marks the instance down, and answers 502 when none is left", async () => {
    const deadPort = await findFreePort();
    const dead = { port: deadPort };
    await admin.putRoutes({
      versions: [{ name: "blue", weight: 100, instances: [dead, ...instancesOf(blue)] }],
    });
    const before = (await admin.metricsJson()).versions["blue"]?.retries ?? 0;
    for (let i = 0; i < 30; i++) assert.equal((await request(proxy.port)).status, 200);
    const m = await admin.metricsJson();
    assert.ok((m.versions["blue"]?.retries ?? 0) > before, "at least one retry happened");
    assert.equal(m.versions["blue"]?.instances.find((i) => i.address === `127.0.0.1:${deadPort}`)?.up, false);
    await admin.putRoutes({ versions: [{ name: "blue", weight: 100, instances: [dead] }] });
    const reply = await request(proxy.port);
    assert.equal(reply.status, 502);
    assert.equal(reply.headers["x-progressive-proxy-error"], "ECONNREFUSED");
    assert.ok(((await admin.metricsJson()).versions["blue"]?.proxyErrors["502"] ?? 0) >= 1);
    assert.match(
      await admin.metricsText(),
      /^progressive_proxy_errors_total\{service="web",version="blue",code="502"\} [1-9]\d*$/m,
    );
  });

  it("loses no request while a version is drained, removed and stopped under concurrent load", async () => {
    await admin.putRoutes(table(50, 50));
    const load = new LoadGenerator(proxy.port, { concurrency: 16, maxRequests: 4_000, maxMs: 8_000 }).start();
    await new Promise((r) => setTimeout(r, 300));
    // Read blue's in-flight count just before the swap (after it, a loaded machine may already
    // have finished them): the drain below must then really wait for requests.
    const inFlightAtSwap = (await admin.metricsJson()).versions["blue"]?.inFlight ?? 0;
    const removed = await admin.putRoutes({
      versions: [{ name: "green", weight: 100, instances: instancesOf(green) }],
    });
    assert.deepEqual(
      removed.routes.versions.map((v) => v.name),
      ["green"],
    );
    assert.ok(inFlightAtSwap > 0, "blue had requests in flight when it left the table");
    const drain = await admin.drain({ version: "blue" }, 5_000);
    assert.equal(drain.drained, true);
    assert.equal(drain.inFlight, 0);
    assert.equal(drain.stillRouted, false);
    const stopped = await stopSupervisor(blue.pid, 3_000, {
      stateFile: supervisorPaths(stateDir, "web", "blue").state,
    });
    assert.ok(stopped.ports.length === 2);
    // Remove one green instance as well, drain it, then let the load run on the other one.
    const [keep, drop] = green.instances;
    assert.ok(keep && drop);
    await admin.putRoutes({ versions: [{ name: "green", weight: 100, instances: [{ port: keep.port }] }] });
    const instanceDrain = await admin.drain({ instance: `127.0.0.1:${drop.port}` }, 5_000);
    assert.equal(instanceDrain.drained, true);
    await new Promise((r) => setTimeout(r, 300));
    const result = await load.stop();
    assert.deepEqual(result.failures, [], "no failed request");
    assert.ok(
      (result.byVersion["blue"] ?? 0) > 0 && (result.byVersion["green"] ?? 0) > 0,
      JSON.stringify(result),
    );
    console.log(
      `      drain under load: ${result.sent} requests, ${result.failures.length} failed, ` +
        `${JSON.stringify(result.byVersion)}; blue had ${inFlightAtSwap} in flight at the swap, drained in ${drain.waitedMs} ms`,
    );
    const metrics = await admin.metricsJson();
    assert.equal(metrics.versions["blue"]?.weight, 0);
    assert.equal(metrics.versions["blue"]?.inFlight, 0);
  });

  it("stops gracefully: process gone and every port free", async () => {
    const ports = [proxy.port, proxy.adminPort, proxy.previewPort ?? 0];
    const result = await stopProxy(proxy.pid, 3_000, { stateFile: proxyPaths(stateDir, "web").state });
    assert.equal(result.forced, false);
    assert.equal(isAlive(proxy.pid), false);
    for (const port of ports) assert.equal(await isPortFree(port), true, `port ${port} is free`);
    assert.equal(readProxyState(proxyPaths(stateDir, "web").state)?.status, "stopped");
  });

  it("fails to start naming the port when the service port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startProxy({ service: "busy", stateDir, adminToken: TOKEN, port }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof DaemonStartError, String(err));
      assert.equal(err.code, "PROXY_FAILED");
      assert.match(err.message, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1`));
      assert.ok(err.pid !== undefined && !isAlive(err.pid));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
