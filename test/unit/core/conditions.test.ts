// Relative conditions with a floor, and conditions on counts judged by their evidence: the default
// checks must not fail an identical version at low or bursty traffic, and must still fail a bad one.
import * as assert from "node:assert/strict";
import {
  BUILTIN_FLOORS,
  binomialAtLeast,
  binomialAtMost,
  classifyMeasurement,
  DEFAULT_5XX_TRIGGER,
  DEFAULT_CANARY_CHECKS,
  DEFAULT_ERROR_RATE_GATE,
  DEFAULT_LATENCY_GATE,
  DEFAULT_LATENCY_TRIGGER,
  DEFAULT_THROUGHPUT_TRIGGER,
  type Evidence,
  formatCondition,
  type Measurement,
  type MetricCheck,
  type MetricCheckInput,
  meetsCondition,
  type Outcome,
  type Problem,
  parseCondition,
  resolveChecks,
  resolveMetricCheck,
} from "../../../components/core";
import { messages } from "./util";

function check(input: MetricCheckInput): MetricCheck {
  const problems: Problem[] = [];
  const resolved = resolveMetricCheck(input, "check", problems);
  assert.deepEqual(messages(problems), []);
  return resolved;
}

const cond = (text: string) => parseCondition(text) ?? assert.fail(`not a condition: ${text}`);

describe("core: relative conditions with a floor", () => {
  const table: [string, number, number, number, boolean][] = [
    // condition, value, baseline, floor -> met
    ["< 120% of baseline", 0.0023, 0.0018, 0.01, true], // the reviewer's healthy v2: 2.3 ms vs 1.8 ms
    ["< 120% of baseline", 0.0023, 0.0018, 0, false], // without a floor it is a 28 % regression
    ["< 120% of baseline", 0.2, 0.002, 0.01, false], // 200 ms against 2 ms is one
    ["> 200% of baseline", 0.2, 0.002, 0.01, true],
    ["> 200% of baseline", 0.009, 0.002, 0.01, false], // 4.5 times, but 7 ms: within the floor
    ["> 200% of baseline", 0.5, 0.2, 0.01, true], // beyond the floor, the ratio decides
    ["< 50% of baseline", 0.4, 1.2, 1, false], // throughput per weight: 0.8 request/s is within 1
    ["< 50% of baseline", 40, 100, 1, true],
    ["< 110% of baseline", 0, 0, 0, true], // 0/0 is the baseline itself
    ["< 110% of baseline", 0.0005, 0, 0.001, true], // 1 in 2000 where stable had none
    ["< 110% of baseline", 0.5, 0, 0.001, false], // half where stable had none
    ["< 0.05", 0.04, 0.5, 10, true], // absolute conditions ignore baseline and floor
  ];
  for (const [text, value, baseline, floor, met] of table) {
    it(`${value} against ${baseline} ${text}, floor ${floor}: ${met ? "met" : "not met"}`, () => {
      assert.equal(meetsCondition(cond(text), value, baseline, floor), met);
    });
  }

  it("has no answer without a baseline, floor or not", () => {
    assert.equal(meetsCondition(cond("< 120% of baseline"), 0.002, undefined, 0.01), undefined);
  });

  it("shows the floor beside a relative condition", () => {
    assert.equal(formatCondition(cond("< 120% of baseline"), 0.01), "< 120% of baseline (floor 0.01)");
    assert.equal(formatCondition(cond("> 0.05"), 0.01), "> 0.05");
  });
});

describe("core: the default checks on an identical and on a bad version", () => {
  const [errorRate, latency, fiveXx, spike, throughput] = [
    DEFAULT_ERROR_RATE_GATE,
    DEFAULT_LATENCY_GATE,
    DEFAULT_5XX_TRIGGER,
    DEFAULT_LATENCY_TRIGGER,
    DEFAULT_THROUGHPUT_TRIGGER,
  ].map(check) as [MetricCheck, MetricCheck, MetricCheck, MetricCheck, MetricCheck];
  const rate = (trials: number, baselineTrials?: number): Evidence => ({
    kind: "proportion",
    trials,
    ...(baselineTrials !== undefined ? { baselineTrials } : {}),
  });
  const share = (candidate: number, stable: number, candidateWeight: number): Evidence => ({
    kind: "share",
    candidate,
    stable,
    candidateWeight,
  });
  const table: [string, Measurement, MetricCheck, Outcome][] = [
    ["mean latency 2.3 ms against 1.8 ms passes", { value: 0.0023, baseline: 0.0018 }, latency, "Successful"],
    ["latency 2.3 ms against 1.8 ms is no spike", { value: 0.0023, baseline: 0.0018 }, spike, "Successful"],
    ["mean latency 200 ms against 2 ms fails", { value: 0.2, baseline: 0.002 }, latency, "Failed"],
    ["latency 200 ms against 2 ms is a spike", { value: 0.2, baseline: 0.002 }, spike, "Failed"],
    [
      "1 error in 20 requests against 0 in 380 passes the gate",
      { value: 1 / 20, baseline: 0, evidence: rate(20, 380) },
      errorRate,
      "Successful",
    ],
    [
      "1 error in 20 requests against 0 in 380 fails the gate when the counts are unknown",
      { value: 1 / 20, baseline: 0 },
      errorRate,
      "Failed",
    ],
    [
      "10 errors in 20 requests against 0 in 380 fails the gate",
      { value: 0.5, baseline: 0, evidence: rate(20, 380) },
      errorRate,
      "Failed",
    ],
    [
      "a 5xx rate of 0.5 in 20 requests fails the trigger",
      { value: 0.5, baseline: 0, evidence: rate(20, 380) },
      fiveXx,
      "Failed",
    ],
    [
      "a 5xx rate of 0.5 fails the trigger when the counts are unknown",
      { value: 0.5, baseline: 0 },
      fiveXx,
      "Failed",
    ],
    [
      "one 5xx of 3 requests is no evidence of a 5 % rate",
      { value: 1 / 3, evidence: rate(3) },
      fiveXx,
      "Successful",
    ],
    ["every one of 3 requests a 5xx is", { value: 1, evidence: rate(3) }, fiveXx, "Failed"],
    [
      "2 % errors against 1.8 % at 10 000 requests each is noise, though 111 % of baseline",
      { value: 0.02, baseline: 0.018, evidence: rate(10_000, 10_000) },
      errorRate,
      "Successful",
    ],
    [
      "3 % errors against 1 % at 10 000 requests each fails",
      { value: 0.03, baseline: 0.01, evidence: rate(10_000, 10_000) },
      errorRate,
      "Failed",
    ],
    [
      "throughput at 5 %: 2 requests where 6 were due is noise",
      { value: 2 / 0.05 / 6, baseline: 112 / 0.95 / 6, evidence: share(2, 112, 0.05) },
      throughput,
      "Successful",
    ],
    [
      "throughput at 5 %: 2 requests where 6 were due, counts unknown, is a drop",
      { value: 2 / 0.05 / 6, baseline: 112 / 0.95 / 6 },
      throughput,
      "Failed",
    ],
    [
      "throughput at 25 %: 20 requests where 250 were due is a drop",
      { value: 20 / 0.25 / 10, baseline: 750 / 0.75 / 10, evidence: share(20, 750, 0.25) },
      throughput,
      "Failed",
    ],
    ["no data is still Inconclusive", { value: null, evidence: rate(0, 380) }, errorRate, "Inconclusive"],
  ];
  for (const [title, measurement, c, outcome] of table) {
    it(title, () => assert.equal(classifyMeasurement(measurement, c).outcome, outcome));
  }

  it("says why a value outside the condition passed", () => {
    const { reason } = classifyMeasurement(
      { value: 1 / 20, baseline: 0, evidence: rate(20, 380) },
      errorRate,
    );
    assert.equal(
      reason,
      "the value misses the success condition, but 1 of 20 requests against 0 of 380 for the stable version is within noise (p 0.055 >= 0.01)",
    );
  });

  it("resolves every default check with its builtin metric's floor and tolerates 2 quiet windows", () => {
    const problems: Problem[] = [];
    const resolved = resolveChecks(DEFAULT_CANARY_CHECKS, "checks", problems) as MetricCheck[];
    assert.deepEqual(problems, []);
    assert.deepEqual(
      resolved.map((c) => [c.name, c.floor, c.count, c.failureLimit, c.inconclusiveLimit]),
      [
        ["error-rate", BUILTIN_FLOORS.errorRate, 5, 0, 2],
        ["mean-latency", BUILTIN_FLOORS.meanLatency, 5, 0, 2],
        ["http-5xx-rate", 0, 5, 0, 2], // an absolute condition has no floor
        ["latency-spike", BUILTIN_FLOORS.meanLatency, 5, 0, 2],
        ["throughput-drop", BUILTIN_FLOORS.throughput, 5, 0, 2],
      ],
    );
  });

  it("takes a check's own floor, and 0 for a provider's query", () => {
    assert.equal(check({ ...DEFAULT_LATENCY_GATE, floor: 0.05 }).floor, 0.05);
    assert.equal(check({ ...DEFAULT_LATENCY_GATE, floor: 0 }).floor, 0);
    assert.equal(check({ ...DEFAULT_LATENCY_GATE, provider: "prometheus", query: "q" }).floor, 0);
  });

  it("rejects a negative floor and a floor without a relative condition", () => {
    const problems: Problem[] = [];
    resolveMetricCheck({ ...DEFAULT_LATENCY_GATE, floor: -1 }, "checks[1]", problems);
    resolveMetricCheck({ ...DEFAULT_5XX_TRIGGER, floor: 0.01 }, "checks[2]", problems);
    assert.deepEqual(messages(problems), [
      "checks[1].floor (-1): must be a number of at least 0, in the metric's unit; use 0.01 for 10 ms of latency in seconds, or 0 for no floor",
      'checks[2].floor (0.01): applies only to conditions relative to the baseline, and this check has none; remove it, or write a relative condition such as "< 120% of baseline"',
    ]);
  });
});

describe("core: binomial tails", () => {
  /** The tail by summing the probability mass, for small n. */
  function direct(n: number, k: number, p: number): number {
    let choose = 1;
    let sum = 0;
    for (let i = 0; i <= n; i++) {
      if (i > 0) choose = (choose * (n - i + 1)) / i;
      if (i >= k) sum += choose * p ** i * (1 - p) ** (n - i);
    }
    return sum;
  }
  const table: [number, number, number][] = [
    [20, 1, 0.05],
    [20, 5, 0.05],
    [20, 10, 0.5],
    [1, 1, 0.0547],
    [100, 2, 0.001],
    [400, 30, 0.05],
  ];
  for (const [n, k, p] of table) {
    it(`P(X >= ${k}) and P(X <= ${k}) for Binomial(${n}, ${p})`, () => {
      const expected = direct(n, k, p);
      assert.ok(Math.abs(binomialAtLeast(n, k, p) - expected) < 1e-10 * Math.max(1, expected));
      assert.ok(Math.abs(binomialAtMost(n, k, p) - (1 - direct(n, k + 1, p))) < 1e-10);
    });
  }

  it("answers for a million trials", () => {
    const p = binomialAtLeast(1_000_000, 1_100, 0.001);
    assert.ok(p > 0.0006 && p < 0.0012, String(p)); // three standard deviations above the mean
  });
});
