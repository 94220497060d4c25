// The repo's own program and its dev stack, from a copy of the repo made with the README's files
// only: preview succeeds, `up` runs it on the local platform, and a secret set on the stack appears
// nowhere in plain text (state, engine output, program and instance logs).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { createBackend, type EngineInfo, requireEngine, runPulumi } from "../support/engine";

const root = path.resolve(__dirname, "..", "..");
const SECRET = "dev-secret-never-in-plain-text-7391";

/** Copies what the program needs (what a clone has), with node_modules linked. */
function copyProject(to: string): void {
  for (const item of [
    "Pulumi.yaml",
    "index.ts",
    "package.json",
    "tsconfig.json",
    "tsconfig.pulumi.json",
    "components",
    "stacks",
    "examples/local-app",
  ]) {
    fs.cpSync(path.join(root, item), path.join(to, item), { recursive: true });
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(to, "node_modules"));
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : e.isFile() ? [full] : [];
  });
}

describe("the repo's program and the dev stack (engine tier)", function () {
  this.timeout(600_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("previews and runs dev on the local platform, and keeps a stack secret secret", async () => {
    const backend = createBackend(engine);
    const project = path.join(backend.dir, "project");
    const stateDir = path.join(backend.dir, "progressive");
    copyProject(project);
    const envVars = { ...backend.envVars, PROGRESSIVE_STATE_DIR: stateDir, PROGRESSIVE_LOCAL_DIR: stateDir };
    let output = "";
    const onOutput = (s: string) => {
      output += s;
    };
    let stack: Stack | undefined;
    try {
      const pulumiCommand = await PulumiCommand.get({
        root: path.dirname(path.dirname(engine.pulumi)),
        skipVersionCheck: true,
      });
      stack = await LocalWorkspace.createStack(
        { stackName: "dev", workDir: project },
        { envVars, pulumiCommand },
      );
      await stack.setConfig("progressive-delivery:secretEnv.API_KEY", { value: SECRET, secret: true }, true);

      const preview = await stack.preview({ onOutput });
      assert.ok((preview.changeSummary.create ?? 0) >= 4, JSON.stringify(preview.changeSummary));
      assert.match(
        output,
        /secretEnv\.DB_PASSWORD is a plain test value \(allowed in dev only\)/,
        "the loader's dev warning",
      );

      const up = await stack.up({ onOutput });
      assert.equal(up.outputs.environment?.value, "dev");
      assert.equal(up.outputs.platform?.value, "local");
      const reply = await fetch(String(up.outputs.endpoint?.value));
      assert.equal(reply.status, 200);
      assert.equal(((await reply.json()) as { version: string }).version, "v1");

      const exported = runPulumi(engine, backend, ["stack", "export", "--stack", "dev"], project);
      assert.ok(exported.includes("ciphertext"));
      assert.ok(!exported.includes(SECRET), "plain secret in the exported state");
      assert.ok(!output.includes(SECRET), "plain secret in the engine output");
      for (const file of [
        ...filesUnder(path.join(backend.dir, "state")),
        ...filesUnder(stateDir).filter((f) => f.endsWith(".log")),
      ]) {
        assert.ok(!fs.readFileSync(file, "utf8").includes(SECRET), `plain secret in ${file}`);
      }
      const stackFile = fs.readFileSync(path.join(project, "stacks", "Pulumi.dev.yaml"), "utf8");
      assert.ok(
        !stackFile.includes(SECRET) && /API_KEY:\s*\n\s*secure:/.test(stackFile),
        "stored encrypted in the stack file",
      );
    } finally {
      try {
        if (stack) {
          await stack.destroy();
          await stack.workspace.removeStack("dev");
        }
      } finally {
        backend.dispose();
      }
    }
  });
});
