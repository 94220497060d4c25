// The driver's sequential check with scripted polls: it stops at the first rejection, passes a
// window without evidence, and says Inconclusive for a wrong split or no candidate traffic.
import * as assert from "node:assert/strict";
import { runSequential } from "../../../automation/driver/sequential-check";
import { Check, type MetricCheck, type Problem, resolveChecks } from "../../../components/core";

const problems: Problem[] = [];
const check = resolveChecks([Check.sequential({ count: 10 })], "c", problems)[0] as MetricCheck;
const judge = { alpha: 0.05, concentration: 10 };

/** A poll of `cr` candidate and `sr` stable requests with those error counts. */
const poll = (cr: number, ce: number, sr: number, se: number) => ({
  value: cr ? ce / cr : 0,
  baseline: sr ? se / sr : 0,
  evidence: { kind: "proportion" as const, trials: cr, baselineTrials: sr },
});

function scripted(readings: ReturnType<typeof poll>[]) {
  let i = 0;
  return async () => readings[Math.min(i++, readings.length - 1)] as ReturnType<typeof poll>;
}

describe("the driver's sequential check", () => {
  const stop = new AbortController().signal;

  it("fails at the poll that rejects, with the candidate requests it took, and polls no further", async () => {
    const seen: string[] = [];
    const r = await runSequential(
      check,
      judge,
      5,
      scripted([poll(10, 0, 190, 2), poll(10, 3, 190, 2), poll(10, 3, 190, 1)]),
      { onMeasurement: (m) => seen.push(m.outcome) },
      stop,
    );
    assert.equal(r.outcome, "Failed", r.reason);
    assert.match(r.reason, /after \d+ candidate requests/);
    assert.ok(r.firstFailureAt);
    assert.equal(seen.at(-1), "Failed");
    assert.ok(seen.length < 10, `stopped early: ${seen.length} polls`);
    assert.equal(r.measurements.at(-1)?.requests, 10 * seen.length);
  });

  it("passes a whole window without evidence, each poll Inconclusive until then", async () => {
    const r = await runSequential(check, judge, 5, scripted([poll(10, 0, 190, 2)]), {}, stop);
    assert.equal(r.outcome, "Successful", r.reason);
    assert.match(r.reason, /no evidence that the candidate is worse in 100 candidate requests over 10 polls/);
    assert.equal(r.measurements.length, 10);
    assert.ok(r.measurements.every((m) => m.outcome === "Inconclusive"));
  });

  it("is Inconclusive when the split is not the weight, or the candidate had no traffic", async () => {
    const wrong = await runSequential(check, judge, 5, scripted([poll(100, 1, 100, 1)]), {}, stop);
    assert.equal(wrong.outcome, "Inconclusive");
    assert.match(wrong.reason, /not the 5 % asked/);
    const none = await runSequential(check, judge, 5, scripted([poll(0, 0, 0, 0)]), {}, stop);
    assert.equal(none.outcome, "Inconclusive");
    assert.match(none.reason, /served no request in 10 polls/);
  });

  it("judges slow requests the same way, naming them and the threshold", async () => {
    const slow = resolveChecks(
      [Check.sequential({ query: "slowRate", slowerThan: "250ms", count: 10 })],
      "c",
      problems,
    )[0] as MetricCheck;
    assert.deepEqual(problems, []);
    assert.equal(slow.name, "latency-sequential");
    assert.equal(slow.slowerThanSeconds, 0.25);
    const r = await runSequential(
      slow,
      judge,
      5,
      scripted([poll(10, 8, 190, 2), poll(10, 9, 190, 3)]),
      {},
      stop,
    );
    assert.equal(r.outcome, "Failed", r.reason);
    assert.match(
      r.reason,
      /slow requests \(over 250ms\) on the candidate.*of the slow requests \(over 250ms\) at 5 %/,
    );
  });

  it("slowerThan: required by slowRate, refused elsewhere, within the histogram's bounds", () => {
    const found: Problem[] = [];
    resolveChecks(
      [
        Check.sequential({ query: "slowRate" }),
        Check.sequential({ slowerThan: "1s" }),
        Check.sequential({ name: "too-slow", query: "slowRate", slowerThan: "30s" }),
        Check.metric({
          name: "cond",
          provider: "builtin",
          query: "slowRate",
          slowerThan: 0.5,
          successCondition: "< 110% of baseline",
        }),
      ],
      "c",
      found,
    );
    assert.deepEqual(
      found.map((p) => `${p.path}: ${p.message}`),
      [
        "c[0].slowerThan: is required by the builtin slowRate: it says which requests are slow",
        "c[1].slowerThan: applies only to the builtin slowRate",
        "c[2].slowerThan: must be at most 10s (the largest bound of the latency histogram)",
      ],
    );
  });

  it("ends with Error after more query errors in a row than its limit", async () => {
    const failing = async () => ({ error: "connection refused" });
    const r = await runSequential(check, judge, 5, failing, {}, stop);
    assert.equal(r.outcome, "Error");
    assert.match(r.reason, /5 query errors in a row \(limit 4\)/);
  });

  it("with promoteEarly, ends the step as passed once the candidate is shown not worse by the margin", async () => {
    const long = resolveChecks(
      [Check.sequential({ count: 200, promoteEarly: { margin: 0.5 } })],
      "c",
      problems,
    )[0] as MetricCheck;
    assert.deepEqual(problems, []);
    assert.deepEqual(long.sequential, { alpha: 0.05, concentration: 10, promoteEarly: { margin: 0.5 } });
    const r = await runSequential(
      long,
      long.sequential as NonNullable<MetricCheck["sequential"]>,
      50,
      scripted([poll(100, 2, 100, 2)]),
      {},
      stop,
    );
    assert.equal(r.outcome, "Successful", r.reason);
    assert.match(r.reason, /below 1.5 times stable's .*the step ends early/);
    assert.ok(r.measurements.length < 200, `ended after ${r.measurements.length} polls`);
    assert.equal(r.measurements.at(-1)?.outcome, "Successful");
  });
});
