// The local-proxy router against a real proxy daemon and real instances on 127.0.0.1.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import { routerControl } from "../../../automation/routers";
import { ProxyAdminClient } from "../../../components/local/runtime/admin-client";
import { startProxy } from "../../../components/local/runtime/control";
import type { RouteTableInput } from "../../../components/local/runtime/routing";
import type { SupervisorState } from "../../../components/local/runtime/supervisor-config";
import { request, Started, tempStateDir, versionOf } from "../local/helpers";
import { reasonOf, verified } from "./kubernetes-cases";

const TOKEN = "router-token-0123456789abcdef";

describe("local-proxy router (real proxy)", function () {
  this.timeout(30_000);
  const stateDir = tempStateDir("routers");
  const started = new Started();
  let admin: ProxyAdminClient;
  let adminEndpoint = "";
  let port = 0;
  let previewPort = 0;
  let v1: SupervisorState;
  let v2: SupervisorState;
  const instancesOf = (s: SupervisorState) => s.instances.map((i) => ({ port: i.port }));
  const table = (weights: [number, number], extra: Partial<RouteTableInput> = {}): RouteTableInput => ({
    versions: [
      { name: "v1", weight: weights[0], instances: instancesOf(v1) },
      { name: "v2", weight: weights[1], instances: instancesOf(v2) },
    ],
    ...extra,
  });
  const control = () => routerControl({ kind: "local-proxy", adminEndpoint }, { adminToken: TOKEN });

  before(async () => {
    [v1, v2] = await Promise.all([
      started.app(stateDir, "v1", { env: { VERSION: "v1" } }),
      started.app(stateDir, "v2", { env: { VERSION: "v2" } }),
    ]);
    const proxy = await startProxy({
      service: "web",
      stateDir,
      adminToken: TOKEN,
      previewPort: 0,
      routes: table([100, 0]),
    });
    started.proxy(proxy.pid, stateDir, "web");
    port = proxy.port;
    previewPort = proxy.previewPort ?? 0;
    adminEndpoint = `http://127.0.0.1:${proxy.adminPort}`;
    admin = new ProxyAdminClient({ port: proxy.adminPort, token: TOKEN });
  });

  after(async () => {
    await started.stopAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("reads the candidate's share the proxy applies, not the share asked", async () => {
    await admin.putRoutes(table([70, 30]));
    const r = verified(
      await control().read({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 }),
    );
    assert.equal(r.candidateWeight, 30);
    assert.equal(r.activeColor, undefined);
    assert.match(r.detail, /proxy table generation \d+: v1=70, v2=30/);
  });

  it("reads a rolling table as the share not on the stable version", async () => {
    await admin.putRoutes(table([25, 75]));
    assert.equal(
      verified(await control().read({ stableVersion: "v2", candidateWeight: 0 })).candidateWeight,
      25,
    );
  });

  it("reads which colour is live for a blue-green state", async () => {
    await admin.putRoutes(table([0, 100], { previewVersion: "v1" }));
    // activeColor blue runs stable v1; green runs the candidate v2, which the table serves.
    const r = verified(
      await control().read({
        stableVersion: "v1",
        candidateVersion: "v2",
        candidateWeight: 0,
        activeColor: "blue",
      }),
    );
    assert.equal(r.activeColor, "green");
    assert.equal(r.candidateWeight, 100);
    assert.match(r.detail, /live: green \(v2\)/);
  });

  it("is unverified, saying what to do, with a wrong or missing token or no proxy", async () => {
    const wrong = routerControl(
      { kind: "local-proxy", adminEndpoint },
      { adminToken: "not-the-token-0000000000" },
    );
    assert.match(
      reasonOf(await wrong.read({ stableVersion: "v1", candidateWeight: 0 })),
      /401.*releaseSecrets.adminToken/,
    );
    const none = routerControl({ kind: "local-proxy", adminEndpoint }, {});
    assert.match(reasonOf(await none.read({ stableVersion: "v1", candidateWeight: 0 })), /no adminToken/);
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const gone = routerControl(
      { kind: "local-proxy", adminEndpoint: `http://127.0.0.1:${free}` },
      { adminToken: TOKEN },
    );
    assert.match(
      reasonOf(await gone.read({ stableVersion: "v1", candidateWeight: 0 })),
      /nothing listens there/,
    );
    assert.equal(
      (await gone.sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2")).applied,
      false,
    );
  });

  it("brake: all traffic to stable, header route to the candidate dropped, preview kept, read back", async () => {
    await admin.putRoutes(table([70, 30], { headerRoute: { version: "v2" }, previewVersion: "v2" }));
    const r = await control().sendAllToStable(
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
      "v2",
    );
    assert.deepEqual(r, { applied: true });
    const after = (await admin.getRoutes()).routes;
    assert.deepEqual(
      after.versions.map((v) => [v.name, v.weight, v.instances.length]),
      [
        ["v1", 100, 2],
        ["v2", 0, 2],
      ],
    );
    assert.equal(after.headerRoute, undefined);
    assert.equal(after.previewVersion, "v2");
    for (let i = 0; i < 20; i++) assert.equal(versionOf(await request(port)), "v1");
    assert.equal(versionOf(await request(port, { headers: { "X-Canary": "true" } })), "v1");
    assert.equal(versionOf(await request(previewPort)), "v2");
  });

  it("brake: not applied, table unchanged, when the proxy has no instances of stable", async () => {
    await admin.putRoutes(table([70, 30]));
    const r = await control().sendAllToStable({ stableVersion: "v9", candidateWeight: 0 }, "v2");
    assert.deepEqual(r, {
      applied: false,
      reason: "the proxy has no instances of v9; sending traffic there would fail",
    });
    assert.deepEqual(
      (await admin.getRoutes()).routes.versions.map((v) => v.weight),
      [70, 30],
    );
  });
});
