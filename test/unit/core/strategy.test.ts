import * as assert from "node:assert/strict";
import {
  type CanaryStep,
  type CanaryStrategy,
  Check,
  hasManualPause,
  nextStep,
  type Problem,
  planWeights,
  type RollingStrategy,
  resolveStrategy,
  Step,
  Strategy,
  type StrategyInput,
  ValidationError,
  weightAtStep,
} from "../../../components/core";
import { messages } from "./util";

function resolve(input: StrategyInput) {
  const problems: Problem[] = [];
  const strategy = resolveStrategy(input, "strategy", problems);
  return { strategy, problems: messages(problems) };
}

describe("core: strategy factories and defaults", () => {
  it("canary defaults: 5 -> 10 -> 25 -> 50 -> 100 with an analysis after each weight below 100", () => {
    const { strategy, problems } = resolve(Strategy.canary());
    assert.deepEqual(problems, []);
    const canary = strategy as CanaryStrategy;
    assert.deepEqual(planWeights(canary.steps), [5, 10, 25, 50, 100]);
    assert.deepEqual(
      canary.steps.map((s) => s.kind),
      [
        "setWeight",
        "analysis",
        "setWeight",
        "analysis",
        "setWeight",
        "analysis",
        "setWeight",
        "analysis",
        "setWeight",
      ],
    );
    const analysis = canary.steps[1] as Extract<CanaryStep, { kind: "analysis" }>;
    assert.deepEqual(analysis.checks, [
      "error-rate",
      "mean-latency",
      "http-5xx-rate",
      "latency-spike",
      "throughput-drop",
    ]);
    assert.deepEqual(canary.headerRoute, { name: "X-Canary", value: "true" });
    assert.equal(canary.progressDeadlineSeconds, 300);
  });

  it("blue-green defaults: preview on, auto-promote off, scale-down delay 30 s", () => {
    const { strategy } = resolve(Strategy.blueGreen());
    assert.deepEqual(strategy, {
      kind: "blueGreen",
      previewService: true,
      autoPromote: false,
      scaleDownDelaySeconds: 30,
      prePromotionChecks: [],
      postPromotionChecks: [],
      progressDeadlineSeconds: 300,
    });
  });

  it("rolling defaults: 25 % / 25 %, readiness delay 30 s, deadline 300 s", () => {
    const { strategy } = resolve(Strategy.rolling());
    assert.deepEqual(strategy, {
      kind: "rolling",
      maxSurge: "25%",
      maxUnavailable: "25%",
      readinessDelaySeconds: 30,
      progressDeadlineSeconds: 300,
    } satisfies RollingStrategy);
  });

  it("recreate and explicit options", () => {
    assert.deepEqual(resolve(Strategy.recreate({ progressDeadline: "10m" })).strategy, {
      kind: "recreate",
      progressDeadlineSeconds: 600,
    });
    const canary = resolve(
      Strategy.canary({
        steps: [
          Step.setWeight(20),
          Step.pause("1h30m"),
          Step.analysis("up"),
          Step.pause(),
          Step.setWeight(100),
        ],
        checks: [Check.http({ name: "up", path: "/healthz" })],
        headerRoute: false,
      }),
    ).strategy as CanaryStrategy;
    assert.deepEqual(canary.steps, [
      { kind: "setWeight", weight: 20 },
      { kind: "pause", durationSeconds: 5400 },
      { kind: "analysis", checks: ["up"] },
      { kind: "pause" },
      { kind: "setWeight", weight: 100 },
    ]);
    assert.equal(canary.headerRoute, undefined);
    assert.equal(hasManualPause(canary.steps), true);
  });

  it("Strategy.check throws one ValidationError listing every problem; a factory leaves that to the component", () => {
    const strategy = Strategy.canary({
      steps: [{ setWeight: 10 }, { setWeight: 150 }, { pause: { duration: "-5s" } }],
    });
    try {
      Strategy.check(strategy);
      assert.fail("expected a ValidationError");
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.problems.length, 3);
      assert.equal(
        e.message,
        [
          "invalid canary strategy: 3 problems",
          "  - strategy.steps[1].setWeight (150): must be an integer from 0 to 100; use a weight such as 100",
          '  - strategy.steps[2].pause.duration ("-5s"): must not be negative; use a number of seconds or a string such as "30s", "5m" or "1h30m", 0 or more',
          "  - strategy.steps (10): must end at weight 100; add { setWeight: 100 } as the last weight step",
        ].join("\n"),
      );
    }
  });
});

describe("core: strategy rejections", () => {
  const table: [string, StrategyInput, string[]][] = [
    [
      "weights that do not increase",
      { kind: "canary", steps: [{ setWeight: 50 }, { setWeight: 25 }, { setWeight: 100 }] },
      [
        "strategy.steps[1].setWeight (25): must be greater than the previous weight (50 at strategy.steps[0].setWeight); list weights in increasing order, such as 5, 10, 25, 50, 100",
      ],
    ],
    [
      "steps that do not end at 100",
      { kind: "canary", steps: [{ setWeight: 10 }, { setWeight: 50 }] },
      ["strategy.steps (50): must end at weight 100; add { setWeight: 100 } as the last weight step"],
    ],
    [
      "a step with two kinds",
      { kind: "canary", steps: [{ setWeight: 10, pause: {} } as never, { setWeight: 100 }] },
      [
        'strategy.steps[0] ({"setWeight":10,"pause":{}}): must have exactly one of setWeight, pause or analysis; write one of { setWeight: 10 }, { pause: { duration: "5m" } }, { analysis: {} }',
      ],
    ],
    [
      "an analysis of an unknown check",
      {
        kind: "canary",
        checks: [Check.http({ name: "up" })],
        steps: [Step.setWeight(10), Step.analysis("error-rate"), Step.setWeight(100)],
      },
      ['strategy.steps[1].analysis.checks[0] ("error-rate"): is not a check of this strategy; use one of up'],
    ],
    [
      "a fractional weight",
      { kind: "canary", steps: [{ setWeight: 12.5 }, { setWeight: 100 }] },
      ["strategy.steps[0].setWeight (12.5): must be an integer from 0 to 100; use a weight such as 13"],
    ],
    [
      "an invalid header name",
      { kind: "canary", headerRoute: { name: "X Canary" } },
      [
        'strategy.headerRoute.name ("X Canary"): is not a valid HTTP header name; use a name such as "X-Canary"',
      ],
    ],
    [
      "maxSurge and maxUnavailable both zero",
      { kind: "rolling", maxSurge: 0, maxUnavailable: "0%" },
      [
        'strategy.maxUnavailable ("0%"): must not be 0 when maxSurge is also 0 (no instance could ever be replaced); set maxSurge or maxUnavailable above 0, such as "25%"',
      ],
    ],
    [
      "a readiness delay longer than the deadline",
      { kind: "rolling", readinessDelay: "10m", progressDeadline: "5m" },
      [
        'strategy.progressDeadline ("5m"): must be longer than readinessDelay (600s), or no update can finish in time; lengthen progressDeadline or shorten readinessDelay',
      ],
    ],
    [
      "negative and unparsable durations",
      { kind: "blueGreen", scaleDownDelay: -30, progressDeadline: "soon" },
      [
        'strategy.scaleDownDelay (-30): must not be negative; use a number of seconds or a string such as "30s", "5m" or "1h30m", 0 or more',
        'strategy.progressDeadline ("soon"): is not a duration; use a number of seconds or a string such as "30s", "5m" or "1h30m"',
      ],
    ],
    [
      "an unknown kind",
      { kind: "linear" } as never,
      [
        'strategy.kind ("linear"): must be "canary", "blueGreen", "rolling" or "recreate"; build it with Strategy.canary(), Strategy.blueGreen(), Strategy.rolling() or Strategy.recreate()',
      ],
    ],
  ];
  for (const [title, input, expected] of table) {
    it(`rejects ${title}`, () => assert.deepEqual(resolve(input).problems, expected));
  }
});

describe("core: step maths", () => {
  const steps = (
    resolve(
      Strategy.canary({
        steps: [
          Step.setWeight(10),
          Step.pause("1m"),
          Step.setWeight(50),
          Step.analysis(),
          Step.setWeight(100),
        ],
      }),
    ).strategy as CanaryStrategy
  ).steps;

  const weights: [number, boolean, number][] = [
    [-1, false, 0],
    [0, false, 10],
    [1, false, 10],
    [2, false, 50],
    [3, false, 50],
    [4, false, 100],
    [99, false, 100],
    [2, true, 0],
  ];
  for (const [index, aborted, weight] of weights) {
    it(`weight after step ${index}${aborted ? " (aborted)" : ""} is ${weight}`, () => {
      assert.equal(weightAtStep(steps, index, aborted), weight);
    });
  }

  it("walks to the next step and ends", () => {
    assert.deepEqual(nextStep(steps, -1), { index: 0, step: { kind: "setWeight", weight: 10 } });
    assert.deepEqual(nextStep(steps, 0), { index: 1, step: { kind: "pause", durationSeconds: 60 } });
    assert.equal(nextStep(steps, 4), undefined);
  });
});
