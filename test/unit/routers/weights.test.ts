// Table tests of the pure readings: how each router's applied state becomes a candidate share.
import * as assert from "node:assert/strict";
import {
  allToStableRules,
  allToStableTable,
  httpRouteCanaryWeight,
  nginxCanaryWeight,
  proxyCandidateWeight,
  replicaRatioWeight,
  selectedColor,
} from "../../../automation/routers";
import type { RouteTable } from "../../../components/local/runtime/routing";

const P = "nginx.ingress.kubernetes.io/";

describe("router readings (pure)", () => {
  describe("proxyCandidateWeight", () => {
    const cases: Array<[string, Record<string, number>, Parameters<typeof proxyCandidateWeight>[1], number]> =
      [
        [
          "canary split",
          { v1: 70, v2: 30 },
          { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 },
          30,
        ],
        [
          "candidate missing from the table",
          { v1: 100 },
          { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
          0,
        ],
        ["no candidate, all on stable", { v1: 100 }, { stableVersion: "v1", candidateWeight: 0 }, 0],
        [
          "rolling: old units still serve",
          { v1: 40, v2: 60 },
          { stableVersion: "v2", candidateWeight: 0 },
          40,
        ],
        ["stable missing from the table", { v0: 100 }, { stableVersion: "v1", candidateWeight: 0 }, 100],
        [
          "same version in both slots",
          { v2: 100 },
          { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
          100,
        ],
      ];
    for (const [name, weights, expect, want] of cases) {
      it(name, () => assert.equal(proxyCandidateWeight(weights, expect), want));
    }
  });

  it("allToStableTable keeps instances and preview, and a header route only to stable", () => {
    const inst = (port: number) => [{ host: "127.0.0.1", port }];
    const t: RouteTable = {
      versions: [
        { name: "v1", weight: 60, instances: inst(1001) },
        { name: "v2", weight: 40, instances: inst(1002) },
      ],
      headerRoute: { version: "v2", header: "X-Canary", value: "true" },
      previewVersion: "v2",
    };
    assert.deepEqual(allToStableTable(t, "v1"), {
      versions: [
        { name: "v1", weight: 100, instances: inst(1001) },
        { name: "v2", weight: 0, instances: inst(1002) },
      ],
      previewVersion: "v2",
    });
    const toStable = { ...t, headerRoute: { version: "v1", header: "X-Canary", value: "true" } };
    assert.deepEqual(allToStableTable(toStable, "v1").headerRoute, toStable.headerRoute);
  });

  describe("nginxCanaryWeight", () => {
    const cases: Array<[string, Record<string, string> | undefined, number | RegExp]> = [
      ["weight out of 100", { [`${P}canary`]: "true", [`${P}canary-weight`]: "15" }, 15],
      ["no weight means 0", { [`${P}canary`]: "true" }, 0],
      [
        "weight out of a total",
        { [`${P}canary`]: "true", [`${P}canary-weight`]: "1", [`${P}canary-weight-total`]: "3" },
        33,
      ],
      ["not a canary", { [`${P}canary-weight`]: "15" }, /canary is null, not "true"/],
      ["no annotations", undefined, /canary is null/],
      [
        "weight not a number",
        { [`${P}canary`]: "true", [`${P}canary-weight`]: "ten" },
        /canary-weight is "ten", not a whole number/,
      ],
      [
        "total of 0",
        { [`${P}canary`]: "true", [`${P}canary-weight-total`]: "0" },
        /canary-weight-total is "0"/,
      ],
      [
        "weight above the total",
        { [`${P}canary`]: "true", [`${P}canary-weight`]: "150" },
        /\(150\) is above/,
      ],
    ];
    for (const [name, annotations, want] of cases) {
      it(name, () => {
        const w = nginxCanaryWeight(annotations);
        if (typeof want === "number") assert.equal("weight" in w ? w.weight : w.reason, want);
        else assert.match("reason" in w ? w.reason : `weight ${w.weight}`, want);
      });
    }

    it("notes header and cookie rules, which reach the canary whatever the weight", () => {
      const w = nginxCanaryWeight({
        [`${P}canary`]: "true",
        [`${P}canary-weight`]: "0",
        [`${P}canary-by-cookie`]: "beta",
      });
      assert.ok("weight" in w);
      assert.deepEqual(w.byRequest, ["canary-by-cookie=beta"]);
      assert.equal(w.detail, "canary-weight=0; also by request: canary-by-cookie=beta");
    });
  });

  describe("httpRouteCanaryWeight", () => {
    const S = { namespace: "shop", stableService: "st", canaryService: "ca" };
    const rule = (...refs: object[]) => ({ backendRefs: refs });
    const cases: Array<[string, unknown, number | RegExp]> = [
      ["one rule", [rule({ name: "st", weight: 80 }, { name: "ca", weight: 20 })], 20],
      ["weights default to 1", [rule({ name: "st" }, { name: "ca" })], 50],
      [
        "rules agree after rounding",
        [
          rule({ name: "st", weight: 9 }, { name: "ca", weight: 1 }),
          rule({ name: "st", weight: 90 }, { name: "ca", weight: 10 }),
        ],
        10,
      ],
      ["a rule with neither is ignored", [rule({ name: "other" }), rule({ name: "st", weight: 1 })], 0],
      ["canary only", [rule({ name: "ca", weight: 5 })], 100],
      [
        "a ref in another namespace is not ours",
        [rule({ name: "st", weight: 1 }, { name: "ca", namespace: "x", weight: 1 })],
        0,
      ],
      [
        "a ref of another kind is not ours",
        [rule({ name: "st", weight: 1 }, { name: "ca", kind: "ServiceImport", weight: 1 })],
        0,
      ],
      [
        "rules disagree",
        [rule({ name: "st", weight: 1 }, { name: "ca", weight: 1 }), rule({ name: "st", weight: 1 })],
        /rule 0 sends 50%, rule 1 sends 0%/,
      ],
      [
        "both weights 0",
        [rule({ name: "st", weight: 0 }, { name: "ca", weight: 0 })],
        /rule 0 gives both st and ca weight 0/,
      ],
      ["no ref to either", [rule({ name: "other" })], /no rule has a backendRef to Service st or ca/],
      ["no rules list", undefined, /spec.rules is not a list/],
      ["a fractional weight", [rule({ name: "st", weight: 1.5 })], /weight 1.5, not a whole number/],
    ];
    for (const [name, rules, want] of cases) {
      it(name, () => {
        const w = httpRouteCanaryWeight(rules, S);
        if (typeof want === "number") assert.equal("weight" in w ? w.weight : w.reason, want);
        else assert.match("reason" in w ? w.reason : `weight ${w.weight}`, want);
      });
    }

    it("allToStableRules sets stable 100 / canary 0, keeping other refs and fields", () => {
      const rules = [
        {
          matches: [1],
          backendRefs: [
            { name: "st", weight: 1 },
            { name: "ca", weight: 3 },
            { name: "mirror", weight: 2 },
          ],
        },
        { backendRefs: [{ name: "other" }] },
      ];
      assert.deepEqual(allToStableRules(rules, S), [
        {
          matches: [1],
          backendRefs: [
            { name: "st", weight: 100 },
            { name: "ca", weight: 0 },
            { name: "mirror", weight: 2 },
          ],
        },
        { backendRefs: [{ name: "other" }] },
      ]);
      assert.deepEqual(allToStableRules([rule({ name: "ca" })], S), {
        reason: "rule 0 has a backendRef to ca but none to st",
      });
    });

    // The CanaryService's header route: matched by header, to the canary only.
    const tester = {
      matches: [{ path: { value: "/" }, headers: [{ name: "X-Canary", value: "1" }] }],
      backendRefs: [{ name: "ca" }],
    };

    it("does not count a tester-header rule in the share", () => {
      const w = httpRouteCanaryWeight(
        [tester, rule({ name: "st", weight: 75 }, { name: "ca", weight: 25 })],
        S,
      );
      assert.ok("weight" in w, JSON.stringify(w));
      assert.equal(w.weight, 25);
      assert.match(w.detail, /1 tester-header rule\(s\) to ca not counted/);
    });

    it("allToStableRules removes a tester-header rule; a canary-only rule without header matches still stops it", () => {
      assert.deepEqual(
        allToStableRules([tester, rule({ name: "st", weight: 75 }, { name: "ca", weight: 25 })], S),
        [rule({ name: "st", weight: 100 }, { name: "ca", weight: 0 })],
      );
      const byPath = { matches: [{ path: { value: "/beta" } }], backendRefs: [{ name: "ca" }] };
      assert.deepEqual(allToStableRules([byPath], S), {
        reason: "rule 0 has a backendRef to ca but none to st",
      });
    });
  });

  describe("replicaRatioWeight", () => {
    const cases: Array<[string, Parameters<typeof replicaRatioWeight>, number | RegExp]> = [
      [
        "ready share",
        [
          { desired: 3, ready: 3 },
          { desired: 1, ready: 1 },
        ],
        25,
      ],
      ["canary scaled to 0", [{ desired: 4, ready: 4 }, { desired: 0 }], 0],
      ["spec.replicas defaults to 1", [{ ready: 1 }, { ready: 1 }], 50],
      [
        "not all ready",
        [
          { desired: 3, ready: 3 },
          { desired: 2, ready: 1 },
        ],
        /canary 1\/2 ready/,
      ],
      ["nothing ready", [{ desired: 0 }, { desired: 0 }], /no replica is ready/],
      [
        "spec not yet observed",
        [
          { desired: 3, ready: 3, generation: 2, observedGeneration: 1 },
          { desired: 1, ready: 1 },
        ],
        /stable Deployment has not acted on its latest spec/,
      ],
    ];
    for (const [name, [stable, canary], want] of cases) {
      it(name, () => {
        const w = replicaRatioWeight(stable, canary);
        if (typeof want === "number") assert.equal("weight" in w ? w.weight : w.reason, want);
        else assert.match("reason" in w ? w.reason : `weight ${w.weight}`, want);
      });
    }
  });

  it("selectedColor reads blue or green and nothing else", () => {
    assert.deepEqual(selectedColor({ c: "green" }, "c"), { color: "green" });
    assert.deepEqual(selectedColor({ c: "red" }, "c"), {
      reason: 'spec.selector["c"] is "red", not "blue" or "green"',
    });
    assert.deepEqual(selectedColor(undefined, "c"), {
      reason: 'spec.selector["c"] is null, not "blue" or "green"',
    });
  });
});
