// The policy pack under the real engine with the real Kubernetes provider: `preview --policy-pack
// <repo>/policies` of Kubernetes programs against the test cluster. The provider previews new
// objects with a server-side dry run, so the pack sees the Deployments, Services and HTTPRoutes
// the components declare as the API server would accept them, and (stack validation) the
// components' registered outputs.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { requireCluster, type TestCluster } from "../support/cluster";
import { type EngineInfo, requireEngine, withTestStack } from "../support/engine";
import { PACK, packConfig, summary, violations } from "../support/policy";

const fixtures = path.join(__dirname, "fixtures");
const settings = path.join(fixtures, "policy-support", "pack-config.json");

describe("cluster: the policy pack in preview with the real Kubernetes provider", function () {
  this.timeout(300_000);
  let engine: EngineInfo;
  let cluster: TestCluster;
  let dir: string;

  before(async function () {
    this.timeout(180_000);
    engine = requireEngine(this);
    cluster = await requireCluster(this);
    dir = fs.mkdtempSync(path.join(cluster.dir, "policy-"));
  });

  async function preview(fixture: string, stackName: string, preset?: string) {
    let output = "";
    let failed: unknown;
    const opts = { workDir: path.join(fixtures, fixture), stackName, env: cluster.stackEnv() };
    await withTestStack(engine, opts, async (stack) => {
      const policyPackConfigs = [packConfig(dir, settings, preset)];
      try {
        await stack.preview({ policyPacks: [PACK], policyPackConfigs, onOutput: (s) => (output += s) });
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

  it("passes a compliant production stack under the prod preset", async () => {
    const { output, failed, reported } = await preview("policy-compliant", "prod", "prod");
    assert.equal(failed, undefined, `the preview failed:\n${output}`);
    assert.deepEqual(reported, []);
    assert.match(output, /progressive-delivery@v0\.1\.0/);
  });
});
