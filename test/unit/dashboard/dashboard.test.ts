// The dashboard's pure parts: its command line, its access rules (read-only, the token, the host
// header) and the view it builds from a journal and the release history.
import * as assert from "node:assert/strict";
import { parseCommandLine } from "../../../automation/cli/args";
import {
  checkChange,
  checkHost,
  chooseToken,
  errorBody,
  RequestError,
} from "../../../automation/dashboard/access";
import { eventsOf, historyRows, liveView, planSteps } from "../../../automation/dashboard/view";
import { ReleaseError } from "../../../automation/driver/errors";
import type { Journal } from "../../../automation/driver/journal";
import type { Release } from "../../../automation/history";
import { type Problem, type ResolvedStrategy, resolveStrategy } from "../../../components/core";

const base = { json: false, quiet: false };

function refused(fn: () => void, status: number, field: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RequestError, String(err));
    assert.deepEqual([err.status, err.field], [status, field]);
    assert.match(err.message, message);
    assert.ok(err.fix.length > 0 && err.value.length > 0);
    return true;
  });
}

describe("dashboard: command line", () => {
  it("parses the options, with loopback and a free port by default", () => {
    assert.deepEqual(parseCommandLine(["dashboard"]), {
      command: "dashboard",
      ...base,
      port: 0,
      host: "127.0.0.1",
      allowChanges: false,
    });
    assert.deepEqual(
      parseCommandLine([
        "dashboard",
        "--cwd",
        "./infra",
        "--stacks",
        "dev, staging",
        "--port",
        "8080",
        "--host",
        "0.0.0.0",
        "--allow-changes",
        "--token",
        "0123456789abcdef",
        "--state-dir",
        "./s",
      ]),
      {
        command: "dashboard",
        ...base,
        stateDir: "./s",
        workDir: "./infra",
        stacks: ["dev", "staging"],
        port: 8080,
        host: "0.0.0.0",
        allowChanges: true,
        token: "0123456789abcdef",
      },
    );
  });

  const bad: Array<[string[], RegExp]> = [
    [
      ["dashboard", "--port", "http"],
      /--port \("http"\): is not a port; give a whole number from 0 to 65535/,
    ],
    [["dashboard", "--port", "70000"], /--port \("70000"\)/],
    [["dashboard", "--allow-changes", "--token", "short"], /--token \(5 characters\): too short/],
    [["dashboard", "--token", "0123456789abcdef"], /add --allow-changes/],
    [["dashboard", "--stacks", "dev,bad stack"], /--stacks .*"bad stack" is not a stack name/],
    [["dashboard", "--stack", "dev"], /dashboard does not take --stack; did you mean --stacks\?/],
  ];
  for (const [argv, message] of bad)
    it(`refuses ${argv.slice(1).join(" ")}`, () => {
      assert.throws(
        () => parseCommandLine(argv),
        (err: unknown) => err instanceof ReleaseError && err.kind === "usage" && message.test(err.message),
      );
    });
});

describe("dashboard: access", () => {
  it("refuses a change on a read-only server, then without or with a wrong token", () => {
    refused(() => checkChange("abort", undefined, "Bearer x"), 403, "allow-changes", /read-only/);
    const token = chooseToken(undefined);
    assert.ok(token.length >= 32, "a random token is long");
    refused(() => checkChange("promote", token, undefined), 401, "token", /needs the dashboard's token/);
    refused(() => checkChange("promote", token, `Bearer ${token}x`), 401, "token", /token/);
    refused(() => checkChange("promote", token, token), 401, "token", /token/);
    checkChange("promote", token, `Bearer ${token}`);
    refused(() => chooseToken("short"), 400, "token", /too short/);
  });

  it("accepts only its own host and loopback names in the Host header", () => {
    checkHost("127.0.0.1:8080", "127.0.0.1");
    checkHost("localhost:8080", "127.0.0.1");
    checkHost("[::1]:8080", "::1");
    refused(() => checkHost("evil.example:8080", "127.0.0.1"), 421, "host", /evil\.example/);
    refused(() => checkHost(undefined, "127.0.0.1"), 421, "host", /own host/);
  });

  it("answers errors as JSON with a status: refusals 4xx, the driver's by kind", () => {
    assert.equal(errorBody(new RequestError(404, "stack", "x", "fix", "m")).status, 404);
    assert.equal(errorBody(new ReleaseError("inProgress", "busy")).status, 409);
    assert.equal(errorBody(new ReleaseError("usage", "not paused")).status, 400);
    assert.equal(errorBody(new Error("boom")).status, 500);
  });
});

const problems: Problem[] = [];
const strategy = resolveStrategy(
  { kind: "canary", steps: [{ setWeight: 30 }, { pause: {} }, { setWeight: 100 }] },
  "strategy",
  problems,
) as ResolvedStrategy;

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 1, 0, s)).toISOString();

const journal: Journal = {
  v: 1,
  releaseId: "r1",
  project: "p",
  stack: "dev",
  service: "web",
  version: "v2",
  previousVersion: "v1",
  strategy: "canary",
  actor: "ann",
  phase: "paused",
  stepIndex: 3, // a paused release has moved past its pause step
  lastGood: { stableVersion: "v1", candidateWeight: 0 },
  applied: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 30 },
  owner: { pid: 1, host: "h", startedAt: at(0) },
  startedAt: at(0),
  updatedAt: at(9),
};

const release: Release = {
  id: "r1",
  stack: "p/dev",
  service: "web",
  version: "v2",
  previousVersion: "v1",
  actor: "ann",
  strategy: "canary",
  startedAt: at(0),
  outcome: "unfinished",
  steps: [
    {
      v: 1,
      type: "step",
      releaseId: "r1",
      stack: "p/dev",
      index: 0,
      action: "deploy",
      startedAt: at(0),
      endedAt: at(4),
      checks: [],
      outcome: "passed",
    },
    {
      v: 1,
      type: "step",
      releaseId: "r1",
      stack: "p/dev",
      index: 1,
      action: "setWeight",
      weight: 30,
      verified: true,
      startedAt: at(4),
      endedAt: at(8),
      checks: [{ name: "error-rate", value: 0.01, condition: "< 0.05", outcome: "Successful", at: at(7) }],
      outcome: "passed",
    },
  ],
};

describe("dashboard: view", () => {
  it("marks the plan's steps done, current and next, with the time each took", () => {
    const plan = planSteps(journal, strategy, release);
    // deploy, 30 %, the pause, then the promotion's actions.
    assert.deepEqual(
      plan.slice(0, 4).map((p) => [p.kind, p.state, p.durationMs]),
      [
        ["deploy", "done", 4000],
        ["setWeight", "done", 4000],
        ["pause", "current", undefined],
        ["promote", "next", undefined],
      ],
    );
    assert.ok(plan.slice(3).every((p) => p.state === "next"));
    assert.equal(plan[2]?.text, "pause for a decision");
    assert.deepEqual(planSteps(journal, undefined, release), [], "no strategy known: no plan");
    const promoted = planSteps({ ...journal, phase: "succeeded", stepIndex: 6 }, strategy, release);
    assert.ok(
      promoted.every((p) => p.state === "done"),
      "a promoted release has every step done",
    );
    const reverted = planSteps({ ...journal, phase: "reverted", stepIndex: 2 }, strategy, release);
    assert.deepEqual(
      reverted.map((p) => p.state),
      ["done", "done", ...reverted.slice(2).map(() => "skipped")],
      "a reverted release skipped the steps it did not reach",
    );
  });

  it("tells the events in time order: phases seen, start, checks against their condition, steps with their time, the end", () => {
    const events = eventsOf(
      {
        ...release,
        outcome: "reverted",
        finishedAt: at(20),
        reason: "error-rate failed",
        timeToRevertMs: 900,
      },
      [{ at: at(9), text: "phase paused" }],
    );
    assert.deepEqual(
      events.map((e) => e.text),
      [
        "started by ann: v2 after v1",
        "step 0 deploy: passed in 4000 ms",
        "check error-rate: 0.01 (< 0.05) Successful",
        "step 1 setWeight at 30%: passed in 4000 ms",
        "phase paused",
        "reverted: error-rate failed (time to revert 900 ms)",
      ],
    );
  });

  it("shows the live release at the journal's weight, with the report's chart and the first revert seen", () => {
    const live = liveView(journal, release, strategy, { phases: [], revertSeenAt: at(12) });
    assert.deepEqual([live.phase, live.open, live.weight, live.revertSeenAt], ["paused", true, 30, at(12)]);
    assert.match(live.chart, /^<svg/);
    const noRelease = liveView({ ...journal, applied: undefined }, undefined, strategy, { phases: [] });
    assert.deepEqual([noRelease.weight, noRelease.chart, noRelease.events], [0, "", []]);
  });

  it("lists history newest first with duration and time to revert", () => {
    const rows = historyRows([{ ...release, outcome: "reverted", finishedAt: at(30), timeToRevertMs: 800 }]);
    assert.deepEqual(rows, [
      {
        id: "r1",
        service: "web",
        version: "v2",
        outcome: "reverted",
        startedAt: at(0),
        durationMs: 30000,
        timeToRevertMs: 800,
      },
    ]);
  });
});
