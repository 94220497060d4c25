import * as assert from "node:assert/strict";
import {
  analysisVerdict,
  classifyMeasurement,
  DEFAULT_5XX_TRIGGER,
  DEFAULT_ANALYSIS_LIMITS,
  DEFAULT_CANARY_CHECKS,
  DEFAULT_ERROR_RATE_GATE,
  DEFAULT_LATENCY_GATE,
  DEFAULT_LATENCY_TRIGGER,
  DEFAULT_THROUGHPUT_TRIGGER,
  type Measurement,
  type MetricCheck,
  type Outcome,
  type Problem,
  parseCondition,
  resolveChecks,
  resolveMetricCheck,
} from "../../../components/core";
import { messages } from "./util";

function check(input: Parameters<typeof resolveMetricCheck>[0]): MetricCheck {
  const problems: Problem[] = [];
  const resolved = resolveMetricCheck(input, "check", problems);
  assert.deepEqual(problems, []);
  return resolved;
}

const errorRateGate = check(DEFAULT_ERROR_RATE_GATE);
const fiveXx = check(DEFAULT_5XX_TRIGGER);
const throughput = check(DEFAULT_THROUGHPUT_TRIGGER);
const latencySpike = check(DEFAULT_LATENCY_TRIGGER);
const both = check({
  kind: "metric",
  name: "both",
  provider: "p",
  query: "q",
  successCondition: ">= 0.99",
  failureCondition: "< 0.9",
});

describe("core: classifyMeasurement", () => {
  const table: [string, Measurement, MetricCheck, Outcome][] = [
    ["query error is Error", { error: "timeout", value: 0 }, fiveXx, "Error"],
    ["no value is Inconclusive", {}, fiveXx, "Inconclusive"],
    ["null value is Inconclusive", { value: null }, errorRateGate, "Inconclusive"],
    ["NaN value is Inconclusive", { value: Number.NaN }, both, "Inconclusive"],
    ["5xx 2 % is Successful (failure condition not met)", { value: 0.02 }, fiveXx, "Successful"],
    ["5xx 6 % is Failed", { value: 0.06 }, fiveXx, "Failed"],
    [
      "error rate 105 % of stable passes the gate",
      { value: 0.0105, baseline: 0.01 },
      errorRateGate,
      "Successful",
    ],
    ["error rate 120 % of stable fails the gate", { value: 0.012, baseline: 0.01 }, errorRateGate, "Failed"],
    ["zero errors on both sides passes the gate", { value: 0, baseline: 0 }, errorRateGate, "Successful"],
    ["errors where stable has none fail the gate", { value: 0.01, baseline: 0 }, errorRateGate, "Failed"],
    ["relative gate without baseline is Inconclusive", { value: 0.01 }, errorRateGate, "Inconclusive"],
    ["relative trigger without baseline is Inconclusive", { value: 300 }, latencySpike, "Inconclusive"],
    ["latency 250 % of baseline is Failed", { value: 250, baseline: 100 }, latencySpike, "Failed"],
    ["throughput 40 % of baseline is Failed", { value: 40, baseline: 100 }, throughput, "Failed"],
    ["throughput 60 % of baseline is Successful", { value: 60, baseline: 100 }, throughput, "Successful"],
    ["both conditions: success met", { value: 0.995 }, both, "Successful"],
    ["both conditions: failure met", { value: 0.85 }, both, "Failed"],
    ["both conditions: neither met is Inconclusive", { value: 0.95 }, both, "Inconclusive"],
  ];
  for (const [title, measurement, c, outcome] of table) {
    it(title, () => assert.equal(classifyMeasurement(measurement, c).outcome, outcome));
  }

  it("says why no data is not a success", () => {
    assert.deepEqual(classifyMeasurement({}, errorRateGate), { outcome: "Inconclusive", reason: "no data" });
  });
});

describe("core: analysisVerdict", () => {
  const limits = { count: 3, ...DEFAULT_ANALYSIS_LIMITS };
  const table: [readonly Outcome[], typeof limits, string][] = [
    [[], limits, "Running"],
    [["Successful", "Successful"], limits, "Running"],
    [["Successful", "Successful", "Successful"], limits, "Successful"],
    [["Successful", "Failed"], limits, "Failed"],
    [["Inconclusive"], limits, "Inconclusive"],
    [["Error", "Error", "Error", "Error"], limits, "Running"],
    [["Error", "Error", "Error", "Error", "Error"], limits, "Error"],
    [["Error", "Error", "Successful", "Error", "Error", "Successful", "Successful"], limits, "Successful"],
    [["Failed", "Successful", "Successful"], { ...limits, failureLimit: 1 }, "Successful"],
    [["Failed", "Failed"], { ...limits, failureLimit: 1 }, "Failed"],
    // A tolerated window without data does not count toward `count`: the analysis goes on.
    [["Inconclusive", "Successful", "Successful"], { ...limits, inconclusiveLimit: 1 }, "Running"],
    [
      ["Successful", "Inconclusive", "Successful", "Successful"],
      { ...limits, inconclusiveLimit: 1 },
      "Successful",
    ],
    [["Inconclusive", "Successful", "Inconclusive"], { ...limits, inconclusiveLimit: 1 }, "Inconclusive"],
  ];
  for (const [outcomes, l, phase] of table) {
    it(`${outcomes.join(",") || "nothing"} with limits ${l.failureLimit}/${l.inconclusiveLimit}/${l.consecutiveErrorLimit} is ${phase}`, () => {
      assert.equal(analysisVerdict(outcomes, l).phase, phase);
    });
  }
});

describe("core: conditions and default checks", () => {
  it("parses absolute and relative conditions", () => {
    assert.deepEqual(parseCondition("< 0.05"), { operator: "<", value: 0.05, relativeToBaseline: false });
    assert.deepEqual(parseCondition(">= 99"), { operator: ">=", value: 99, relativeToBaseline: false });
    assert.deepEqual(parseCondition("< 110% of baseline"), {
      operator: "<",
      value: 1.1,
      relativeToBaseline: true,
    });
    assert.deepEqual(parseCondition("<50%baseline"), { operator: "<", value: 0.5, relativeToBaseline: true });
    assert.equal(parseCondition("about 5"), undefined);
  });

  it("exports the seed's gates and triggers", () => {
    assert.equal(DEFAULT_ERROR_RATE_GATE.successCondition, "< 110% of baseline");
    assert.equal(DEFAULT_LATENCY_GATE.successCondition, "< 120% of baseline");
    assert.equal(DEFAULT_5XX_TRIGGER.failureCondition, "> 0.05");
    assert.equal(DEFAULT_LATENCY_TRIGGER.failureCondition, "> 200% of baseline");
    assert.equal(DEFAULT_THROUGHPUT_TRIGGER.failureCondition, "< 50% of baseline");
    assert.deepEqual(DEFAULT_ANALYSIS_LIMITS, {
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
    });
    const problems: Problem[] = [];
    const resolved = resolveChecks(DEFAULT_CANARY_CHECKS, "checks", problems);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      resolved.map((c) => c.name),
      ["error-rate", "mean-latency", "http-5xx-rate", "latency-spike", "throughput-drop"],
    );
  });

  it("rejects checks without a condition, with bad conditions or duplicate names", () => {
    const problems: Problem[] = [];
    resolveChecks(
      [
        { kind: "metric", name: "a", provider: "prometheus", query: "q" },
        { kind: "metric", name: "a", provider: "", query: "q", failureCondition: "above 5" },
        {
          kind: "http",
          name: "up",
          path: "healthz",
          expectedStatus: [200, 700],
          timeout: "20s",
          interval: "10s",
        },
      ],
      "strategy.checks",
      problems,
    );
    assert.deepEqual(messages(problems), [
      'strategy.checks[0].successCondition (not set): a metric check needs a success or a failure condition; add successCondition such as "< 0.05"',
      'strategy.checks[1].provider (""): must not be empty; name a provider such as "prometheus" or "builtin"',
      'strategy.checks[1].failureCondition ("above 5"): is not a condition; write an operator and a number, such as "< 0.05", or a share of the baseline, such as "< 110% of baseline"',
      'strategy.checks[1].name ("a"): is used by another check in this list; give each check its own name',
      'strategy.checks[2].path ("healthz"): must start with /; use a path such as "/healthz"',
      'strategy.checks[2].timeout ("20s"): must not be longer than the interval (10s); shorten the timeout or lengthen the interval',
      "strategy.checks[2].expectedStatus ([200,700]): must be a non-empty list of HTTP status codes; use codes from 100 to 599, such as [200, 204] or { min: 200, max: 299 }",
    ]);
  });
});
