// The policy pack under the real engine on the local platform: `preview --policy-pack
// <repo>/policies` on a local-platform program, which needs no provider plugin. The Kubernetes
// programs run in the cluster tier (test/cluster/policies.test.ts), with the real provider.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type EngineInfo, requireEngine, withTestStack } from "../support/engine";
import { PACK, packConfig, summary, violations } from "../support/policy";

const fixtures = path.join(__dirname, "fixtures");

describe("engine: the policy pack in preview", function () {
  this.timeout(300_000);
  let engine: EngineInfo;
  let dir: string;

  before(function () {
    engine = requireEngine(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-policy-"));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads the local platform's resources through its own mapper, with the same rules", async () => {
    const stateDir = path.join(dir, "local-state");
    let output = "";
    let failed: unknown;
    const opts = {
      workDir: path.join(fixtures, "policy-local"),
      stackName: "prod",
      env: { PROGRESSIVE_STATE_DIR: stateDir, PROGRESSIVE_LOCAL_DIR: stateDir },
    };
    await withTestStack(engine, opts, async (stack) => {
      try {
        await stack.preview({
          policyPacks: [PACK],
          policyPackConfigs: [packConfig(dir)],
          onOutput: (s) => (output += s),
        });
      } catch (err) {
        failed = err;
      }
    });
    assert.ok(failed, "the preview must fail on mandatory violations");
    assert.deepEqual(summary(violations(output)), [
      "mandatory min-replicas web-stable",
      "mandatory no-plaintext-secrets web-stable",
    ]);
    assert.match(output, /Read SESSION_SECRET of the process of "web-stable" from a secret/);
    assert.ok(
      !output.includes("plain-local-fixture-secret"),
      "a violation must not print the secret's value",
    );
    assert.equal(fs.existsSync(stateDir), false, "preview must start no local process");
  });
});
