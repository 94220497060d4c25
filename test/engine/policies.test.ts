// The policy pack under the real engine: `preview --policy-pack <repo>/policies` on Kubernetes
// programs and on a local-platform program. No Kubernetes provider binary is installed here, so a
// stand-in plugin (fixtures/policy-support/kubernetes-provider.js) answers for it: it echoes
// inputs, as the real provider does in preview for new objects. The pack sees what it would see
// with the real one: the Deployments, Services and HTTPRoutes the components declare, and (stack
// validation) the components' registered outputs. The local program needs no stand-in.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type EngineInfo, requireEngine, withTestStack } from "../support/engine";

const repo = path.join(__dirname, "..", "..");
const pack = path.join(repo, "policies");
const fixtures = path.join(__dirname, "fixtures");
const support = path.join(fixtures, "policy-support");

/** One reported violation: `- [level]  rule  (type: name)`, the description, then the message. */
interface Reported {
  readonly level: string;
  readonly rule: string;
  readonly resource: string;
  readonly message: string;
}

function violations(output: string): Reported[] {
  const found: Reported[] = [];
  const entry = /- \[(\w+)\]\s+([a-z-]+)\s+\(([^)\n]+): ([^)\n]+)\)\r?\n[^\n]*\n\s*([^\n]+)/g;
  for (const m of output.matchAll(entry)) {
    found.push({ level: m[1] ?? "", rule: m[2] ?? "", resource: m[4] ?? "", message: (m[5] ?? "").trim() });
  }
  return found;
}

const summary = (list: readonly Reported[]) => list.map((v) => `${v.level} ${v.rule} ${v.resource}`).sort();

/** A pack config file: the fixture settings over an optional preset from policies/config. */
function packConfig(dir: string, preset?: string): string {
  const settings = JSON.parse(fs.readFileSync(path.join(support, "pack-config.json"), "utf8"));
  const base = preset ? JSON.parse(fs.readFileSync(path.join(pack, "config", `${preset}.json`), "utf8")) : {};
  const merged: Record<string, object> = { ...base };
  for (const [rule, value] of Object.entries(settings as Record<string, object>)) {
    merged[rule] = { ...(base[rule] ?? {}), ...value };
  }
  const file = path.join(dir, `pack-config-${preset ?? "none"}.json`);
  fs.writeFileSync(file, JSON.stringify(merged, null, 2));
  return file;
}

describe("engine: the policy pack in preview", function () {
  this.timeout(300_000);
  let engine: EngineInfo;
  let tools: string;
  let env: Record<string, string>;

  before(function () {
    engine = requireEngine(this);
    // The stand-in plugin goes first on PATH, where the engine looks after its plugin cache.
    tools = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-policy-"));
    const plugin = path.join(tools, "pulumi-resource-kubernetes");
    const script = path.join(support, "kubernetes-provider.js");
    fs.writeFileSync(plugin, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`, { mode: 0o755 });
    env = { PATH: [tools, ...engine.pathDirs, process.env.PATH ?? ""].join(path.delimiter) };
  });

  after(() => {
    if (tools) fs.rmSync(tools, { recursive: true, force: true });
  });

  async function preview(fixture: string, stackName: string, preset?: string, extraEnv = {}) {
    let output = "";
    let failed: unknown;
    const opts = { workDir: path.join(fixtures, fixture), stackName, env: { ...env, ...extraEnv } };
    await withTestStack(engine, opts, async (stack) => {
      const policyPackConfigs = [packConfig(tools, preset)];
      try {
        await stack.preview({ policyPacks: [pack], policyPackConfigs, onOutput: (s) => (output += s) });
      } catch (err) {
        failed = err;
      }
    });
    return { output, failed, reported: violations(output) };
  }

  it("fails a production stack with exactly the violations the program has, by rule and resource", async () => {
    // No environment configured: the stack name (prod-xxxxxx) makes it production.
    const { output, failed, reported } = await preview("policy-violations", "prod");
    assert.ok(failed, "the preview must fail on mandatory violations");
    assert.match(output, /progressive-delivery@v0\.1\.0/);
    assert.deepEqual(summary(reported), [
      "advisory image-digest api-app",
      "mandatory allowed-registries api-app",
      "mandatory blue-green-checks admin",
      "mandatory blue-green-checks admin",
      "mandatory canary-first-step shop",
      "mandatory health-checks api-app",
      "mandatory image-tag api-app",
      "mandatory max-unavailable api-app",
      "mandatory min-replicas api-app",
      "mandatory no-plaintext-secrets api-app",
      "mandatory production-strategy api",
      "mandatory production-strategy legacy",
      "mandatory public-exposure api-service",
      "mandatory resource-limits api-app",
      "mandatory revert-target legacy",
    ]);
    const messages = reported.map((v) => v.message);
    for (const expected of [
      'Start the canary of "shop" at 10% or less: its first step sends 50% of traffic to the candidate.',
      'Add a pre-promotion check to blue-green service "admin" (strategy.prePromotionChecks): in prod-',
      'Keep the old colour of "admin" for at least 30s after a switch (strategy.scaleDownDelay): it is 10s.',
      'Use a canary or blue-green strategy for "api" in prod-',
      'Lower maxUnavailable of "api-app" to 25% or less in prod-',
      'Pin the image of container "app" of "api-app" to a version tag or a digest: "docker.io/library/api:latest" uses the moving tag "latest".',
      'Pull the image of container "app" of "api-app" from an allowed registry (ghcr.io/acme): "docker.io/library/api:latest" comes from docker.io/library/api.',
      'Set replicas of "api" to at least 2 in prod-',
      'Define a liveness check for container "app" of "api-app" (health.liveness)',
      'Set resources.limits.cpu on container "app" of "api-app".',
      'Read API_TOKEN of container "app" of "api-app" from a secret',
      'Make the LoadBalancer Service "api-service" internal, or allow service "api"',
      'Deploy "legacy" with a progressive component',
    ]) {
      assert.ok(
        messages.some((m) => m.startsWith(expected)),
        `no message starts with ${expected}\n${messages.join("\n")}`,
      );
    }
    assert.ok(!output.includes("tok-plain-fixture-4242"), "a violation must not print the secret's value");
  });

  it("applies the dev preset's levels on a dev stack: production rules off, only secrets block", async () => {
    const { failed, reported } = await preview("policy-violations", "dev", "dev");
    assert.ok(failed, "no-plaintext-secrets stays mandatory in dev");
    assert.deepEqual(summary(reported), [
      "advisory allowed-registries api-app",
      "advisory canary-first-step shop",
      "advisory health-checks api-app",
      "advisory image-digest api-app",
      "advisory image-tag api-app",
      "advisory public-exposure api-service",
      "mandatory no-plaintext-secrets api-app",
    ]);
  });

  it("reads the local platform's resources through its own mapper, with the same rules", async () => {
    const stateDir = path.join(tools, "local-state");
    const { failed, reported, output } = await preview("policy-local", "prod", undefined, {
      PROGRESSIVE_STATE_DIR: stateDir,
    });
    assert.ok(failed, "the preview must fail on mandatory violations");
    assert.deepEqual(summary(reported), [
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

  it("passes a compliant production stack under the prod preset", async () => {
    const { output, failed, reported } = await preview("policy-compliant", "prod", "prod");
    assert.equal(failed, undefined, `the preview failed:\n${output}`);
    assert.deepEqual(reported, []);
    assert.match(output, /progressive-delivery@v0\.1\.0/);
  });
});
