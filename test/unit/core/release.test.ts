import * as assert from "node:assert/strict";
import {
  childName,
  claimServiceName,
  dnsLabel,
  labelValue,
  type Problem,
  type ReleaseInput,
  replicaRatioWeights,
  resetServiceNames,
  resolveRelease,
  roleName,
  Strategy,
  serviceNameProblem,
  ValidationError,
  validateRelease,
} from "../../../components/core";
import { messages } from "./util";

const ratio = (replicas: number) => ({
  description: `the replica-ratio router with ${replicas} replicas`,
  weights: replicaRatioWeights(replicas),
});

function problemsOf(input: ReleaseInput): string[] {
  const problems: Problem[] = [];
  resolveRelease(input, problems);
  return messages(problems);
}

describe("core: release validation", () => {
  beforeEach(resetServiceNames);

  it("rejects canary weights the router cannot represent and names the nearest", () => {
    const problems = problemsOf({
      strategy: Strategy.canary({
        steps: [{ setWeight: 25 }, { analysis: {} }, { setWeight: 50 }, { setWeight: 100 }],
      }),
      kinds: ["canary"],
      traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
      replicas: 4,
      weightSupport: ratio,
    });
    assert.deepEqual(problems, [
      "strategy.steps[0].setWeight (25): the replica-ratio router with 4 replicas cannot send 25% of traffic to the candidate (it can do 0/20/33/43/50/100); use 20, the nearest weight it can",
      "traffic.candidateWeight (10): the replica-ratio router with 4 replicas cannot send 10% of traffic to the candidate (it can do 0/20/33/43/50/100); use 0, the nearest weight it can",
    ]);
  });

  it("fits the default canary weights to the router", () => {
    const problems: Problem[] = [];
    const release = resolveRelease(
      {
        strategy: Strategy.canary(),
        kinds: ["canary"],
        traffic: { stableVersion: "v1", candidateWeight: 0 },
        replicas: 4,
        weightSupport: ratio,
      },
      problems,
    );
    assert.deepEqual(problems, []);
    assert.equal(release.strategy.kind, "canary");
    if (release.strategy.kind === "canary") {
      assert.deepEqual(
        release.strategy.steps.flatMap((s) => (s.kind === "setWeight" ? [s.weight] : [])),
        [20, 50, 100],
      );
    }
  });

  it("rejects auto-promotion without any check", () => {
    assert.deepEqual(
      problemsOf({
        strategy: Strategy.blueGreen({ autoPromote: true }),
        kinds: ["blueGreen"],
        traffic: { stableVersion: "v1", candidateWeight: 0 },
      }),
      [
        "strategy.autoPromote (true): switches colours without any check (no prePromotionChecks and no health.readiness); add strategy.prePromotionChecks or health.readiness, or set autoPromote to false",
      ],
    );
    assert.deepEqual(
      problemsOf({
        strategy: Strategy.canary({
          checks: [],
          steps: [{ setWeight: 50 }, { pause: { duration: "5m" } }, { setWeight: 100 }],
        }),
        kinds: ["canary"],
        traffic: { stableVersion: "v1", candidateWeight: 0 },
      }),
      [
        "strategy.steps (3): promotes to 100% without any check (no analysis step, no manual pause and no health.readiness); add an analysis step, a pause without duration, or health.readiness",
      ],
    );
    const withReadiness = problemsOf({
      strategy: Strategy.blueGreen({ autoPromote: true }),
      kinds: ["blueGreen"],
      traffic: { stableVersion: "v1", candidateWeight: 0 },
      health: { readiness: { path: "/ready" } },
    });
    assert.deepEqual(withReadiness, []);
  });

  it("rejects a strategy the component does not implement, and bad replicas", () => {
    assert.deepEqual(
      problemsOf({
        strategy: Strategy.rolling(),
        kinds: ["canary"],
        traffic: { stableVersion: "v1", candidateWeight: 0 },
        replicas: 0,
      }),
      [
        "replicas (0): must be a whole number of at least 1; use 2 or more",
        'strategy.kind ("rolling"): is not a strategy this component implements; use Strategy.canary()',
      ],
    );
  });

  it("throws one error naming the component, and rejects duplicate names", () => {
    const input: ReleaseInput = {
      strategy: Strategy.canary(),
      kinds: ["canary"],
      traffic: { stableVersion: "v1", candidateWeight: 0 },
    };
    const key = { platform: "kubernetes", scope: "shop", name: "web" };
    validateRelease('CanaryService "web"', input, key);
    assert.throws(
      () =>
        validateRelease(
          'RollingService "web"',
          { ...input, strategy: Strategy.rolling(), kinds: ["rolling"] },
          key,
        ),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message ===
          'invalid RollingService "web": name ("web"): CanaryService "web" already uses this name on kubernetes namespace "shop"; give each service in the stack its own name',
    );
    // Another namespace or platform is fine.
    validateRelease('CanaryService "web"', input, { ...key, scope: "other" });
    validateRelease('CanaryService "web"', input, { ...key, platform: "local" });
  });

  it("compares computed namespaces by identity, and resets", () => {
    const computed = {};
    claimServiceName({ platform: "kubernetes", scope: computed, name: "api" }, 'CanaryService "api"');
    assert.ok(serviceNameProblem({ platform: "kubernetes", scope: computed, name: "api" }));
    assert.equal(serviceNameProblem({ platform: "kubernetes", scope: {}, name: "api" }), undefined);
    resetServiceNames();
    assert.equal(serviceNameProblem({ platform: "kubernetes", scope: computed, name: "api" }), undefined);
  });

  it("lists every problem at once", () => {
    try {
      validateRelease(
        'CanaryService "web"',
        {
          strategy: { kind: "canary", steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 150 }] },
          kinds: ["canary"],
          traffic: { stableVersion: "v1", candidateWeight: 20 },
        },
        { platform: "kubernetes", name: "web" },
      );
      assert.fail("expected a ValidationError");
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      assert.deepEqual(
        e.problems.map((p) => p.path),
        ["strategy.steps[2].setWeight", "strategy.steps", "traffic.candidateWeight"],
      );
      assert.match(
        e.message,
        /^invalid CanaryService "web": 3 problems\n {2}- strategy\.steps\[2\]\.setWeight \(150\): must be an integer from 0 to 100; use a weight such as 100\n/,
      );
    }
  });
});

describe("core: naming", () => {
  const labels: [string, string][] = [
    ["web", "web"],
    ["Web_API", "web-api"],
    ["9lives", "x-9lives"],
    ["--shop--", "shop"],
    ["a".repeat(70), `${"a".repeat(56)}-8b1ed9`],
  ];
  for (const [input, expected] of labels) {
    it(`dnsLabel(${JSON.stringify(input.length > 20 ? `${input.slice(0, 5)}...` : input)}) = ${expected.length > 20 ? `${expected.slice(0, 5)}...` : expected}`, () => {
      const got = dnsLabel(input);
      assert.equal(got.length <= 63, true);
      assert.match(got, /^[a-z]([a-z0-9-]*[a-z0-9])?$/);
      if (input.length <= 63) assert.equal(got, expected);
      else assert.equal(got.startsWith("a".repeat(56)), true);
    });
  }

  it("builds child and role names", () => {
    assert.equal(childName("web", "stable"), "web-stable");
    assert.equal(roleName("Web", "canary"), "web-canary");
    assert.equal(roleName("b".repeat(80), "preview").length, 63);
    assert.match(roleName("b".repeat(80), "preview"), /-preview$/);
  });

  it("makes label values", () => {
    assert.equal(labelValue("v1.4.2"), "v1.4.2");
    assert.equal(labelValue("1.2.3+build.7"), "1.2.3-build.7");
    assert.equal(labelValue("-x-").length, 1);
    assert.equal(labelValue("v".repeat(80)).length <= 63, true);
  });
});
