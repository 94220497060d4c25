import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  parseSettings,
  type RawConfigValue,
  type ReleaseSettings,
} from "../../../automation/driver/settings";
import { ConfigError, mergeLayers, resolveStackConfig, type StackConfig } from "../../../stacks/config";
import { loadFromFiles, parseEngineConfig, readProjectFile } from "../../../stacks/load";

const root = path.resolve(__dirname, "..", "..", "..");
const project = readProjectFile(root);
const NS = "progressive-delivery";

function resolve(stack: Record<string, unknown>, opts: { secretKeys?: string[]; stackName?: string } = {}) {
  return resolveStackConfig({
    projectName: project.name,
    stackName: opts.stackName ?? "staging",
    base: project.defaults,
    stack,
    secretKeys: new Set(opts.secretKeys ?? []),
  });
}

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail("expected the config to be rejected");
}

/** The release settings (`progressive:` keys) of a committed stack file, as the driver reads them. */
function settingsOf(stack: string, dir = root): ReleaseSettings {
  const doc = parseYaml(fs.readFileSync(path.join(dir, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const raw: Record<string, RawConfigValue> = {};
  for (const [k, v] of Object.entries(doc.config)) {
    if (!k.startsWith("progressive:")) continue;
    raw[k] =
      typeof v === "string"
        ? { value: v, secret: false }
        : { value: JSON.stringify(v), objectValue: v, secret: false };
  }
  return parseSettings(raw, stack);
}

function weights(cfg: StackConfig): number[] {
  assert.equal(cfg.strategy.kind, "canary");
  return cfg.strategy.kind === "canary"
    ? cfg.strategy.steps.flatMap((s) => (s.kind === "setWeight" ? [s.weight] : []))
    : [];
}

describe("stack config: the three environments as committed", () => {
  it("dev: debug, verbose, fail fast, small, plain test secret allowed with a warning", () => {
    const cfg = loadFromFiles(root, "dev");
    assert.equal(cfg.environment, "dev");
    assert.deepEqual(cfg.logging, { level: "debug", verbose: true });
    const settings = settingsOf("dev");
    assert.equal(settings.release.failFast, true);
    assert.equal(settings.release.next, "staging");
    assert.equal(settings.release.drift, "off");
    assert.equal(cfg.service.replicas, 1);
    assert.deepEqual(cfg.service.local?.command, ["node", "examples/local-app/server.js"], "base layer kept");
    assert.equal(cfg.service.health !== undefined, true);
    assert.deepEqual(weights(cfg), [10, 50, 100]);
    assert.deepEqual(cfg.warnings, [
      `${NS}:secretEnv.DB_PASSWORD is a plain test value (allowed in dev only)`,
    ]);
  });

  it("staging: prod-like, default canary plan, promotes to prod, no notifications", () => {
    const cfg = loadFromFiles(root, "staging");
    assert.equal(cfg.environment, "staging");
    assert.equal(cfg.logging.level, "info");
    assert.equal(cfg.service.replicas, 2);
    assert.deepEqual(weights(cfg), [5, 10, 25, 50, 100]);
    const settings = settingsOf("staging");
    assert.equal(settings.release.failFast, false);
    assert.equal(settings.release.next, "prod");
    assert.equal(settings.release.gates.approval, false);
    assert.deepEqual(settings.notify, {});
    assert.deepEqual(cfg.warnings, []);
  });

  it("prod: three replicas, approval and a deploy window, refresh for drift, the policy pack", () => {
    const cfg = loadFromFiles(root, "prod");
    assert.equal(cfg.environment, "prod");
    assert.equal(cfg.logging.level, "warn");
    assert.equal(cfg.service.replicas, 3);
    assert.deepEqual(weights(cfg), [5, 10, 25, 50, 100]);
    const settings = settingsOf("prod");
    assert.equal(settings.release.policyPack, "policies");
    assert.equal(settings.release.gates.approval, true);
    assert.deepEqual(settings.release.gates.window, {
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "09:00",
      end: "17:00",
      timezone: "UTC",
    });
    assert.equal(settings.release.drift, "refresh");
    assert.equal(settings.release.next, undefined);
  });

  it("a new environment copied from staging with three values changed resolves", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-stacks-"));
    try {
      fs.mkdirSync(path.join(dir, "stacks"));
      fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      const staging = fs.readFileSync(path.join(root, "stacks", "Pulumi.staging.yaml"), "utf8");
      const qa = staging
        .replace("environment: staging", "environment: qa")
        .replace("replicas: 2", "replicas: 4")
        .replace("next: prod", "next: staging");
      fs.writeFileSync(path.join(dir, "stacks", "Pulumi.qa.yaml"), qa);
      const cfg = loadFromFiles(dir, "qa");
      assert.equal(cfg.environment, "qa");
      assert.equal(cfg.service.replicas, 4);
      assert.equal(settingsOf("qa", dir).release.next, "staging");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("stack config: layering", () => {
  it("merges objects key by key, replaces arrays and scalars, and removes keys set to null", () => {
    const merged = mergeLayers(
      { service: { name: "web", replicas: 2, local: { command: ["a"] } }, keep: 1, drop: 2 },
      { service: { replicas: 5, local: { command: ["b", "c"] } }, drop: null },
    );
    assert.deepEqual(merged, {
      service: { name: "web", replicas: 5, local: { command: ["b", "c"] } },
      keep: 1,
    });
  });

  it("base only: every default from Pulumi.yaml, environment from the stack name", () => {
    const cfg = resolve({}, { stackName: "sandbox" });
    assert.equal(cfg.environment, "sandbox");
    assert.equal(cfg.platform, "local");
    assert.equal(cfg.service.name, "web");
    assert.equal(cfg.service.replicas, 2);
    assert.equal(cfg.version, "v1");
    assert.deepEqual(weights(cfg), [5, 10, 25, 50, 100]);
  });

  it("an environment layer overrides one nested field and keeps the rest of the base", () => {
    const cfg = resolve({ service: { replicas: 6 } });
    assert.equal(cfg.service.replicas, 6);
    assert.equal(cfg.service.name, "web");
    assert.deepEqual(cfg.service.local?.command, ["node", "examples/local-app/server.js"]);
  });

  it("secrets layer: a secret value set with --secret is accepted and kept out of warnings", () => {
    const cfg = resolve({ secretEnv: { DB_PASSWORD: "p4ss" } }, { secretKeys: ["secretEnv"] });
    assert.deepEqual(cfg.secretEnv, { DB_PASSWORD: "p4ss" });
    assert.deepEqual(cfg.warnings, []);
  });

  it("reads the engine's config map: JSON for structured keys, text for string keys", () => {
    const values = parseEngineConfig(NS, {
      [`${NS}:service`]: '{"replicas":3}',
      [`${NS}:environment`]: "123",
      [`${NS}:allowPlaintextSecrets`]: "true",
      "kubernetes:context": "kind",
    });
    assert.deepEqual(values, { service: { replicas: 3 }, environment: "123", allowPlaintextSecrets: true });
  });

  it("accepts booleans and numbers the CLI stored as strings (a stack file rewritten by pulumi)", () => {
    const cfg = resolve(
      {
        allowPlaintextSecrets: "false",
        logging: { level: "info", verbose: "true" },
        service: { replicas: "3" },
      },
      { stackName: "dev" },
    );
    assert.equal(cfg.allowPlaintextSecrets, false);
    assert.equal(cfg.logging.verbose, true);
    assert.equal(cfg.service.replicas, 3);
    const settings = parseSettings(
      { "progressive:release": { value: '{"failFast":"true","gates":{"approval":"false"}}', secret: false } },
      "dev",
    );
    assert.equal(settings.release.failFast, true);
    assert.equal(settings.release.gates.approval, false);
  });
});

describe("stack config: rejections name the key path, the value and the expected form", () => {
  it("a missing required key", () => {
    const msg = problemsOf(() => resolve({ service: null }));
    assert.match(msg, /progressive-delivery:service \(not set\): Invalid input: expected object/);
  });

  it("a wrong type", () => {
    const msg = problemsOf(() => resolve({ service: { replicas: "two" } }));
    assert.match(
      msg,
      /progressive-delivery:service\.replicas \("two"\): Invalid input: expected number, received string; give service\.replicas a value of type number/,
    );
  });

  it("an unknown strategy", () => {
    const msg = problemsOf(() => resolve({ strategy: { kind: "linear" } }));
    assert.match(
      msg,
      /progressive-delivery:strategy\.kind \("linear"\): must be "canary", "blueGreen", "rolling" or "recreate"/,
    );
  });

  it("steps that do not end at 100", () => {
    const msg = problemsOf(() =>
      resolve({ strategy: { kind: "canary", steps: [{ setWeight: 10 }, { setWeight: 50 }] } }),
    );
    assert.match(
      msg,
      /progressive-delivery:strategy\.steps \(50\): must end at weight 100; add \{ setWeight: 100 \}/,
    );
  });

  it("a secret given in plain text where a secret is required, without printing it", () => {
    const msg = problemsOf(() => resolve({ secretEnv: { API_KEY: "abc123-plain" } }));
    assert.match(
      msg,
      /progressive-delivery:secretEnv\.API_KEY .*is plain text, but secretEnv must be a Pulumi secret/,
    );
    assert.match(msg, /pulumi config set --secret --path 'secretEnv\.API_KEY'/);
    assert.ok(!msg.includes("abc123-plain"), "the plain value must not be printed");
  });

  it("plain test secrets are refused in prod even when allowed", () => {
    const msg = problemsOf(() =>
      resolve(
        { environment: "prod", allowPlaintextSecrets: true, secretEnv: { A: "x" } },
        { stackName: "prod" },
      ),
    );
    assert.match(msg, /progressive-delivery:allowPlaintextSecrets \(true\): is not allowed in prod/);
    assert.match(msg, /secretEnv\.A .*is plain text/);
  });

  it("an unknown key and a bad enum value are both reported, in one error", () => {
    const msg = problemsOf(() => resolve({ platform: "mainframe", colour: 1 }));
    assert.match(msg, /2 problem\(s\)/);
    assert.match(msg, /progressive-delivery:colour \(1\): is not a config key of this project/);
    assert.match(msg, /progressive-delivery:platform \("mainframe"\): .*use one of "local", "kubernetes"/);
  });

  it("a key that moved to the progressive: namespace names its new place and how to move it", () => {
    const msg = problemsOf(() =>
      resolve({ release: { failFast: true }, traffic: { stableVersion: "v1" }, slackWebhookUrl: "x" }),
    );
    assert.match(
      msg,
      /progressive-delivery:release \(\{"failFast":true\}\): has moved to progressive:release; move it: pulumi config set --path 'progressive:release\.<field>'/,
    );
    assert.match(
      msg,
      /progressive-delivery:traffic .*: has moved to progressive:traffic \(written by the release driver\); remove it and set version/,
    );
    assert.match(
      msg,
      /progressive-delivery:slackWebhookUrl .*: has moved to progressive:slackWebhookUrl; move it: pulumi config set --secret/,
    );
  });

  it("a first version that is not a version label", () => {
    const msg = problemsOf(() => resolve({ version: "v 1/x" }));
    assert.match(msg, /progressive-delivery:version \("v 1\/x"\): is not a version label/);
  });

  it("release settings: every problem with its key path, value and fix", () => {
    assert.throws(
      () =>
        parseSettings(
          {
            "progressive:release": {
              value:
                '{"drift":"sometimes","gates":{"window":{"days":["mon"],"start":"9","end":"17:00","timezone":"Mars/Olympus"}}}',
              secret: false,
            },
            "progressive:colour": { value: "blue", secret: false },
            "progressive:webhookUrl": { value: "http://127.0.0.1/hook", secret: false },
          },
          "dev",
        ),
      (e: unknown) => {
        const m = (e as Error).message;
        assert.match(m, /progressive:release\.drift \("sometimes"\): .*"preview"/);
        assert.match(m, /progressive:release\.gates\.window\.start \("9"\): must be a time such as "09:00"/);
        assert.match(
          m,
          /progressive:release\.gates\.window\.timezone \("Mars\/Olympus"\): is not an IANA time zone/,
        );
        assert.match(
          m,
          /progressive:colour \("blue"\): is not a release setting; use one of progressive:environment/,
        );
        assert.match(
          m,
          /progressive:webhookUrl .*plain text.*pulumi config set --secret progressive:webhookUrl/,
        );
        assert.ok(!m.includes("127.0.0.1/hook"), "the webhook URL is never printed");
        return true;
      },
    );
  });

  it("the platform's section is required", () => {
    const msg = problemsOf(() => resolve({ platform: "kubernetes" }));
    assert.match(
      msg,
      /progressive-delivery:service\.kubernetes \(not set\): is required on Kubernetes; set service\.kubernetes\.image/,
    );
  });
});
