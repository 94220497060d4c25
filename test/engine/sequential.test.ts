// The sequential check end to end: the repo's program on the local platform, a real engine, real
// processes and real HTTP traffic. A canary at 5 % answering 5 % errors against a stable at 1 % is
// reverted by the anytime-valid test before its window ends; the same build under a new label
// (an A/A release) is promoted.
import * as assert from "node:assert/strict";
import { releaseCommand } from "../../automation/driver/commands";
import type { CheckMeasurement, DriverEvent } from "../../automation/driver/events";
import { LoadGenerator } from "../../harness/load";
import { withDriverStack } from "../support/driver-stack";
import { type EngineInfo, requireEngine } from "../support/engine";

const POLLS = 45;

describe("sequential check (engine tier, local platform)", function () {
  this.timeout(900_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("reverts a 5 % canary with 5 % errors against 1 % as soon as the test rejects, and promotes an A/A release", async () => {
    await withDriverStack(
      engine,
      {
        versionEnv: { v1: { ERROR_RATE: "0.01" }, v2: { ERROR_RATE: "0.01" }, v3: { ERROR_RATE: "0.05" } },
        steps: [{ setWeight: 5 }, { analysis: { checks: ["errors-sequential"] } }, { setWeight: 100 }],
        extraChecks: [
          {
            kind: "metric",
            name: "errors-sequential",
            provider: "builtin",
            query: "errorRate",
            sequential: {},
            interval: "2s",
            count: POLLS,
          },
        ],
      },
      async (s) => {
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 100, maxMs: 600_000 });
        load.start();
        try {
          const measured = (events: DriverEvent[]): CheckMeasurement[] =>
            events.flatMap((e) =>
              e.type === "checkResult" && e.measurement.check === "errors-sequential" ? [e.measurement] : [],
            );

          const same: DriverEvent[] = [];
          const aa = await releaseCommand(s.target, "v2", {
            stateDir: s.stateDir,
            onEvent: (e) => same.push(e),
          });
          assert.equal(aa.outcome, "promoted", `the same build under a new label is promoted: ${aa.reason}`);
          const aaPolls = measured(same);
          assert.equal(aaPolls.length, POLLS, "the A/A step ran its whole window");
          assert.ok(
            aaPolls.every((m) => m.outcome === "Inconclusive"),
            "no poll rejected",
          );

          const bad: DriverEvent[] = [];
          const r = await releaseCommand(s.target, "v3", {
            stateDir: s.stateDir,
            onEvent: (e) => bad.push(e),
          });
          assert.equal(r.outcome, "reverted", JSON.stringify(r));
          assert.match(r.reason ?? "", /errors-sequential: .* errors on the candidate.*anytime-valid p/);
          assert.deepEqual(r.traffic, { stableVersion: "v2", candidateWeight: 0 });
          const polls = measured(bad);
          const failed = polls.find((m) => m.outcome === "Failed");
          assert.ok(failed, "a poll rejected");
          assert.ok(
            (failed.requests ?? 0) > 0,
            `the event says how many candidate requests it took: ${failed.reason}`,
          );
          assert.ok(
            polls.length < POLLS,
            `it rejected before the window's end (${polls.length} of ${POLLS} polls)`,
          );
          console.log(
            `      A/A promoted after ${aaPolls.at(-1)?.requests} candidate requests; 5 % vs 1 % reverted after ${failed.requests} candidate requests (${polls.length} polls of 2 s)`,
          );
        } finally {
          await load.stop();
        }
      },
    );
  });

  it("judges latency the same way: a candidate 150 ms slower is reverted on its slow requests, the same build promoted", async () => {
    const polls = 15;
    await withDriverStack(
      engine,
      {
        versionEnv: { v3: { LATENCY_MS: "150" } },
        steps: [{ setWeight: 10 }, { analysis: { checks: ["latency-sequential"] } }, { setWeight: 100 }],
        extraChecks: [
          {
            kind: "metric",
            name: "latency-sequential",
            provider: "builtin",
            query: "slowRate",
            slowerThan: "100ms",
            sequential: {},
            interval: "2s",
            count: polls,
          },
        ],
      },
      async (s) => {
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 50, maxMs: 600_000 });
        load.start();
        try {
          const measured = (events: DriverEvent[]): CheckMeasurement[] =>
            events.flatMap((e) =>
              e.type === "checkResult" && e.measurement.check === "latency-sequential" ? [e.measurement] : [],
            );
          const same: DriverEvent[] = [];
          const aa = await releaseCommand(s.target, "v2", {
            stateDir: s.stateDir,
            onEvent: (e) => same.push(e),
          });
          assert.equal(aa.outcome, "promoted", `the same build under a new label is promoted: ${aa.reason}`);
          assert.equal(measured(same).length, polls, "the A/A step ran its whole window");

          const slow: DriverEvent[] = [];
          const r = await releaseCommand(s.target, "v3", {
            stateDir: s.stateDir,
            onEvent: (e) => slow.push(e),
          });
          assert.equal(r.outcome, "reverted", JSON.stringify(r));
          assert.match(
            r.reason ?? "",
            /latency-sequential: .* slow requests \(over 100ms\) on the candidate.*anytime-valid p/,
          );
          assert.deepEqual(r.traffic, { stableVersion: "v2", candidateWeight: 0 });
          const seen = measured(slow);
          const failed = seen.find((m) => m.outcome === "Failed");
          assert.ok(
            failed && seen.length < polls,
            `rejected before the window's end (${seen.length} of ${polls} polls)`,
          );
          console.log(
            `      latency: A/A promoted after ${measured(same).at(-1)?.requests} candidate requests; +150 ms reverted after ${failed.requests} candidate requests (${seen.length} polls of 2 s)`,
          );
        } finally {
          await load.stop();
        }
      },
    );
  });
});
