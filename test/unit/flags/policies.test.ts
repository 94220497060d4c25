// The flag rules called as the policy server calls them, on a FeatureFlag's registered release
// (one changed field per case): flag-rollout in production, no-secret-flag-variants everywhere.
import * as assert from "node:assert/strict";
import { type CanaryStrategyInput, Step, Strategy } from "../../../components/core";
import { flagRollout, noSecretFlagVariants } from "../../../policies/rules";
import { type FakeResource, resolved, run, stackArgs } from "../policies/util";

function flag(
  opts: { strategy?: CanaryStrategyInput; variants?: Record<string, unknown>; platform?: string } = {},
): FakeResource {
  return {
    type: `progressive:${opts.platform ?? "local"}:FeatureFlag`,
    name: "new-checkout",
    props: {
      release: {
        strategy: resolved(opts.strategy ?? Strategy.canary({ headerRoute: false })),
        traffic: { stableVersion: "off", candidateWeight: 0 },
        flag: {
          key: "new-checkout",
          variants: opts.variants ?? { on: true, off: false },
          targetingKey: "targetingKey",
        },
      },
    },
  };
}

const messages = async (policy: ReturnType<typeof flagRollout>, r: FakeResource, stack = "prod") =>
  (await run(policy, stackArgs([r], { stack }))).violations.map((v) => v.message);

describe("policies: flag-rollout", () => {
  const policy = flagRollout();

  it("accepts the default rollout (5 % then an analysis) on every platform", async () => {
    for (const platform of ["local", "kubernetes", "aws", "azure", "gcp"])
      assert.deepEqual(await messages(policy, flag({ platform })), []);
  });

  it("refuses a first step above 10 %", async () => {
    const strategy = Strategy.canary({
      steps: [Step.setWeight(20), Step.analysis(), Step.setWeight(100)],
    });
    assert.deepEqual(await messages(policy, flag({ strategy })), [
      'Start the rollout of flag "new-checkout" in prod at 10% of users or less: its first step gives 20% the new variant.',
    ]);
  });

  it("refuses a rollout that grows without an analysis (a manual pause does not count)", async () => {
    const strategy = Strategy.canary({
      steps: [Step.setWeight(5), Step.pause(), Step.setWeight(50), Step.analysis(), Step.setWeight(100)],
    });
    assert.deepEqual(await messages(policy, flag({ strategy })), [
      'Add an analysis step after the first rollout step of flag "new-checkout" in prod: the share rises from 5% without a metric check.',
    ]);
  });

  it("does not apply outside production", async () => {
    const strategy = Strategy.canary({ steps: [Step.setWeight(50), Step.setWeight(100)] });
    const outcome = await run(policy, stackArgs([flag({ strategy })], { stack: "dev" }));
    assert.deepEqual(outcome.violations, []);
  });
});

describe("policies: no-secret-flag-variants", () => {
  const policy = noSecretFlagVariants();

  it("accepts plain variants", async () => {
    assert.deepEqual(
      await messages(policy, flag({ variants: { on: { color: "blue", limit: 3 }, off: { color: "grey" } } })),
      [],
    );
  });

  it("refuses a field named like a secret, naming the field and never the value", async () => {
    const found = await messages(
      policy,
      flag({ variants: { on: { endpoint: "https://pay", apiKey: "abc123" }, off: {} } }),
    );
    assert.deepEqual(found, [
      'Keep secrets out of variant "on" of flag "new-checkout": its field "apiKey" is named like a secret; read the secret from a secret store in the application and let the flag only switch behaviour.',
    ]);
    assert.ok(!found.join().includes("abc123"));
  });

  it("refuses a credential-shaped value, also in a list, and accepts a pointer to one", async () => {
    assert.deepEqual(
      await messages(
        policy,
        flag({
          variants: {
            on: { urls: ["https://svc", "https://user:hunter2@db.example.com"], secret_file: "/run/x" },
            off: "AKIAABCDEFGHIJKLMNOP",
          },
        }),
        "dev",
      ),
      [
        'Keep secrets out of variant "on" of flag "new-checkout": its field "urls[1]" looks like a credential; flag stores are readable by every reader of the flag.',
        'Keep secrets out of variant "off" of flag "new-checkout": its value looks like a credential; flag stores are readable by every reader of the flag.',
      ],
    );
  });
});
