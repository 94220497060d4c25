// The anytime-valid sequential test: known values of the method's own code (savvi 0.x's
// Multinomial, k = concentration), the incremental update against the batch formula, and the
// canary verdicts.
import * as assert from "node:assert/strict";
import { Check, type Problem, resolveChecks } from "../../../components/core";
import {
  CanaryErrorTest,
  multinomialLogBayesFactor,
  oneSidedLogBayesFactor,
  SequentialTest,
} from "../../../components/core/sequential";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );

describe("sequential test (Lindon and Malek's Dirichlet-multinomial Bayes factor)", () => {
  it("is 1 with no data", () => {
    close(Math.exp(multinomialLogBayesFactor([0, 0], [0.05, 0.95])), 1, "no data");
    assert.equal(new SequentialTest([0.2, 0.8]).reading().pValue, 1);
  });

  it("matches the values of the method's own code (savvi's Multinomial)", () => {
    // python: m = Multinomial(0.05, np.array(theta0), k=k); m.update(...); m.odds
    const cases: Array<[number[], number, number[], number]> = [
      [[0.05, 0.95], 100, [8, 50], 2.696790407134588],
      [[0.05, 0.95], 100, [10, 40], 12.997905309982263],
      [[0.1, 0.9], 100, [10, 90], 0.704135739645096],
      [[0.5, 0.5], 100, [60, 40], 1.9326494200422262],
      [[0.1, 0.9], 10, [12, 30], 34.29095746570976],
      [[0.2, 0.3, 0.5], 100, [30, 20, 50], 3.7565996236357617],
    ];
    for (const [theta0, k, counts, odds] of cases)
      close(Math.exp(multinomialLogBayesFactor(counts, theta0, k)), odds, `${theta0} k=${k} ${counts}`);
  });

  it("falls when the counts match the split", () => {
    const t = new SequentialTest([0.1, 0.9]);
    let last = 0;
    for (let i = 1; i <= 5; i++) {
      const r = t.update([10, 90]);
      assert.ok(r.logBayesFactor < last, `step ${i}: ${r.logBayesFactor} < ${last}`);
      last = r.logBayesFactor;
    }
  });

  it("updated incrementally equals the batch formula, and its p-value is the running minimum", () => {
    const t = new SequentialTest([0.05, 0.95], 10);
    const steps = [
      [3, 2],
      [0, 10],
      [1, 30],
      [0, 60],
    ];
    const total = [0, 0];
    let best = 0;
    for (const s of steps) {
      total[0] = (total[0] as number) + (s[0] as number);
      total[1] = (total[1] as number) + (s[1] as number);
      const r = t.update(s);
      const batch = multinomialLogBayesFactor(total, [0.05, 0.95], 10);
      close(r.logBayesFactor, batch, `after ${total}`);
      best = Math.max(best, batch);
      close(r.pValue, Math.min(1, Math.exp(-best)), "p-value");
    }
    assert.ok(t.reading().logBayesFactor < best, "the Bayes factor fell after its peak, the p-value kept it");
  });

  describe("one-sided", () => {
    /** ln of n choose m. */
    const lnChoose = (n: number, m: number) => {
      let x = 0;
      for (let i = 1; i <= m; i++) x += Math.log((n - m + i) / i);
      return x;
    };
    /** E[BF] over Binomial(n, p): the exact mean at a fixed n, by summing every outcome. */
    const meanAt = (n: number, p: number, theta0: number, side: "above" | "below") => {
      let sum = 0;
      for (let m = 0; m <= n; m++)
        sum += Math.exp(
          lnChoose(n, m) +
            m * Math.log(p) +
            (n - m) * Math.log(1 - p) +
            oneSidedLogBayesFactor([m, n - m], theta0, 10, side),
        );
      return sum;
    };

    it("is 1 with no data, and has mean exactly 1 under the null at every n (a martingale)", () => {
      close(Math.exp(oneSidedLogBayesFactor([0, 0], 0.05, 10, "above")), 1, "no data");
      for (const n of [1, 5, 40, 200])
        for (const side of ["above", "below"] as const)
          close(meanAt(n, 0.05, 0.05, side), 1, `n=${n} ${side}`);
    });

    it("has mean below 1 for every share on the null's side (the composite null keeps alpha)", () => {
      for (const p of [0.01, 0.03]) assert.ok(meanAt(200, p, 0.05, "above") < 1, `p=${p}`);
      assert.ok(meanAt(200, 0.1, 0.05, "below") < 1);
    });

    it("is the two-sided factor times the posterior over the prior mass of its side", () => {
      // Data on the tested side: nearly all the posterior is there, so BF+ ~ BF / P(side) under the prior.
      const two = multinomialLogBayesFactor([12, 30], [0.1, 0.9], 10);
      const one = oneSidedLogBayesFactor([12, 30], 0.1, 10, "above");
      assert.ok(one > two, `${one} > ${two}`);
      const other = oneSidedLogBayesFactor([12, 30], 0.1, 10, "below");
      assert.ok(other < two - 5, `the other side is all but ruled out: ${other}`);
      assert.throws(() => new SequentialTest([0.2, 0.3, 0.5], 10, "above"), /two categories, not 3/);
    });
  });

  it("refuses a split that is not shares summing to 1, and counts that are not whole numbers", () => {
    assert.throws(
      () => new SequentialTest([0.5, 0.6]),
      /theta0 \(0.5, 0.6\) must be shares in \(0, 1\) that sum to 1/,
    );
    assert.throws(() => new SequentialTest([0.5, 0.5], 0), /k \(0\) must be positive/);
    assert.throws(() => new SequentialTest([0.5, 0.5]).update([1.5, 0]), /whole numbers >= 0/);
  });

  describe("a canary's errors", () => {
    it("rejects a candidate with far more than its share of the errors, naming the counts", () => {
      const t = new CanaryErrorTest({ weight: 0.05, k: 10 });
      const v = t.update({
        candidateRequests: 100,
        candidateErrors: 10,
        stableRequests: 1900,
        stableErrors: 19,
      });
      assert.equal(v.decision, "worse", v.reason);
      assert.match(v.reason, /10\/100 errors on the candidate, 19\/1900 on stable/);
      assert.ok(v.pValue < 0.05);
    });

    it("never rejects a candidate with fewer errors than its share (the harmful side only)", () => {
      const t = new CanaryErrorTest({ weight: 0.5 });
      const v = t.update({
        candidateRequests: 1000,
        candidateErrors: 0,
        stableRequests: 1000,
        stableErrors: 60,
      });
      assert.equal(v.decision, "continue", v.reason);
    });

    it("says the split is wrong when the requests do not follow the weight", () => {
      const t = new CanaryErrorTest({ weight: 0.05 });
      const v = t.update({
        candidateRequests: 500,
        candidateErrors: 5,
        stableRequests: 500,
        stableErrors: 5,
      });
      assert.equal(v.decision, "mismatch");
      assert.match(v.reason, /served 50 % of 1000 requests, not the 5 % asked/);
    });
  });

  describe("as a check", () => {
    it("Check.sequential() resolves to a builtin error-rate check polled every 5 s for at most 60 polls", () => {
      const problems: Problem[] = [];
      const [c] = resolveChecks([Check.sequential()], "checks", problems);
      assert.deepEqual(problems, []);
      assert.deepEqual(c, {
        kind: "metric",
        name: "errors-sequential",
        provider: "builtin",
        query: "errorRate",
        floor: 0,
        intervalSeconds: 5,
        count: 60,
        failureLimit: 0,
        inconclusiveLimit: 0,
        consecutiveErrorLimit: 4,
        sequential: { alpha: 0.05, concentration: 10 },
      });
    });

    it("refuses a source without counts per version, conditions beside it, and alpha or k out of range", () => {
      const problems: Problem[] = [];
      resolveChecks(
        [
          { kind: "metric", name: "a", provider: "prometheus", query: "up", sequential: {} },
          {
            kind: "metric",
            name: "b",
            provider: "builtin",
            query: "errorRate",
            successCondition: "< 0.1",
            sequential: {},
          },
          Check.sequential({ name: "c", alpha: 0.5, concentration: -1 }),
        ],
        "checks",
        problems,
      );
      const paths = problems.map((p) => `${p.path}: ${p.message}`);
      assert.deepEqual(paths, [
        "checks[0].query: the sequential test counts events per version (errors, slow requests), which only the builtin errorRate, http5xxRate and slowRate give",
        "checks[1].successCondition: does not apply: the sequential test judges this check",
        "checks[2].sequential.alpha: must be a false-alarm rate above 0 and at most 0.2",
        "checks[2].sequential.concentration: must be a number above 0 and at most 10000",
      ]);
    });
  });

  it("refuses a sequential setting that is not an object, a bad promoteEarly margin, and a margin <= 0 in the test", () => {
    const problems: Problem[] = [];
    resolveChecks(
      [
        { kind: "metric", name: "a", provider: "builtin", query: "errorRate", sequential: true as never },
        Check.sequential({ name: "b", promoteEarly: { margin: 0 } }),
        Check.sequential({ name: "c", promoteEarly: {} as never }),
      ],
      "checks",
      problems,
    );
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}; ${p.fix}`),
      [
        "checks[0].sequential: must be an object; write sequential: {} for the defaults, or {alpha: 0.05}",
        "checks[1].sequential.promoteEarly.margin: must be a margin above 0 and at most 10; use {margin: 0.5}: end the step once the candidate is shown not 50 % worse",
        "checks[2].sequential.promoteEarly.margin: must be a margin above 0 and at most 10; use {margin: 0.5}: end the step once the candidate is shown not 50 % worse",
      ],
    );
    assert.throws(
      () => new CanaryErrorTest({ weight: 0.1, notWorseMargin: 0 }),
      /notWorseMargin \(0\) must be above 0/,
    );
  });
});
