// The workload checks every platform shares, with a platform's rules as parameters.
import * as assert from "node:assert/strict";
import {
  checkEnvNames,
  checkReplicaRange,
  type EnvEntry,
  type Problem,
  rollingTraffic,
} from "../../../components/core";

const RULES = { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, fix: "use letters, digits and _" };

describe("checkEnvNames", () => {
  it("names a bad name, a reserved one and one in both maps, in order, with the platform's fixes", () => {
    const problems: Problem[] = [];
    const reserved = {
      names: ["PORT"],
      message: "is set by the platform",
      fix: (n: string) => `remove ${n}`,
    };
    checkEnvNames({ "1X": "a", PORT: "80", DB: "x" }, { DB: "ref" }, { ...RULES, reserved }, problems);
    assert.deepEqual(
      problems.map((p) => [p.path, p.message, p.fix]),
      [
        ["env.1X", "is not a valid environment variable name", "use letters, digits and _"],
        ["env.PORT", "is set by the platform", "remove PORT"],
        ["secretEnv.DB", "is set in both env and secretEnv", "keep it in one of them"],
      ],
    );
  });

  it("hands every entry, a bad name's included, to the platform's own check", () => {
    const seen: EnvEntry[] = [];
    checkEnvNames({ A: "1" }, { "b-c": { secret: "s" } }, RULES, [], (e) => seen.push(e));
    assert.deepEqual(seen, [
      { field: "env", name: "A", value: "1", path: "env.A" },
      { field: "secretEnv", name: "b-c", value: { secret: "s" }, path: "secretEnv.b-c" },
    ]);
  });

  it("accepts no maps at all", () => {
    const problems: Problem[] = [];
    checkEnvNames(undefined, undefined, RULES, problems);
    assert.deepEqual(problems, []);
  });
});

describe("checkReplicaRange", () => {
  const cases: Array<[string, { minReplicas?: number; maxReplicas: number }, number, string[]]> = [
    ["min defaults to replicas", { maxReplicas: 4 }, 2, []],
    ["max below the default min", { maxReplicas: 1 }, 2, ["autoscaling.maxReplicas"]],
    ["min 0", { minReplicas: 0, maxReplicas: 3 }, 2, ["autoscaling.minReplicas"]],
    [
      "fractions",
      { minReplicas: 1.5, maxReplicas: 2.5 },
      2,
      ["autoscaling.minReplicas", "autoscaling.maxReplicas"],
    ],
  ];
  for (const [title, autoscaling, replicas, paths] of cases) {
    it(title, () => {
      const problems: Problem[] = [];
      checkReplicaRange(autoscaling, replicas, problems);
      assert.deepEqual(
        problems.map((p) => p.path),
        paths,
      );
    });
  }

  it("says the minimum in the maximum's message and fix", () => {
    const problems: Problem[] = [];
    assert.equal(checkReplicaRange({ minReplicas: 3, maxReplicas: 2 }, 2, problems), 3);
    assert.equal(problems[0]?.message, "must be a whole number of at least minReplicas (3)");
    assert.equal(problems[0]?.fix, "use 3 or more");
  });
});

describe("rollingTraffic", () => {
  it("fills a left-out candidate weight with 0 and keeps a given one", () => {
    assert.deepEqual(rollingTraffic({ stableVersion: "v1" }), { stableVersion: "v1", candidateWeight: 0 });
    assert.deepEqual(rollingTraffic({ stableVersion: "v1", candidateWeight: 5 }), {
      stableVersion: "v1",
      candidateWeight: 5,
    });
    assert.equal(rollingTraffic(undefined), undefined);
  });
});
