// Release groups: which services a release names (`--service a,b`, `--group`) and whether they can
// step together (the same strategy kind and step list; no flag, no platform-run release).
import * as assert from "node:assert/strict";
import { parseCommandLine } from "../../../automation/cli/args";
import { ReleaseError } from "../../../automation/driver/errors";
import { checkGroup, groupMembers } from "../../../automation/driver/group";
import { asFlagPlan, buildPlan, type ReleasePlan } from "../../../automation/driver/plan";
import { parseSettings } from "../../../automation/driver/settings";
import { resolveStrategy, type StrategyInput } from "../../../components/core";

const CHECK = {
  kind: "metric",
  name: "errors",
  provider: "builtin",
  query: "errorRate",
  failureCondition: "> 0.05",
};

function plan(input: StrategyInput, stable = "v1"): ReleasePlan {
  const problems: never[] = [];
  const s = resolveStrategy(input, "strategy", problems);
  assert.ok(s, JSON.stringify(problems));
  return buildPlan("dev/x", s, { stableVersion: stable, candidateWeight: 0 }, "v2");
}

const canary = (steps: unknown[], checks: unknown[] = [CHECK]) =>
  plan({ kind: "canary", steps, checks } as StrategyInput);

const settings = (groups: unknown) =>
  parseSettings(
    { "progressive:release": { value: JSON.stringify({ groups }), objectValue: { groups }, secret: false } },
    "dev",
  );

function rejects(fn: () => void, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ReleaseError, String(err));
    assert.equal(err.kind, "usage");
    assert.match(err.message, message);
    return true;
  });
}

describe("release groups", () => {
  describe("checkGroup", () => {
    const steps = [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }, { analysis: {} }];

    it("accepts members with the same steps, whatever their checks and stable versions", () => {
      checkGroup([
        { name: "web", plan: canary(steps) },
        { name: "api", plan: plan({ kind: "canary", steps, checks: [] } as StrategyInput, "v7") },
      ]);
      checkGroup([{ name: "web", plan: canary(steps) }]); // a group of one
    });

    it("rejects members whose weights differ, naming both, their steps and the fix", () => {
      rejects(
        () =>
          checkGroup([
            { name: "web", plan: canary(steps) },
            { name: "api", plan: canary([{ setWeight: 20 }, { analysis: {} }]) },
          ]),
        /cannot release web, api as one group: web and api follow different steps \(web steps deploy -> 10% -> analysis on candidate -> 50% -> analysis on candidate -> promote.*; api steps deploy -> 20% -> analysis on candidate -> promote.*\); give them the same steps, or release them apart/,
      );
    });

    it("rejects a pause where the other member has none, and a timed pause against a manual one", () => {
      rejects(
        () =>
          checkGroup([
            { name: "web", plan: canary([{ setWeight: 10 }, { pause: {} }]) },
            { name: "api", plan: canary([{ setWeight: 10 }, { pause: { duration: "30s" } }]) },
          ]),
        /web steps deploy -> 10% -> pause -> .*; api steps deploy -> 10% -> pause 30s -> /,
      );
    });

    it("rejects members of different strategy kinds, naming each kind", () => {
      rejects(
        () =>
          checkGroup([
            { name: "web", plan: canary(steps) },
            { name: "api", plan: plan({ kind: "rolling" } as StrategyInput) },
          ]),
        /web and api follow different steps \(web is canary, api is rolling\); give them the same steps, or release them apart/,
      );
    });

    it("collects every problem: a flag, a platform-run release and a third member's steps", () => {
      rejects(
        () =>
          checkGroup([
            { name: "web", plan: canary(steps) },
            { name: "dark-mode", plan: asFlagPlan(canary(steps), "dark-mode") },
            { name: "orders", plan: { ...canary(steps), managedBy: "ECS (canary)" } },
            { name: "api", plan: canary([{ setWeight: 50 }]) },
          ]),
        /dark-mode is a feature flag; release flags apart .*; orders's traffic is moved by ECS \(canary\), not by the driver; release it apart; web and api follow different steps/,
      );
    });
  });

  describe("groupMembers", () => {
    it("reads --service a,b as a group in the order given, and one name as no group", () => {
      assert.deepEqual(groupMembers({ service: "web, api" }, settings({})), { members: ["web", "api"] });
      assert.equal(groupMembers({ service: "web" }, settings({})), undefined);
      assert.equal(groupMembers({}, settings({})), undefined);
    });

    it("reads --group from progressive:release.groups", () => {
      assert.deepEqual(groupMembers({ group: "checkout" }, settings({ checkout: ["web", "api"] })), {
        name: "checkout",
        members: ["web", "api"],
      });
    });

    it("rejects an unknown group, naming the known ones and how to set one", () => {
      rejects(
        () => groupMembers({ group: "chekout" }, settings({ checkout: ["web", "api"] })),
        /--group \(chekout\): progressive:release.groups has no group of that name; it has checkout \(set one with pulumi config set --path 'progressive:release.groups.chekout\[0\]' <service>\)/,
      );
    });

    it("rejects --group with --service, an empty name and a name given twice", () => {
      rejects(
        () => groupMembers({ group: "checkout", service: "web" }, settings({ checkout: ["web"] })),
        /--group \(checkout\) and --service \(web\) both name what to release; pass one of them/,
      );
      rejects(
        () => groupMembers({ service: "web,,api" }, settings({})),
        /--service \("web,,api"\) names an empty service/,
      );
      rejects(
        () => groupMembers({ group: "g" }, settings({ g: ["web", "api", "web"] })),
        /progressive:release.groups.g \("web,api,web"\) names web twice; name each service once/,
      );
    });

    it("the settings reject a group that is not a list of names", () => {
      assert.throws(
        () => settings({ checkout: "web" }),
        /progressive:release.groups.checkout \("web"\): must be a list/,
      );
      assert.throws(
        () => settings({ checkout: [] }),
        /progressive:release.groups.checkout.*must list at least 1 item/,
      );
    });
  });

  it("the command line takes --group on release, status, resume, promote and abort, not on rollback", () => {
    const r = parseCommandLine(["release", "v2", "--stack", "dev", "--group", "checkout"]);
    assert.equal(r.command, "release");
    assert.deepEqual("target" in r ? r.target : undefined, { stackName: "dev", group: "checkout" });
    const s = parseCommandLine(["release", "v2", "--stack", "dev", "--service", "web,api"]);
    assert.deepEqual("target" in s ? s.target : undefined, { stackName: "dev", service: "web,api" });
    for (const command of ["status", "resume", "promote", "abort"])
      assert.equal(parseCommandLine([command, "--stack", "dev", "--group", "checkout"]).command, command);
    assert.throws(() => parseCommandLine(["rollback", "--stack", "dev", "--group", "checkout"]), /--group/);
  });
});
