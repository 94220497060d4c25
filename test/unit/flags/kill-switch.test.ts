// The kill switch's target in each state of a flag: a rollout in progress, a promoted variant, a
// flag already off, and a promoted flag deployed before it named an off variant.
import * as assert from "node:assert/strict";
import { ReleaseError } from "../../../automation/driver/errors";
import { killTarget } from "../../../automation/driver/flags";

describe("flag off: what the kill switch gives everyone", () => {
  it("during a rollout: the stable variant, the rolled-out one's share to 0 %", () => {
    assert.deepEqual(
      killTarget("checkout", { stableVersion: "off", candidateVersion: "on", candidateWeight: 25 }, "off"),
      {
        traffic: { stableVersion: "off", candidateWeight: 0 },
        killed: "on",
      },
    );
  });

  it("after a promotion: the off variant again, taking the promoted one away", () => {
    assert.deepEqual(killTarget("checkout", { stableVersion: "on", candidateWeight: 0 }, "off"), {
      traffic: { stableVersion: "off", candidateWeight: 0 },
      killed: "on",
    });
  });

  it("when everyone already gets the off variant: nothing to do", () => {
    assert.equal(killTarget("checkout", { stableVersion: "off", candidateWeight: 0 }, "off"), undefined);
    assert.equal(
      killTarget("checkout", { stableVersion: "off", candidateVersion: "on", candidateWeight: 0 }, "off"),
      undefined,
      "a candidate at 0 % is off already",
    );
  });

  it("refuses, with the reason and what to do, when a promoted flag names no off variant", () => {
    assert.throws(
      () => killTarget("checkout", { stableVersion: "on", candidateWeight: 0 }, undefined),
      (e: unknown) =>
        e instanceof ReleaseError &&
        e.kind === "usage" &&
        /^flag checkout serves on to everyone and names no off variant to go back to; deploy it again/.test(
          e.message,
        ),
    );
  });
});
