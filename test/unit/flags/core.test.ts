// The flag maths: flagd definitions per traffic state (exact), reading them back, the stores'
// formats (AppConfig, App Configuration), validation messages, and flagd's own bucketing
// (@openfeature/flagd-core, the evaluator of the flagd provider): the share of users matches the
// percentage and a user who had the rolled-out variant keeps it as the percentage grows.
import * as assert from "node:assert/strict";
import { FlagdCore } from "@openfeature/flagd-core";
import { appConfigFeatureFlags } from "../../../components/aws";
import { azureFeatureFlag } from "../../../components/azure";
import {
  checkFlag,
  type FlagSpec,
  flagdDocument,
  flagdFlag,
  flagdRolloutPercent,
  type Problem,
  type TrafficState,
  variantShare,
} from "../../../components/core";

const spec: FlagSpec = { key: "new-checkout", variants: { on: true, off: false } };
const at = (w: number): TrafficState => ({
  stableVersion: "off",
  candidateVersion: "on",
  candidateWeight: w,
});

describe("flags: flagd definitions", () => {
  it("has no targeting at 0 % and 100 %, and a fractional with the rolled-out variant first between", () => {
    assert.deepEqual(flagdFlag(spec, { stableVersion: "off", candidateWeight: 0 }), {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
    });
    assert.deepEqual(flagdFlag(spec, at(0)), {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
    });
    assert.deepEqual(flagdFlag(spec, at(10)), {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: {
        fractional: [
          ["on", 10],
          ["off", 90],
        ],
      },
    });
    assert.deepEqual(flagdFlag(spec, at(100)), {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "on",
    });
    // After promotion the rolled-out variant is the stable one.
    assert.equal(flagdFlag(spec, { stableVersion: "on", candidateWeight: 0 }).defaultVariant, "on");
  });

  it("buckets by flag key + the named field when the targeting key is not targetingKey, and puts rules first", () => {
    const f = flagdFlag(
      {
        ...spec,
        targetingKey: "userId",
        rules: [{ when: { in: [{ var: "email" }, ["qa@example.com"]] }, variant: "on" }],
      },
      at(25),
    );
    assert.deepEqual(f.targeting, {
      if: [
        { in: [{ var: "email" }, ["qa@example.com"]] },
        "on",
        {
          fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: "userId" }] }, ["on", 25], ["off", 75]],
        },
      ],
    });
    assert.deepEqual(flagdFlag({ ...spec, rules: [{ when: true, variant: "on" }] }, at(0)).targeting, {
      if: [true, "on", "off"],
    });
  });

  it("reads the rollout back from a definition", () => {
    const doc = flagdDocument({ [spec.key]: flagdFlag(spec, at(25)) });
    assert.equal(flagdRolloutPercent(doc, spec.key, "on"), 25);
    assert.equal(flagdRolloutPercent(doc, spec.key, "off"), 75);
    const full = flagdDocument({ [spec.key]: flagdFlag(spec, at(100)) });
    assert.equal(flagdRolloutPercent(full, spec.key, "on"), 100);
    assert.equal(flagdRolloutPercent(full, spec.key, "off"), 0);
    assert.throws(() => flagdRolloutPercent(doc, "other", "on"), /no flag "other"/);
    assert.equal(variantShare(at(25), "off"), 75);
  });

  it("names the field, the value and the fix", () => {
    const problems: Problem[] = [];
    checkFlag(
      { key: "9bad key", variants: { on: true, "not ok": 1 }, rules: [{ when: true, variant: "maybe" }] },
      { stableVersion: "off", candidateWeight: 0 },
      "progressive:traffic.f",
      problems,
    );
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}`),
      [
        "key: is not a flag key",
        "variants.not ok: is not a variant name",
        "rules[0].variant: is not one of the flag's variants",
        "progressive:traffic.f.stableVersion: is not one of the flag's variants",
      ],
    );
  });
});

describe("flags: flagd's own bucketing (flagd-core, as the in-process provider evaluates)", () => {
  const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const variantsAt = (w: number) => {
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(flagdDocument({ [spec.key]: flagdFlag(spec, at(w)) })));
    return users.map((u) => core.resolveBooleanEvaluation(spec.key, false, { targetingKey: u }).variant);
  };

  it("gives the percentage of users the variant, and keeps every user who had it as it grows", () => {
    const steps = [5, 10, 25, 50];
    const results = steps.map(variantsAt);
    steps.forEach((w, i) => {
      const on = (results[i] as (string | undefined)[]).filter((v) => v === "on").length / users.length;
      assert.ok(Math.abs(on - w / 100) < 0.015, `at ${w} %: ${(on * 100).toFixed(2)} % got on`);
    });
    for (let i = 1; i < steps.length; i++) {
      const before = results[i - 1] as (string | undefined)[];
      const after = results[i] as (string | undefined)[];
      const lost = users.filter((_, u) => before[u] === "on" && after[u] !== "on");
      assert.deepEqual(lost, [], `users who lost "on" between ${steps[i - 1]} % and ${steps[i]} %`);
    }
    assert.ok(variantsAt(0).every((v) => v === "off"));
    assert.ok(variantsAt(100).every((v) => v === "on"));
  });
});

describe("flags: cloud store formats", () => {
  it("AppConfig: one flag, a split rule for the rolled-out variant at the top, none at 0 % or 100 %", () => {
    assert.deepEqual(appConfigFeatureFlags(spec, at(10)), {
      version: "1",
      flags: {
        "new-checkout": {
          name: "new-checkout",
          attributes: {
            variant: { constraints: { type: "string", enum: ["on", "off"] } },
            value: { constraints: { type: "string" } },
          },
        },
      },
      values: {
        "new-checkout": {
          _enabled: false,
          variant: "off",
          value: "false",
          _variants: [
            {
              name: "on",
              enabled: true,
              rule: "(split by::$targetingKey pct::10)",
              attributeValues: { variant: "on", value: "true" },
            },
            { name: "off", enabled: false, attributeValues: { variant: "off", value: "false" } },
          ],
        },
      },
    });
    assert.deepEqual(appConfigFeatureFlags(spec, at(100)).values, {
      "new-checkout": { _enabled: true, variant: "on", value: "true" },
    });
  });

  it("App Configuration: the targeting filter's DefaultRolloutPercentage, disabled at 0 %, no filter at 100 %", () => {
    assert.deepEqual(azureFeatureFlag(spec, at(25), "on"), {
      id: "new-checkout",
      description: "",
      enabled: true,
      conditions: {
        client_filters: [
          {
            name: "Microsoft.Targeting",
            parameters: { Audience: { Users: [], Groups: [], DefaultRolloutPercentage: 25 } },
          },
        ],
      },
    });
    assert.deepEqual(azureFeatureFlag(spec, at(0), "on"), {
      id: "new-checkout",
      description: "",
      enabled: false,
      conditions: { client_filters: [] },
    });
    assert.deepEqual(azureFeatureFlag(spec, { stableVersion: "on", candidateWeight: 0 }, "on"), {
      id: "new-checkout",
      description: "",
      enabled: true,
      conditions: { client_filters: [] },
    });
  });
});
