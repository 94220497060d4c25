import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { create, diff, read, remove, update } from "../../../components/local/providers/proxyImpl";
import type { ProxyInputs, ProxyOutputs } from "../../../components/local/providers/types";
import {
  isRunning,
  keeperOf,
  proxyPaths,
  readProxyState,
  type SupervisorState,
} from "../../../components/local/runtime";
import { processesMentioning } from "../../support/local";
import { pollUntil, request, requireProc, Started, tempStateDir, versionOf } from "./helpers";

describe("local providers: the proxy resource after its keeper was replaced", function () {
  this.timeout(60_000);
  const stateDir = tempStateDir("proxy-provider-test");
  const started = new Started();
  const paths = proxyPaths(stateDir, "web");
  let blue: SupervisorState;
  let green: SupervisorState;

  const inputs = (b: number): ProxyInputs => ({
    service: "web",
    stateDir,
    port: 0,
    routes: {
      versions: [
        {
          name: "blue",
          weight: b,
          instances: blue.instances.map((i) => ({ host: "127.0.0.1", port: i.port })),
        },
        {
          name: "green",
          weight: 100 - b,
          instances: green.instances.map((i) => ({ host: "127.0.0.1", port: i.port })),
        },
      ],
    },
  });

  before(async function () {
    requireProc(this);
    [blue, green] = await Promise.all([
      started.app(stateDir, "blue", { instances: 1 }),
      started.app(stateDir, "green", { instances: 1 }),
    ]);
  });

  after(async function () {
    this.timeout(30_000);
    await started.stopAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("diff, update, read and delete find the new keeper through the state file, never by the stale pid", async () => {
    const created = await create(inputs(100));
    const outs = created.outs as ProxyOutputs;
    started.proxy(outs.pid, stateDir, "web");
    assert.ok(
      outs.proxyId && outs.startTime !== undefined,
      "the outputs name the proxy and its keeper's start time",
    );
    process.kill(outs.pid, "SIGKILL");
    const successor = await pollUntil(
      () => readProxyState(paths.state),
      (s) => s !== undefined && s.pid !== outs.pid && isRunning(keeperOf(s), "proxy-main", paths.config),
      10_000,
    );
    assert.ok(successor && successor.pid !== outs.pid);

    const changed = await diff(created.id, outs, inputs(100));
    assert.deepEqual([changed.changes, changed.replaces], [false, []], "the proxy is not replaced");
    const updated = await update(created.id, outs, inputs(50));
    assert.deepEqual(updated.outs?.weights, { blue: 50, green: 50 });
    assert.deepEqual([updated.outs?.pid, updated.outs?.startTime], [successor.pid, successor.startTime]);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(versionOf(await request(outs.port)));
    assert.deepEqual([...seen].sort(), ["blue", "green"], "the table was applied through the same token");

    const refreshed = (await read(created.id, outs)).props as ProxyOutputs;
    assert.deepEqual(
      [refreshed.pid, refreshed.startTime, refreshed.status],
      [successor.pid, successor.startTime, "ready"],
    );
    // Another proxy's state in the folder (another id) is not this resource's.
    const foreign = (await read(created.id, { ...outs, proxyId: "another-proxy" })).props as ProxyOutputs;
    assert.equal(foreign.status, "gone");

    await remove(created.id, outs);
    assert.deepEqual(processesMentioning(paths.config), [], "keeper and worker are gone");
    assert.equal(fs.existsSync(paths.config), false, "the token file is removed");
    const gone = (await read(created.id, refreshed)).props as ProxyOutputs;
    assert.equal(gone.status, "gone");
  });
});
