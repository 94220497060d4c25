// Rules on how services release: production-strategy, canary-first-step, blue-green-checks,
// revert-target. Each starts from the passing fixture and changes one field.

import * as assert from "node:assert/strict";
import {
  type BlueGreenStrategy,
  Check,
  type RollingStrategy,
  Step,
  Strategy,
} from "../../../components/core";
import { blueGreenChecks, canaryFirstStep, productionStrategy, revertTarget } from "../../../policies/rules";
import { bareDeployment, prodStack } from "./fixture";
import { assertNoViolations, assertViolation, component, resolved, run } from "./util";

describe("policies: production-strategy", () => {
  const policy = productionStrategy();

  it("accepts canary and blue-green services", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a recreate service", async () => {
    const args = prodStack((f) => {
      f.web.outputs.strategy = resolved(Strategy.recreate());
    });
    await assertViolation(
      policy,
      args,
      'Use a canary or blue-green strategy for "web" in prod: it uses recreate, which stops every instance before the new ones start.',
      "web",
    );
  });

  it("refuses a rolling service unless rolling is allowed", async () => {
    const rolling = resolved<RollingStrategy>(Strategy.rolling());
    const args = prodStack((f) => {
      f.web.outputs.strategy = rolling;
    });
    await assertViolation(
      policy,
      args,
      'Use a canary or blue-green strategy for "web" in prod: it uses rolling.',
    );
    await assertNoViolations(
      productionStrategy({ allowedStrategies: ["canary", "blueGreen", "rolling"] }),
      args,
    );
  });

  it("refuses an all-at-once rolling update even where rolling is allowed", async () => {
    const allowRolling = productionStrategy({ allowedStrategies: ["canary", "blueGreen", "rolling"] });
    const args = prodStack((f) => {
      f.web.outputs.strategy = resolved(Strategy.rolling({ maxUnavailable: "100%" }));
    });
    await assertViolation(
      allowRolling,
      args,
      'Use a canary, blue-green or rolling strategy for "web" in prod: its rolling update takes every instance down at once (maxUnavailable 100%).',
    );
  });

  it("refuses a bare Deployment (a rolling update of its own)", async () => {
    const args = prodStack((f) => {
      f.extra.push(bareDeployment("legacy"));
    });
    await assertViolation(
      policy,
      args,
      'Use a canary or blue-green strategy for "legacy" in prod: it uses rolling.',
      "legacy",
    );
  });

  it("does not apply outside production", async () => {
    const args = prodStack(
      (f) => {
        f.web.outputs.strategy = resolved(Strategy.recreate());
      },
      { stack: "staging" },
    );
    const outcome = await run(policy, args);
    assert.equal(outcome.notApplicable, "applies in prod; the stack is staging");
  });
});

describe("policies: canary-first-step", () => {
  const policy = canaryFirstStep();

  it("accepts the default plan (5% then an analysis)", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a first step above 10%", async () => {
    const steps = [Step.setWeight(25), Step.analysis(), Step.setWeight(100)];
    const args = prodStack((f) => {
      f.web.outputs.strategy = resolved(Strategy.canary({ steps }));
    });
    await assertViolation(
      policy,
      args,
      'Start the canary of "web" at 10% or less: its first step sends 25% of traffic to the candidate.',
      "web",
    );
  });

  it("refuses a first step the weight leaves without a check", async () => {
    const steps = [
      Step.setWeight(5),
      Step.pause("5m"),
      Step.setWeight(50),
      Step.analysis(),
      Step.setWeight(100),
    ];
    const args = prodStack((f) => {
      f.web.outputs.strategy = resolved(Strategy.canary({ steps }));
    });
    await assertViolation(
      policy,
      args,
      'Add an analysis step after the first canary step of "web": the weight rises from 5% to 50% without a check.',
    );
  });

  it("accepts a manual pause as the check when configured", async () => {
    const steps = [Step.setWeight(5), Step.pause(), Step.setWeight(50), Step.analysis(), Step.setWeight(100)];
    const args = prodStack((f) => {
      f.web.outputs.strategy = resolved(Strategy.canary({ steps }));
    });
    await assertNoViolations(canaryFirstStep({ acceptManualPause: true }), args);
  });

  it("takes the largest first weight from config", async () => {
    const steps = [Step.setWeight(20), Step.analysis(), Step.setWeight(100)];
    const args = prodStack(
      (f) => {
        f.web.outputs.strategy = resolved(Strategy.canary({ steps }));
      },
      { config: { maxFirstWeight: 20 } },
    );
    await assertNoViolations(policy, args);
  });
});

describe("policies: blue-green-checks", () => {
  const policy = blueGreenChecks();
  const bg = (props: Parameters<typeof Strategy.blueGreen>[0]) =>
    resolved<BlueGreenStrategy>(Strategy.blueGreen(props));

  it("accepts pre-promotion checks and a 5m scale-down delay", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a production blue-green without pre-promotion checks", async () => {
    const args = prodStack((f) => {
      f.admin.outputs.strategy = bg({ scaleDownDelay: "5m" });
    });
    await assertViolation(
      policy,
      args,
      'Add a pre-promotion check to blue-green service "admin" (strategy.prePromotionChecks): in prod the switch must wait for a check of the new colour, and it has 0.',
      "admin",
    );
  });

  it("refuses a scale-down delay below the configured minimum", async () => {
    const args = prodStack(
      (f) => {
        f.admin.outputs.strategy = bg({ prePromotionChecks: [Check.http()], scaleDownDelay: "60s" });
      },
      { config: { minScaleDownDelaySeconds: 120 } },
    );
    await assertViolation(
      policy,
      args,
      'Keep the old colour of "admin" for at least 120s after a switch (strategy.scaleDownDelay): it is 60s.',
    );
  });
});

describe("policies: revert-target", () => {
  const policy = revertTarget();

  it("accepts services with a stable version", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a component without a stable version", async () => {
    const args = prodStack((f) => {
      f.web.outputs.stableVersion = undefined;
    });
    await assertViolation(
      policy,
      args,
      'Define a stable version for "web" (traffic.stableVersion) so a failed release in prod can revert to it.',
      "web",
    );
  });

  it("refuses a bare Deployment without a version annotation", async () => {
    const args = prodStack((f) => {
      f.extra.push(bareDeployment("legacy"));
    });
    await assertViolation(
      policy,
      args,
      'Deploy "legacy" with a progressive component (or record its version in the progressive.pulumi.io/version annotation) so a failed release in prod has a stable version to revert to.',
      "legacy",
    );
  });

  it("reads the version of a local component the same way", async () => {
    const args = prodStack((f) => {
      f.extra.push(component("local", "CanaryService", "local-web", { strategy: f.web.outputs.strategy }));
    });
    await assertViolation(
      policy,
      args,
      'Define a stable version for "local-web" (traffic.stableVersion) so a failed release in prod can revert to it.',
    );
  });
});
