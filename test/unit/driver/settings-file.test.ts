// The driver writes a service's traffic entry into the stack's settings file itself (one CLI
// start less per step): every other line of the file must stay as it was.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  stackSettingsDocument,
  trafficValue,
  writeConfigValue,
} from "../../../automation/driver/settings-file";
import { isReleaseOutputs } from "../../../automation/driver/stack-state";
import { registeredOutputs } from "../../../automation/driver/step-run";

const KEY = "progressive:traffic";

describe("driver: the stack's settings file", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-settings-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const settings = (text: string, configDir?: string) => {
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: shop\nruntime: nodejs\n${configDir ? `stackConfigDir: ${configDir}\n` : ""}`,
    );
    const folder = configDir ? path.join(dir, configDir) : dir;
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "Pulumi.dev.yaml"), text);
    return path.join(folder, "Pulumi.dev.yaml");
  };

  it("replaces one entry and keeps comments, secrets and the other entries", () => {
    const file = settings(
      [
        "# dev stack",
        "encryptionsalt: v1:abc:def",
        "config:",
        "  shop:replicas: 2 # two is enough",
        "  shop:token:",
        "    secure: v1:xyz",
        "  progressive:traffic:",
        "    api:",
        "      stableVersion: v7",
        "      candidateWeight: 0",
        "    web:",
        "      stableVersion: v1",
        "      candidateWeight: 0",
        "",
      ].join("\n"),
      "stacks",
    );
    const local = stackSettingsDocument(dir, "organization/shop/dev");
    assert.ok(local, "found in stackConfigDir, by the stack's short name");
    assert.equal(local.file, file);
    const all = {
      ...(trafficValue(local.doc.getIn(["config", KEY])) as object),
      web: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 },
    };
    writeConfigValue(local, KEY, all);
    const text = fs.readFileSync(file, "utf8");
    assert.match(text, /^# dev stack$/m);
    assert.match(text, /^encryptionsalt: v1:abc:def$/m);
    assert.match(text, /shop:replicas: 2 # two is enough/);
    assert.match(text, /secure: v1:xyz/);
    const again = stackSettingsDocument(dir, "dev");
    assert.deepEqual(trafficValue(again?.doc.getIn(["config", KEY])), {
      api: { stableVersion: "v7", candidateWeight: 0 },
      web: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 },
    });
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith(".tmp")),
      [],
      "no temporary file left",
    );
  });

  it("reads a value set as a JSON string, and adds the key to a file without it", () => {
    settings(`config:\n  ${KEY}: '{"web":{"stableVersion":"v3","candidateWeight":0}}'\n`);
    const local = stackSettingsDocument(dir, "dev");
    assert.deepEqual(trafficValue(local?.doc.getIn(["config", KEY])), {
      web: { stableVersion: "v3", candidateWeight: 0 },
    });
    settings("config:\n  shop:replicas: 2\n");
    const plain = stackSettingsDocument(dir, "dev");
    assert.ok(plain);
    writeConfigValue(plain, KEY, { web: { stableVersion: "v1", candidateWeight: 0 } });
    assert.deepEqual(stackSettingsDocument(dir, "dev")?.doc.toJS(), {
      config: { "shop:replicas": 2, [KEY]: { web: { stableVersion: "v1", candidateWeight: 0 } } },
    });
  });

  it("leaves to the CLI a file it cannot edit safely: missing, not YAML, config not a map", () => {
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: shop\nruntime: nodejs\n");
    assert.equal(stackSettingsDocument(dir, "dev"), undefined, "missing");
    settings("config: [1, 2\n");
    assert.equal(stackSettingsDocument(dir, "dev"), undefined, "not YAML");
    settings("config: 3\n");
    assert.equal(stackSettingsDocument(dir, "dev"), undefined, "config not a map");
  });
});

describe("driver: outputs from the engine's event log", () => {
  it("keeps the last outputs each resource registered, and skips what is not an outputs event", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-events-"));
    try {
      const file = path.join(dir, "events.jsonl");
      const urn = "urn:pulumi:dev::shop::progressive:local:CanaryService::web";
      const release = {
        contract: 1,
        name: "web",
        traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 },
        router: { kind: "local-proxy", adminEndpoint: "http://127.0.0.1:1" },
      };
      fs.writeFileSync(
        file,
        [
          JSON.stringify({ sequence: 1, preludeEvent: { config: {} } }),
          JSON.stringify({
            sequence: 2,
            resOutputsEvent: {
              metadata: {
                urn,
                op: "same",
                new: {
                  outputs: { release: { ...release, traffic: { stableVersion: "v1", candidateWeight: 0 } } },
                },
              },
            },
          }),
          JSON.stringify({
            sequence: 3,
            resOutputsEvent: { metadata: { urn, op: "update", new: { outputs: { release } } } },
          }),
          '{"sequence": 4, "resOutputsEvent": {"metadata"', // cut short by a crash
        ].join("\n"),
      );
      const outputs = registeredOutputs(file);
      assert.deepEqual(outputs.get(urn)?.release, release);
      assert.ok(isReleaseOutputs(outputs.get(urn)?.release));
      assert.equal(isReleaseOutputs({ ...release, contract: 2 }), false, "another contract is not read");
      assert.equal(registeredOutputs(path.join(dir, "missing.jsonl")).size, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
