// The engine itself: a real `pulumi` CLI and language host, driven through the Automation
// API on a file backend, on a program with a component, a dynamic provider and a secret.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type EngineInfo, requireEngine, runPulumi, TEST_PASSPHRASE, withTestStack } from "../support/engine";

const fixture = path.join(__dirname, "fixtures", "smoke");
const SECRET = "s3cr3t-token-do-not-leak-4242";

describe("engine smoke: preview, up, refresh, up again, destroy", function () {
  this.timeout(300_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("deploys, changes exactly what changed, keeps the secret secret and cleans up", async () => {
    let output = "";
    const onOutput = (chunk: string) => {
      output += chunk;
    };
    let notePath = "";

    await withTestStack(engine, { workDir: fixture, stackName: "smoke" }, async (stack, backend) => {
      notePath = path.join(backend.dir, "note.txt");
      await stack.setAllConfig({
        notePath: { value: notePath },
        message: { value: "hello" },
        apiToken: { value: SECRET, secret: true },
      });

      const preview = await stack.preview({ onOutput });
      assert.equal(preview.changeSummary.create, 3, "stack, component and note (providers are not counted)");
      assert.equal(fs.existsSync(notePath), false, "preview must not touch the world");

      const up = await stack.up({ onOutput });
      assert.equal(up.summary.result, "succeeded");
      assert.equal(up.outputs.message.value, "hello");
      assert.equal(up.outputs.bytes.value, 5);
      assert.equal(up.outputs.tokenFingerprint.secret, true);
      assert.equal(fs.readFileSync(notePath, "utf8"), "hello");

      // Refresh reads the real file: a change made behind Pulumi's back is picked up.
      fs.writeFileSync(notePath, "hello!");
      const refresh = await stack.refresh({ onOutput });
      assert.equal(refresh.summary.resourceChanges?.update, 1);
      const refreshed = (await stack.exportStack()).deployment.resources.find(
        (r: { type: string }) => r.type === "pulumi-nodejs:dynamic:Resource",
      );
      assert.equal(refreshed?.outputs.bytes, 6, "refresh stores what it read in state");

      // A second up with changed config updates the note and nothing else.
      await stack.setConfig("message", { value: "hello, world" });
      const up2 = await stack.up({ onOutput });
      const changes = up2.summary.resourceChanges ?? {};
      assert.equal(changes.update, 1, `one update expected, got ${JSON.stringify(changes)}`);
      assert.equal(changes.create ?? 0, 0);
      assert.equal(changes.delete ?? 0, 0);
      assert.equal(changes.replace ?? 0, 0);
      assert.equal(up2.outputs.bytes.value, 12);
      assert.equal(fs.readFileSync(notePath, "utf8"), "hello, world");

      // The secret appears nowhere in plain text: not in the state as exported (without
      // --show-secrets, which the Automation API's exportStack adds), not in the state files
      // on the backend, not in the engine's output.
      const exported = runPulumi(engine, backend, ["stack", "export", "--stack", stack.name], fixture);
      assert.ok(exported.includes("ciphertext"), "the secret input is stored encrypted");
      assert.ok(!exported.includes(SECRET), "the secret's plain text is in the exported state");
      assert.ok(!exported.includes(TEST_PASSPHRASE));
      const stateFiles = listFiles(path.join(backend.dir, "state"));
      assert.ok(stateFiles.length > 0);
      for (const file of stateFiles) {
        assert.ok(!fs.readFileSync(file, "utf8").includes(SECRET), `plain secret in ${file}`);
      }
      assert.ok(!output.includes(SECRET), "the secret's plain text is in the engine output");
    });

    // withTestStack destroyed the stack: the dynamic provider deleted the file.
    assert.equal(fs.existsSync(notePath), false, "destroy must delete what up created");
    assert.match(output, /Resources:/);
  });
});

describe("engine smoke: a policy pack runs through the language host", function () {
  this.timeout(300_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("passes a compliant preview and fails one that breaks the rule, naming it", async () => {
    const policyPacks = [path.join(__dirname, "fixtures", "smoke-policy")];
    await withTestStack(engine, { workDir: fixture, stackName: "policy" }, async (stack, backend) => {
      await stack.setAllConfig({
        notePath: { value: path.join(backend.dir, "note.txt") },
        message: { value: "fine" },
        apiToken: { value: SECRET, secret: true },
      });
      const ok = await stack.preview({ policyPacks });
      assert.equal(ok.changeSummary.create, 3);

      await stack.setConfig("message", { value: "forbidden" });
      let output = "";
      await assert.rejects(
        stack.preview({ policyPacks, onOutput: (s) => (output += s) }),
        /preview failed|policy violation/i,
      );
      assert.match(output, /\[mandatory\]\s+no-forbidden-notes/);
      assert.match(output, /'forbidden' is not allowed/);
    });
  });
});

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full) : [full];
  });
}
