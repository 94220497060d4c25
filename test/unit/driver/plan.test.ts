import * as assert from "node:assert/strict";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { formatEvent, main } from "../../../automation/cli";
import { parseCommandLine } from "../../../automation/cli/args";
import { classifyError, ReleaseError } from "../../../automation/driver/errors";
import {
  asFlagPlan,
  buildPlan,
  planSeconds,
  renderPlan,
  strategyDifference,
} from "../../../automation/driver/plan";
import { insideWindow } from "../../../automation/driver/preflight";
import { checkProviders, planRelease } from "../../../automation/driver/release-plan";
import { parseSettings } from "../../../automation/driver/settings";
import {
  type ResolvedStrategy,
  resolveStrategy,
  Strategy,
  type StrategyInput,
} from "../../../components/core";

function resolved(input: StrategyInput): ResolvedStrategy {
  const problems: never[] = [];
  const s = resolveStrategy(input, "strategy", problems);
  assert.ok(s);
  return s;
}

describe("driver plan", () => {
  it("canary: deploy at 0, each weight with its analysis, then the three promotion states", () => {
    const plan = buildPlan(
      "dev",
      resolved(
        Strategy.canary({
          steps: [{ setWeight: 10 }, { analysis: {} }, { pause: { duration: "5s" } }, { setWeight: 100 }],
        }),
      ),
      { stableVersion: "v1", candidateWeight: 0 },
      "v2",
    );
    assert.deepEqual(
      plan.actions.map((a) => a.kind),
      ["deploy", "setWeight", "analysis", "pause", "promote", "promote", "promote"],
    );
    assert.deepEqual(plan.actions[0], {
      kind: "deploy",
      traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
      description: "deploy v2 beside v1 with no traffic",
    });
    assert.deepEqual(
      plan.actions
        .filter((a) => a.kind === "promote")
        .map((a) => (a.kind === "promote" ? a.traffic : undefined)),
      [
        { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 100 },
        { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
        { stableVersion: "v2", candidateWeight: 0 },
      ],
    );
    assert.deepEqual(plan.revertTarget, { stableVersion: "v1", candidateWeight: 0 });
    assert.match(renderPlan(plan), /revert target: v1 with all traffic/);
    assert.doesNotMatch(renderPlan(plan), /traffic moved by/);
    // An ECS-managed service's plan says who moves the traffic, so its steps do not read as the driver's.
    assert.match(
      renderPlan({ ...plan, managedBy: "ECS (CANARY)" }),
      /^ {2}traffic moved by ECS \(CANARY\): the driver deploys, finds the deployment, runs the checks .* not driver steps$/m,
    );
  });

  it("blue-green: preview, checks, manual pause, switch, post checks, scale-down after the delay", () => {
    const strategy = resolved(
      Strategy.blueGreen({
        prePromotionChecks: [{ kind: "http", name: "smoke", path: "/health" }],
        postPromotionChecks: [{ kind: "http", name: "after", path: "/" }],
        scaleDownDelay: "30s",
      }),
    );
    const plan = buildPlan(
      "prod",
      strategy,
      { stableVersion: "v1", candidateWeight: 0, activeColor: "green" },
      "v2",
    );
    assert.deepEqual(
      plan.actions.map((a) => a.kind),
      ["deploy", "analysis", "pause", "switch", "analysis", "scaleDown"],
    );
    const sw = plan.actions[3];
    assert.ok(sw?.kind === "switch");
    assert.deepEqual(sw.traffic, {
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "blue",
    });
    const down = plan.actions[5];
    assert.ok(down?.kind === "scaleDown");
    assert.equal(down.afterSeconds, 30);
    assert.deepEqual(down.traffic, { stableVersion: "v2", candidateWeight: 0, activeColor: "blue" });
    assert.deepEqual(plan.revertTarget, { stableVersion: "v1", candidateWeight: 0, activeColor: "green" });
  });

  it("rolling: one deploy of the new version; revert is the old one", () => {
    const plan = buildPlan(
      "dev",
      resolved(Strategy.rolling()),
      { stableVersion: "v1", candidateWeight: 0 },
      "v2",
    );
    assert.deepEqual(
      plan.actions.map((a) => a.kind),
      ["deploy"],
    );
    assert.deepEqual(plan.revertTarget, { stableVersion: "v1", candidateWeight: 0 });
  });

  it("rejects releasing the version that already serves", () => {
    assert.throws(
      () => buildPlan("dev", resolved(Strategy.rolling()), { stableVersion: "v1", candidateWeight: 0 }, "v1"),
      (e: unknown) =>
        e instanceof ReleaseError &&
        e.kind === "sameVersion" &&
        /version v1 already serves stack dev/.test(e.message),
    );
  });

  it("rejects checks that name a metric provider the stack does not have", () => {
    const strategy = resolved(
      Strategy.canary({
        checks: [{ kind: "metric", name: "dd", provider: "datadog", query: "q", failureCondition: "> 1" }],
      }),
    );
    const plan = buildPlan("staging", strategy, { stableVersion: "v1", candidateWeight: 0 }, "v9");
    const service = {
      urn: "urn:pulumi:staging::p::progressive:local:CanaryService::web",
      release: {
        contract: 1,
        platform: "local",
        type: "progressive:local:CanaryService",
        name: "web",
        service: "web",
        kind: "canary",
        strategy,
        traffic: { stableVersion: "v1", candidateWeight: 0 },
        trafficSource: "config",
        endpoint: "http://127.0.0.1:1",
        router: { kind: "local-proxy", adminEndpoint: "http://127.0.0.1:2" },
        metrics: { kind: "local-proxy", metricsJsonUrl: "http://127.0.0.1:2/metrics.json" },
        trafficUrns: [],
      },
      secrets: {},
    } as const;
    const settings = parseSettings({}, "staging");
    assert.throws(
      () => checkProviders(plan, service, settings),
      /check "dd": provider \("datadog"\) is not a metric provider a check can name; known providers: "builtin"/,
    );
  });
});

describe("driver preflight: deploy window", () => {
  const window = {
    days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[],
    start: "09:00",
    end: "17:00",
    timezone: "UTC",
  };
  it("is inside on a weekday afternoon and outside at night and on Sunday", () => {
    assert.equal(insideWindow(window, new Date("2026-11-25T14:00:00Z")), true); // Wednesday
    assert.equal(insideWindow(window, new Date("2026-11-25T17:00:00Z")), false);
    assert.equal(insideWindow(window, new Date("2026-11-25T08:59:00Z")), false);
    assert.equal(insideWindow(window, new Date("2026-11-29T12:00:00Z")), false); // Sunday
  });
  it("reads the time in the window's time zone", () => {
    const tokyo = { ...window, timezone: "Asia/Tokyo" };
    assert.equal(insideWindow(tokyo, new Date("2026-11-25T01:00:00Z")), true); // 10:00 in Tokyo
  });
});

describe("driver errors and CLI", () => {
  it("classifies engine errors into typed kinds with exit codes", () => {
    const locked = classifyError(
      Object.assign(new Error("error: the stack is currently locked by 1 lock(s)"), {}),
    );
    assert.equal(locked.kind, "locked");
    assert.equal(locked.exitCode, 5);
    assert.equal(classifyError(new ReleaseError("reverted", "x")).exitCode, 3);
    assert.ok(ConcurrentUpdateError);
  });

  it("parses commands, values and boolean flags, and rejects a flag without its value", () => {
    assert.deepEqual(parseCommandLine(["release", "v2", "--stack", "dev", "--approve", "--cwd=/p"]), {
      command: "release",
      version: "v2",
      approve: true,
      target: { stackName: "dev", workDir: "/p" },
      json: false,
      quiet: false,
    });
    assert.throws(() => parseCommandLine(["status", "--stack"]), /--stack needs a value/);
  });

  it("shows weights and check values readably", () => {
    const line = formatEvent({
      type: "trafficApplied",
      at: new Date(),
      releaseId: "r",
      traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 25 },
      effectiveWeight: 25,
      verified: true,
      durationMs: 1500,
      upMs: 1400,
    });
    assert.match(line ?? "", /v1 {2}75% .* \| v2 {2}25% /);
    const check = formatEvent({
      type: "checkResult",
      at: new Date(),
      releaseId: "r",
      step: 2,
      measurement: {
        check: "http-5xx-rate",
        outcome: "Failed",
        value: 0.3,
        condition: "> 0.05",
        reason: "failure condition met",
      },
    });
    assert.match(check ?? "", /✗ http-5xx-rate: 0.3 > 0.05 → Failed/);
  });
});

describe("driver CLI usage errors", () => {
  const run = async (argv: string[]) => {
    const lines: string[] = [];
    const code = await main(argv, (l) => lines.push(l));
    return { code, text: lines.join("\n") };
  };
  it("names what is missing and exits 2", async () => {
    assert.deepEqual(await run(["release", "v2", "--cwd", "/nonexistent/progressive-no-project"]), {
      code: 2,
      text: "error (usage): /nonexistent/progressive-no-project has no Pulumi.yaml; pass --cwd <project folder>",
    });
    assert.deepEqual(await run(["release", "--stack", "dev"]), {
      code: 2,
      text: "error (usage): release needs a version, e.g. progressive release v2 --stack dev",
    });
    assert.deepEqual(await run(["promote-env", "--stack", "prod"]), {
      code: 2,
      text: "error (usage): promote-env needs --from <stack> (the verified environment) and --stack <next>",
    });
    assert.deepEqual(await run(["deploy", "--stack", "dev"]), {
      code: 2,
      text: 'error (usage): unknown command "deploy"; run progressive help',
    });
  });
  it("answers --json with a typed error", async () => {
    const r = await run(["status", "--json", "--cwd", "/nonexistent/progressive-no-project"]);
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.text), {
      error: {
        kind: "usage",
        message: "/nonexistent/progressive-no-project has no Pulumi.yaml; pass --cwd <project folder>",
      },
    });
  });
});

describe("driver: version labels are checked before anything is written", () => {
  it("rejects a label the components would refuse, naming the field, the value and the fix", async () => {
    const target = { stack: {}, service: {}, settings: {} } as unknown as Parameters<typeof planRelease>[0];
    for (const bad of ["v2/beta", "v 2", "x".repeat(64), ""]) {
      await assert.rejects(
        planRelease(target, bad),
        (e: unknown) =>
          e instanceof ReleaseError &&
          e.kind === "usage" &&
          e.exitCode === 2 &&
          /^version \(.*\): is not a version label; use a label such as "v1\.4\.2"/.test(e.message),
      );
    }
  });
});

describe("plan: a flag's words and the least time", () => {
  const strategy = resolveStrategy(
    Strategy.canary({ headerRoute: false }),
    "strategy",
    [],
  ) as ResolvedStrategy;
  const plan = buildPlan("dev/checkout", strategy, { stableVersion: "off", candidateWeight: 0 }, "on");

  it("speaks of users and variants for a flag, never of slots", () => {
    const text = renderPlan(asFlagPlan(plan, "checkout"));
    assert.doesNotMatch(text, /slot|traffic/);
    assert.match(text, /^roll out variant on of flag checkout on stack dev\/checkout, replacing off$/m);
    assert.match(text, /2\. share: 5% of users get on$/m);
    assert.match(text, /promote: on becomes the flag's default variant$/m);
    assert.match(text, /revert target: off for every user$/m);
  });

  it("says how long the default plan takes at least: four analyses of 5 x 60 s", () => {
    assert.equal(planSeconds(plan), 4 * 5 * 60);
    assert.match(renderPlan(plan), /takes at least 20 min when every check passes/);
  });
});

describe("plan: the program's strategy against the deployed one", () => {
  const resolve = (s: StrategyInput) => resolveStrategy(s, "strategy", []) as ResolvedStrategy;

  it("says nothing when they are the same, and names what differs otherwise", () => {
    const deployed = resolve(Strategy.canary());
    assert.equal(strategyDifference(deployed, resolve(Strategy.canary())), undefined);
    assert.equal(
      strategyDifference(
        deployed,
        resolve(Strategy.canary({ steps: [{ setWeight: 20 }, { analysis: {} }, { setWeight: 100 }] })),
      ),
      "steps: 5%, analysis, 10%, analysis, 25%, analysis, 50%, analysis, 100% -> 20%, analysis, 100%",
    );
    assert.equal(strategyDifference(deployed, resolve(Strategy.blueGreen())), "kind: canary -> blueGreen");
    assert.equal(
      strategyDifference(resolve(Strategy.rolling()), resolve(Strategy.rolling({ maxSurge: 1 }))),
      "maxSurge differs",
    );
  });

  it("prints notes under the plan", () => {
    const plan = buildPlan(
      "dev/web",
      resolve(Strategy.canary()),
      { stableVersion: "v1", candidateWeight: 0 },
      "v2",
    );
    assert.match(
      renderPlan({ ...plan, notes: ["the program's strategy differs"] }),
      /\n {2}! the program's strategy differs$/,
    );
  });
});
