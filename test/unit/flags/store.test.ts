// The local flag store and what the driver reads from it: the flag file (one flag changed under
// the lock, the file replaced atomically, removed with its last flag), the dynamic provider's
// create/diff/delete, the flag-file router control (read back, the brake to 0 %), the variant
// queries of `builtin` checks and the command line of release-flag and flag off.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCommandLine } from "../../../automation/cli/args";
import { createBuiltinSource } from "../../../automation/metrics/builtin";
import { flagVariantQuery } from "../../../automation/metrics/flag-variants";
import type { MetricProvider } from "../../../automation/metrics/types";
import { routerControl } from "../../../automation/routers";
import { type FlagdFlag, flagdFlag } from "../../../components/core";
import * as impl from "../../../components/local/providers/flagFileImpl";
import { readFlagFile, updateFlag } from "../../../components/local/runtime/flag-file";

const spec = { key: "new-checkout", variants: { on: true, off: false } };
const at = (w: number) =>
  flagdFlag(spec, { stableVersion: "off", candidateVersion: "on", candidateWeight: w });

describe("flags: the local flag file", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "flag-unit-"));
    file = path.join(dir, "sub", "flags.flagd.json");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps other flags, leaves no temporary or lock file, and goes away with its last flag", async () => {
    await Promise.all([updateFlag(file, "a", at(10)), updateFlag(file, "b", at(50))]);
    assert.deepEqual(Object.keys(readFlagFile(file).flags).sort(), ["a", "b"]);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ["flags.flagd.json"]);
    await updateFlag(file, "a", undefined);
    assert.deepEqual(Object.keys(readFlagFile(file).flags), ["b"]);
    await updateFlag(file, "b", undefined);
    assert.equal(fs.existsSync(file), false);
  });

  it("provider: writes the flag, replaces on a new path or key, and removes it on delete", async () => {
    const created = await impl.create({ path: file, key: "new-checkout", flag: at(10) });
    assert.equal(created.id, `${file}#new-checkout`);
    assert.deepEqual(readFlagFile(file).flags["new-checkout"], at(10));
    const olds = created.outs;
    assert.deepEqual(await impl.diff(created.id, olds, { ...olds, flag: at(25) }), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.deepEqual((await impl.diff(created.id, olds, { ...olds, key: "other" })).replaces, ["key"]);
    assert.equal((await impl.diff(created.id, olds, olds)).changes, false);
    await impl.remove(created.id, olds);
    assert.equal(fs.existsSync(file), false);
  });

  it("router: reads the share back and the brake sends everyone to the stable variant, rules included", async () => {
    await updateFlag(file, "new-checkout", {
      ...at(25),
      targeting: {
        if: [
          true,
          "on",
          {
            fractional: [
              ["on", 25],
              ["off", 75],
            ],
          },
        ],
      },
    } as FlagdFlag);
    const control = routerControl({ kind: "flag-file", path: file, flag: "new-checkout" }, {});
    const expect = { stableVersion: "off", candidateVersion: "on", candidateWeight: 25 };
    const reading = await control.read(expect);
    assert.equal(reading.verified && reading.candidateWeight, 25);
    const brake = await control.sendAllToStable({ ...expect, candidateWeight: 0 }, "on");
    assert.deepEqual(brake, { applied: true });
    assert.deepEqual(readFlagFile(file).flags["new-checkout"], {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
    });
    const missing = routerControl({ kind: "flag-file", path: file, flag: "other" }, {});
    const r = await missing.read(expect);
    assert.equal(r.verified, false);
    assert.match(r.verified ? "" : r.reason, /no flag "other"/);
  });
});

describe("flags: variant metrics for builtin checks", () => {
  const sel = { flag: "new-checkout", variant: "on", requests: "flag_requests_total" };
  it("builds one PromQL per variant and metric", () => {
    assert.equal(
      flagVariantQuery("errorRate", sel, 30),
      '(sum(rate(flag_requests_total{flag="new-checkout",variant="on",status=~"5.."}[30s])) or vector(0)) / sum(rate(flag_requests_total{flag="new-checkout",variant="on"}[30s]))',
    );
    assert.equal(
      flagVariantQuery("throughput", sel, 4.2),
      'sum(rate(flag_requests_total{flag="new-checkout",variant="on"}[5s]))',
    );
    assert.equal(flagVariantQuery("meanLatency", sel, 30), undefined);
    assert.equal(
      flagVariantQuery("meanLatency", { ...sel, duration: "d" }, 30),
      'sum(rate(d_sum{flag="new-checkout",variant="on"}[30s])) / sum(rate(d_count{flag="new-checkout",variant="on"}[30s]))',
    );
  });

  it("measures the rolled-out variant against the default one through Prometheus", async () => {
    const asked: string[] = [];
    const fake: MetricProvider = {
      name: "builtin",
      kind: "prometheus",
      async query(q) {
        const text = (q as { query: string }).query;
        asked.push(text);
        // As Prometheus answers sum(...): an instant vector of one sample.
        const value = text.startsWith("sum(increase(") ? 39.6 : text.includes('variant="on"') ? 0.5 : 0;
        return { kind: "vector", samples: [{ labels: {}, value }], at: new Date(1) };
      },
    };
    const source = createBuiltinSource(
      { kind: "prometheus-flag", flag: "new-checkout", requests: "flag_requests_total" },
      {},
      { prometheus: { url: "http://127.0.0.1:9" } },
      () => fake,
    );
    const m = await source.measure("errorRate", { candidate: "on", stable: "off" }, 0.01);
    assert.deepEqual(
      [m.candidate.kind === "value" && m.candidate.value, m.stable.kind === "value" && m.stable.value],
      [0.5, 0],
    );
    // Each share with the requests behind it (increase() over the same window, rounded), so the
    // error rate carries evidence and the sequential check has counts.
    assert.deepEqual(
      [m.candidate.kind === "value" && m.candidate.detail, m.stable.kind === "value" && m.stable.detail],
      [{ requests: 40 }, { requests: 40 }],
    );
    assert.ok(
      asked.includes('sum(increase(flag_requests_total{flag="new-checkout",variant="on"}[1s]))'),
      asked.join("\n"),
    );
    assert.equal(asked.length, 4);
    const latency = await source.measure("throughput", { candidate: "on", stable: "off" }, 0.01);
    assert.equal(latency.candidate.kind, "vector", "counts only for shares: the answer as it came");
    assert.throws(
      () => createBuiltinSource({ kind: "prometheus-flag", flag: "f", requests: "r" }, {}, {}, () => fake),
      /Prometheus, which is not configured/,
    );
  });
});

describe("flags: command line", () => {
  it("parses release-flag and flag off", () => {
    assert.deepEqual(
      parseCommandLine(["release-flag", "new-checkout", "--stack", "dev", "--variant", "on"]),
      {
        command: "release-flag",
        target: { stackName: "dev" },
        json: false,
        quiet: false,
        flag: "new-checkout",
        variant: "on",
        approve: false,
      },
    );
    assert.deepEqual(parseCommandLine(["flag", "off", "new-checkout", "--stack", "prod"]), {
      command: "flag",
      target: { stackName: "prod" },
      json: false,
      quiet: false,
      action: "off",
      flag: "new-checkout",
    });
    assert.throws(
      () => parseCommandLine(["flag", "on", "x", "--stack", "dev"]),
      /flag takes an action and the flag/,
    );
    assert.throws(() => parseCommandLine(["release-flag", "--stack", "dev"]), /release-flag needs the flag/);
  });
});
