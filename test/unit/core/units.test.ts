import * as assert from "node:assert/strict";
import {
  checkDuration,
  checkPercentOrCount,
  checkWeight,
  checkWeightSupported,
  Duration,
  formatDuration,
  nearestWeight,
  PercentOrCount,
  type Problem,
  parseDuration,
  parsePercentOrCount,
  scalePercentOrCount,
  ValidationError,
  Weight,
} from "../../../components/core";
import { messages } from "./util";

describe("core: durations", () => {
  const cases: [unknown, number | undefined][] = [
    ["30s", 30],
    ["5m", 300],
    ["1h30m", 5400],
    ["250ms", 0.25],
    ["1m30s500ms", 90.5],
    ["2.5s", 2.5],
    ["45", 45],
    [0, 0],
    [12, 12],
    ["", undefined],
    ["5x", undefined],
    ["s", undefined],
    ["-5s", undefined],
    [-1, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [null, undefined],
  ];
  for (const [input, expected] of cases) {
    it(`parses ${JSON.stringify(input)} as ${expected}`, () => assert.equal(parseDuration(input), expected));
  }

  it("formats seconds as the shortest string", () => {
    assert.deepEqual([0, 0.25, 30, 90, 5400, 3661].map(formatDuration), [
      "0s",
      "250ms",
      "30s",
      "1m30s",
      "1h30m",
      "1h1m1s",
    ]);
  });

  it("rejects negative durations, naming field, value and fix", () => {
    const problems: Problem[] = [];
    checkDuration("-5s", "strategy.scaleDownDelay", problems);
    checkDuration(-3, "strategy.progressDeadline", problems);
    assert.deepEqual(messages(problems), [
      'strategy.scaleDownDelay ("-5s"): must not be negative; use a number of seconds or a string such as "30s", "5m" or "1h30m", 0 or more',
      'strategy.progressDeadline (-3): must not be negative; use a number of seconds or a string such as "30s", "5m" or "1h30m", 0 or more',
    ]);
  });

  it("rejects unparsable durations", () => {
    const problems: Problem[] = [];
    checkDuration("5 minutes", "strategy.steps[1].pause.duration", problems);
    assert.deepEqual(messages(problems), [
      'strategy.steps[1].pause.duration ("5 minutes"): is not a duration; use a number of seconds or a string such as "30s", "5m" or "1h30m"',
    ]);
  });

  it("rejects 0 where a positive duration is required", () => {
    const problems: Problem[] = [];
    assert.equal(checkDuration("0s", "interval", problems, { positive: true }), undefined);
    assert.match(messages(problems)[0] as string, /^interval \("0s"\): must be longer than 0;/);
  });

  it("Duration.parse returns seconds and throws a ValidationError", () => {
    assert.equal(Duration.parse("1h30m"), 5400);
    assert.equal(Duration.parse(Duration.minutes(2)), 120);
    assert.throws(
      () => Duration.parse("soon"),
      (e: unknown) => e instanceof ValidationError && /is not a duration/.test(e.message),
    );
  });
});

describe("core: weights", () => {
  it("accepts integers from 0 to 100", () => {
    assert.equal(Weight.percent(10), 10);
    assert.equal(Weight.percent(0), 0);
    assert.equal(Weight.percent(100), 100);
  });

  const bad: [unknown, string][] = [
    [150, "use a weight such as 100"],
    [-5, "use a weight such as 0"],
    [12.5, "use a weight such as 13"],
    ["10", "use a weight such as 50"],
  ];
  for (const [value, fix] of bad) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      const problems: Problem[] = [];
      assert.equal(checkWeight(value, "strategy.steps[2].setWeight", problems), undefined);
      assert.deepEqual(messages(problems), [
        `strategy.steps[2].setWeight (${JSON.stringify(value)}): must be an integer from 0 to 100; ${fix}`,
      ]);
    });
  }

  it("Weight.percent throws one ValidationError", () => {
    assert.throws(
      () => Weight.percent(101),
      /invalid weight: weight \(101\): must be an integer from 0 to 100; use a weight such as 100/,
    );
  });

  it("names the nearest representable weight", () => {
    assert.equal(nearestWeight(5, [0, 20, 33, 43, 50, 100]), 0);
    assert.equal(nearestWeight(25, [0, 20, 33, 43, 50, 100]), 20);
    assert.equal(nearestWeight(75, [0, 20, 33, 43, 50, 100]), 50);
    assert.equal(nearestWeight(90, [0, 20, 33, 43, 50, 100]), 100);
    const problems: Problem[] = [];
    const support = {
      description: "the replica-ratio router with 4 replicas",
      weights: [0, 20, 33, 43, 50, 100],
      alternative: "or raise replicas",
    };
    assert.equal(checkWeightSupported(20, support, "w", problems), true);
    assert.equal(checkWeightSupported(25, support, "strategy.steps[2].setWeight", problems), false);
    assert.deepEqual(messages(problems), [
      "strategy.steps[2].setWeight (25): the replica-ratio router with 4 replicas cannot send 25% of traffic to the candidate (it can do 0/20/33/43/50/100); use 20, the nearest weight it can, or raise replicas",
    ]);
  });
});

describe("core: PercentOrCount", () => {
  const parse: [unknown, ReturnType<typeof parsePercentOrCount>][] = [
    [2, { kind: "count", value: 2 }],
    [0, { kind: "count", value: 0 }],
    ["25%", { kind: "percent", value: 25 }],
    ["100%", { kind: "percent", value: 100 }],
    ["101%", undefined],
    ["12.5%", undefined],
    [-1, undefined],
    [1.5, undefined],
    ["2", undefined],
  ];
  for (const [input, expected] of parse) {
    it(`parses ${JSON.stringify(input)}`, () => assert.deepEqual(parsePercentOrCount(input), expected));
  }

  it("scales like Kubernetes: surge rounds up, unavailable rounds down", () => {
    const table: [PercentOrCount, number, boolean, number][] = [
      ["25%", 10, true, 3],
      ["25%", 10, false, 2],
      ["25%", 4, true, 1],
      ["25%", 3, false, 0],
      [2, 10, true, 2],
      [PercentOrCount.percent(50), 5, true, 3],
    ];
    for (const [value, total, up, expected] of table)
      assert.equal(scalePercentOrCount(value, total, up), expected);
  });

  it("rejects malformed values with a fix", () => {
    const problems: Problem[] = [];
    checkPercentOrCount("a lot", "strategy.maxSurge", problems);
    assert.deepEqual(messages(problems), [
      'strategy.maxSurge ("a lot"): must be a whole number of instances or a whole percentage from 0% to 100%; use a count such as 1 or a percentage such as "25%"',
    ]);
  });
});
