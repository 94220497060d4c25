// The local RollingService through a real engine: a rolling update replaces every instance in
// batches with no failed request, recreate replaces them all at once, a secret environment value
// stays secret in state, and destroy leaves nothing behind.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProxyAdminClient } from "../../components/local/runtime";
import { LoadGenerator } from "../../harness/load";
import { type EngineInfo, requireEngine, runPulumi, withTestStack } from "../support/engine";
import {
  assertNothingLeft,
  configure,
  LOCAL_FIXTURE,
  listFiles,
  portOf,
  Seen,
  tempStateDir,
} from "../support/local";

const SECRET = "rolling-secret-value-7311";

interface AppSlot {
  version: string;
  instances: Array<{ pid: number | null; port: number }>;
}

function appSlot(outputs: Record<string, { value: unknown }>): AppSlot {
  const app = (outputs.processes?.value as { slots: { app: AppSlot } } | undefined)?.slots.app;
  assert.ok(app, "the processes output has the app slot");
  return app;
}

async function versions(port: number, n: number): Promise<Record<string, number>> {
  const result = await new LoadGenerator(port, { concurrency: 4, maxRequests: n, maxMs: 60_000 })
    .start()
    .done();
  assert.equal(result.failed, 0, result.failures.join("; "));
  return result.byVersion;
}

describe("local platform: RollingService through the engine", function () {
  this.timeout(300_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("rolls every instance with no failed request, recreates, stops a roll to a version that cannot start with the old one serving, keeps secrets secret and cleans up", async () => {
    const stateDir = tempStateDir("local-rolling");
    const seen = new Seen();
    try {
      await withTestStack(
        engine,
        { workDir: LOCAL_FIXTURE, stackName: "rolling" },
        async (stack, backend) => {
          await configure(
            stack,
            {
              kind: "rolling",
              stateDir,
              replicas: 3,
              maxSurge: 1,
              maxUnavailable: 0,
              traffic: { stableVersion: "v1" },
            },
            { appSecret: SECRET },
          );
          const first = await stack.up();
          seen.record(first.outputs);
          const port = portOf(first.outputs.endpoint?.value);
          const before = appSlot(first.outputs);
          assert.equal(before.instances.length, 3);
          assert.deepEqual(await versions(port, 90), { v1: 90 });
          const admin = {
            port: portOf(first.outputs.adminEndpoint?.value),
            token: String(first.outputs.adminToken?.value),
          };
          assert.equal(first.outputs.adminToken?.secret, true, "the admin token is a secret output");
          const generationBefore = (await new ProxyAdminClient(admin).getRoutes()).generation;

          // Rolling update: one new instance at a time (maxSurge 1, maxUnavailable 0), under load.
          await configure(stack, { traffic: { stableVersion: "v2" } });
          const load = new LoadGenerator(port, {
            concurrency: 4,
            intervalMs: 5,
            maxRequests: 1_000_000,
            maxMs: 120_000,
          }).start();
          const rolled = await stack.up();
          await new Promise((r) => setTimeout(r, 300));
          const during = await load.stop();
          seen.record(rolled.outputs);
          assert.equal(
            during.failed,
            0,
            `failed requests during the rolling update: ${during.failures.join("; ")}`,
          );
          assert.ok(
            (during.byVersion.v1 ?? 0) > 0 && (during.byVersion.v2 ?? 0) > 0,
            JSON.stringify(during.byVersion),
          );
          const after = appSlot(rolled.outputs);
          assert.equal(after.instances.length, 3);
          const oldPids = new Set(before.instances.map((i) => i.pid));
          const oldPorts = new Set(before.instances.map((i) => i.port));
          assert.ok(
            after.instances.every((i) => i.pid !== null && !oldPids.has(i.pid)),
            "every instance was replaced",
          );
          assert.ok(after.instances.every((i) => !oldPorts.has(i.port)));
          assert.deepEqual(await versions(port, 90), { v2: 90 });
          const generationAfter = (await new ProxyAdminClient(admin).getRoutes()).generation;
          assert.ok(
            generationAfter - generationBefore >= 6,
            `3 batches in, 3 out: ${generationBefore} -> ${generationAfter}`,
          );
          console.log(
            `      rolling update: ${during.sent} requests, 0 failed, ${generationAfter - generationBefore} table changes`,
          );

          // Recreate: everything stops, then the new version starts (requests fail meanwhile, by design).
          await configure(stack, { kind: "recreate", traffic: { stableVersion: "v3" } });
          const recreated = await stack.up();
          seen.record(recreated.outputs);
          const third = appSlot(recreated.outputs);
          const rolledPids = new Set(after.instances.map((i) => i.pid));
          assert.ok(third.instances.every((i) => i.pid !== null && !rolledPids.has(i.pid)));
          assert.deepEqual(await versions(port, 60), { v3: 60 });

          // A rolling update to a version that cannot start stops at its first batch: the previous
          // version keeps serving every request, and setting it back changes nothing.
          await configure(stack, { kind: "rolling", brokenVersion: "v4", traffic: { stableVersion: "v4" } });
          const guard = new LoadGenerator(port, {
            concurrency: 4,
            intervalMs: 5,
            maxRequests: 1_000_000,
            maxMs: 60_000,
          }).start();
          let message = "";
          await stack.up({ onOutput: (o) => (message += o) }).then(
            () => assert.fail("the update to a broken version should fail"),
            (err: Error) => (message += err.message),
          );
          const meanwhile = await guard.stop();
          assert.match(
            message,
            /rolling update of web to version v4 stopped: instance \d+ of web \(version v4\) did not start/,
          );
          assert.match(message, /3 instance\(s\) of the previous template and 0 of version v4 serve now/);
          assert.equal(meanwhile.failed, 0, meanwhile.failures.join("; "));
          assert.deepEqual(await versions(port, 60), { v3: 60 });
          await configure(stack, { traffic: { stableVersion: "v3" } });
          const back = await stack.up();
          // Only the strategy changed (recreate -> rolling): an update that replaces no instance.
          assert.equal(back.summary.resourceChanges?.update, 1, JSON.stringify(back.summary.resourceChanges));
          const kept = appSlot(back.outputs).instances.map((i) => i.pid);
          assert.deepEqual(
            kept,
            third.instances.map((i) => i.pid),
            "v3 never stopped serving",
          );

          // The secret environment value is encrypted in state and never written in plain text there.
          const exported = runPulumi(
            engine,
            backend,
            ["stack", "export", "--stack", stack.name],
            LOCAL_FIXTURE,
          );
          assert.ok(!exported.includes(SECRET), "the secret's plain text is in the exported state");
          assert.ok(!exported.includes(admin.token), "the admin token's plain text is in the exported state");
          for (const file of listFiles(path.join(backend.dir, "state"))) {
            assert.ok(!fs.readFileSync(file, "utf8").includes(SECRET), `plain secret in ${file}`);
          }
        },
      );
      await assertNothingLeft(stateDir, seen);
      const configs = listFiles(stateDir).filter(
        (f) => f.endsWith(".config.json") || f.endsWith("unit.json"),
      );
      assert.deepEqual(configs, [], "config files (environment, token) are removed when their daemon stops");
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
