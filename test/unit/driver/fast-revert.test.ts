// The revert brake against a real proxy daemon and real instances on 127.0.0.1.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { fastRevert } from "../../../automation/driver/fast-revert";
import { ProxyAdminClient } from "../../../components/local/runtime/admin-client";
import { startProxy } from "../../../components/local/runtime/control";
import type { SupervisorState } from "../../../components/local/runtime/supervisor-config";
import { request, Started, tempStateDir, versionOf } from "../local/helpers";

const TOKEN = "brake-token-0123456789abcdef";

describe("driver revert brake (real proxy)", function () {
  this.timeout(30_000);
  const stateDir = tempStateDir("brake");
  const started = new Started();
  let admin: ProxyAdminClient;
  let adminEndpoint = "";
  let port = 0;
  const instancesOf = (s: SupervisorState) => s.instances.map((i) => ({ port: i.port }));

  before(async () => {
    const [v1, v2] = await Promise.all([
      started.app(stateDir, "v1", { env: { VERSION: "v1" } }),
      started.app(stateDir, "v2", { env: { VERSION: "v2" } }),
    ]);
    const proxy = await startProxy({
      service: "web",
      stateDir,
      adminToken: TOKEN,
      routes: {
        versions: [
          { name: "v1", weight: 70, instances: instancesOf(v1) },
          { name: "v2", weight: 30, instances: instancesOf(v2) },
        ],
        headerRoute: { version: "v2" },
      },
    });
    started.proxy(proxy.pid, stateDir, "web");
    port = proxy.port;
    adminEndpoint = `http://127.0.0.1:${proxy.adminPort}`;
    admin = new ProxyAdminClient({ port: proxy.adminPort, token: TOKEN });
  });

  after(async () => {
    await started.stopAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("does nothing and says why without an admin API or with a wrong token", async () => {
    assert.deepEqual(await fastRevert({}, "v1", "v2"), {
      applied: false,
      reason: "the router has no admin API",
    });
    const wrong = await fastRevert({ adminEndpoint, adminToken: "not-the-token-0000000000" }, "v1", "v2");
    assert.equal(wrong.applied, false);
    assert.match(wrong.reason ?? "", /401/);
    assert.deepEqual(
      (await admin.getRoutes()).routes.versions.map((v) => v.weight),
      [70, 30],
    );
  });

  it("sends every request to stable, header route included, and reads the table back", async () => {
    const r = await fastRevert({ adminEndpoint, adminToken: TOKEN }, "v1", "v2");
    assert.deepEqual(r, { applied: true });
    const table = (await admin.getRoutes()).routes;
    assert.deepEqual(
      table.versions.map((v) => [v.name, v.weight]),
      [
        ["v1", 100],
        ["v2", 0],
      ],
    );
    assert.equal(table.headerRoute, undefined);
    for (let i = 0; i < 50; i++) assert.equal(versionOf(await request(port)), "v1");
    assert.equal(versionOf(await request(port, { headers: { "X-Canary": "true" } })), "v1");
  });
});
