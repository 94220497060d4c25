import * as assert from "node:assert/strict";
import {
  BlueGreenService,
  CanaryService,
  ECS_LOAD_BALANCER_POLICY,
  ecsBlueGreenConfiguration,
  ecsCanaryConfiguration,
} from "../../../components/aws";
import {
  type BlueGreenStrategy,
  type CanaryStepInput,
  type CanaryStrategy,
  type Problem,
  resolveStrategy,
  ValidationError,
} from "../../../components/core";
import {
  all,
  deploy,
  ECS_SERVICE,
  find,
  LISTENER,
  LISTENER_RULE,
  listenerArn,
  NETWORK,
  promiseOf,
  ROLE_POLICY_ATTACHMENT,
  TARGET_GROUP,
  tgArn,
  tgSuffix,
  useAwsMocks,
} from "./harness";

function canaryStrategy(steps: CanaryStepInput[]): CanaryStrategy {
  return resolveStrategy({ kind: "canary", steps }, "strategy", []) as CanaryStrategy;
}

describe("aws: controller ecs, strategy translation", () => {
  const ok: [string, CanaryStepInput[], unknown][] = [
    [
      "one canary step is CANARY",
      [{ setWeight: 10 }, { pause: { duration: "5m" } }, { setWeight: 100 }, { pause: { duration: "90s" } }],
      {
        strategy: "CANARY",
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "5" },
        bakeTimeInMinutes: "2",
      },
    ],
    [
      "equal steps with equal pauses are LINEAR",
      [
        { setWeight: 25 },
        { pause: { duration: "2m" } },
        { setWeight: 50 },
        { pause: { duration: "2m" } },
        { setWeight: 75 },
        { pause: { duration: "2m" } },
        { setWeight: 100 },
      ],
      {
        strategy: "LINEAR",
        linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: "2" },
        bakeTimeInMinutes: "0",
      },
    ],
    [
      "30 % steps end at 100",
      [{ setWeight: 30 }, { setWeight: 60 }, { setWeight: 90 }, { setWeight: 100 }],
      {
        strategy: "LINEAR",
        linearConfiguration: { stepPercent: 30, stepBakeTimeInMinutes: "0" },
        bakeTimeInMinutes: "0",
      },
    ],
  ];
  for (const [title, steps, expected] of ok) {
    it(title, () => {
      const problems: Problem[] = [];
      assert.deepEqual(ecsCanaryConfiguration(canaryStrategy(steps), problems), expected);
      assert.deepEqual(problems, []);
    });
  }

  const rejected: [string, CanaryStepInput[], string[]][] = [
    [
      "the default plan (unequal steps)",
      [{ setWeight: 5 }, { setWeight: 10 }, { setWeight: 25 }, { setWeight: 50 }, { setWeight: 100 }],
      [
        'strategy.steps: goes 5, 10, 25, 50, 100: ECS CANARY takes one canary weight and LINEAR equal steps; use [setWeight p, pause, setWeight 100] (CANARY) or equal steps with equal pauses (LINEAR), or use controller: "driver"',
      ],
    ],
    [
      "steps below 3 %",
      [{ setWeight: 2 }, { setWeight: 4 }, { setWeight: 6 }, { setWeight: 100 }],
      [
        'strategy.steps: goes 2, 4, 6, 100: ECS CANARY takes one canary weight and LINEAR equal steps; use [setWeight p, pause, setWeight 100] (CANARY) or equal steps with equal pauses (LINEAR), or use controller: "driver"',
      ],
    ],
    [
      "unequal pauses",
      [
        { setWeight: 40 },
        { pause: { duration: "1m" } },
        { setWeight: 80 },
        { pause: { duration: "2m" } },
        { setWeight: 100 },
      ],
      [
        'strategy.steps: pauses 1m, 2m between steps: ECS LINEAR bakes the same time after each step; use [setWeight p, pause, setWeight 100] (CANARY) or equal steps with equal pauses (LINEAR), or use controller: "driver"',
      ],
    ],
    [
      "a manual pause",
      [{ setWeight: 10 }, { pause: {} }, { analysis: {} }, { setWeight: 100 }],
      [
        'strategy.steps[1].pause: cannot wait for a manual promote under ECS: a PAUSE lifecycle hook can hold a deployment only before or after a traffic shift, never at a canary weight, and the release driver does not answer PAUSE hooks yet; give the pause a duration such as "10m", or use controller: "driver"',
      ],
    ],
    [
      "a bake longer than the 24 hours ECS holds a weight",
      [{ setWeight: 10 }, { pause: { duration: "25h" } }, { setWeight: 100 }],
      [
        'strategy.steps: makes the hold after weight 10% longer than the 1440 minutes (24h) ECS bakes at most; keep each pause (with the checks of an analysis step) within 24h, or use controller: "driver"',
      ],
    ],
  ];
  it("holds a weight while its analysis runs: the checks' length is added to that weight's bake", () => {
    const strategy = resolveStrategy(
      {
        kind: "canary",
        steps: [{ setWeight: 10 }, { pause: { duration: "2m" } }, { analysis: {} }, { setWeight: 100 }],
        checks: [
          {
            kind: "metric",
            name: "errors",
            provider: "builtin",
            query: "errorRate",
            failureCondition: "> 0.01",
            interval: "1m",
            count: 5,
          },
          { kind: "http", name: "smoke", path: "/", interval: "10s", successThreshold: 3 },
        ],
      },
      "strategy",
      [],
    ) as CanaryStrategy;
    // 2 minutes of pause + 5 measurements a minute apart (the longer check).
    assert.deepEqual(ecsCanaryConfiguration(strategy, []), {
      strategy: "CANARY",
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "7" },
      bakeTimeInMinutes: "0",
    });
  });

  for (const [title, steps, expected] of rejected) {
    it(`rejects ${title}`, () => {
      const problems: Problem[] = [];
      assert.equal(ecsCanaryConfiguration(canaryStrategy(steps), problems), undefined);
      assert.deepEqual(
        problems.map((p) => `${p.path}: ${p.message}; ${p.fix}`),
        expected,
      );
    });
  }

  it("turns blue-green into BLUE_GREEN with the scale-down delay as bake time, rejecting manual promotion", () => {
    const auto = resolveStrategy(
      { kind: "blueGreen", autoPromote: true, scaleDownDelay: "5m" },
      "strategy",
      [],
    ) as BlueGreenStrategy;
    assert.deepEqual(ecsBlueGreenConfiguration(auto, []), { strategy: "BLUE_GREEN", bakeTimeInMinutes: "5" });
    // Checks are the driver's: they run while ECS tests the new colour and after the switch.
    const checked = resolveStrategy(
      {
        kind: "blueGreen",
        autoPromote: true,
        scaleDownDelay: "5m",
        prePromotionChecks: [{ kind: "http", name: "smoke", path: "/" }],
      },
      "strategy",
      [],
    ) as BlueGreenStrategy;
    assert.deepEqual(ecsBlueGreenConfiguration(checked, []), {
      strategy: "BLUE_GREEN",
      bakeTimeInMinutes: "5",
    });
    const manual = resolveStrategy(
      { kind: "blueGreen", prePromotionChecks: [{ kind: "http", name: "smoke", path: "/" }] },
      "strategy",
      [],
    ) as BlueGreenStrategy;
    const problems: Problem[] = [];
    assert.equal(ecsBlueGreenConfiguration(manual, problems), undefined);
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}`),
      [
        "strategy.autoPromote: cannot wait for a manual promote under ECS yet: ECS can hold a BLUE_GREEN deployment before the switch (a PAUSE lifecycle hook resumed by ContinueServiceDeployment), but the release driver does not answer PAUSE hooks",
      ],
    );
    const long = resolveStrategy(
      { kind: "blueGreen", autoPromote: true, scaleDownDelay: "25h" },
      "strategy",
      [],
    ) as BlueGreenStrategy;
    const longProblems: Problem[] = [];
    assert.equal(ecsBlueGreenConfiguration(long, longProblems), undefined);
    assert.deepEqual(
      longProblems.map((p) => `${p.path} (${p.value}): ${p.message}`),
      [
        "strategy.scaleDownDelay (25h): makes the bake before the old colour stops longer than the 1440 minutes (24h) ECS bakes at most",
      ],
    );
  });
});

describe("aws: controller ecs, resources", () => {
  beforeEach(useAwsMocks);

  it("builds one ECS service with a CANARY deployment over primary and alternate target groups", async () => {
    const service = await deploy(
      () =>
        new CanaryService("web", {
          ...NETWORK,
          controller: "ecs",
          health: { readiness: { path: "/ready" } },
          ecsAlarms: ["web-5xx"],
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
        }),
    );
    assert.deepEqual(
      all(ECS_SERVICE).map((s) => s.name),
      ["web-service"],
    );
    const svc = find(ECS_SERVICE, "web-service").inputs;
    assert.equal(svc.name, "web");
    assert.deepEqual(svc.deploymentConfiguration, {
      strategy: "CANARY",
      canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: "10" },
      bakeTimeInMinutes: "0",
    });
    const rules =
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shared/9f1e2d3c4b5a6978/1a2b3c4d5e6f7a8b";
    assert.deepEqual(svc.loadBalancers, [
      {
        targetGroupArn: tgArn("web-primary"),
        containerName: "app",
        containerPort: 8080,
        advancedConfiguration: {
          alternateTargetGroupArn: tgArn("web-alternate"),
          productionListenerRule: `${rules}/web-rule`,
          testListenerRule: `${rules}/web-test`,
          roleArn: "arn:aws:iam::123456789012:role/web-ecs-infrastructure",
        },
      },
    ]);
    // ECS rewrites the rules' weights: Pulumi leaves their actions alone after creation.
    assert.deepEqual(find(LISTENER_RULE, "web-rule").inputs.actions[0].forward.targetGroups, [
      { arn: tgArn("web-primary"), weight: 100 },
      { arn: tgArn("web-alternate"), weight: 0 },
    ]);
    assert.deepEqual(svc.alarms, { alarmNames: ["web-5xx"], enable: true, rollback: true });
    assert.equal(
      JSON.parse(find("aws:ecs/taskDefinition:TaskDefinition", "web-service").inputs.containerDefinitions)[0]
        .image,
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v2",
    );
    assert.deepEqual(find(LISTENER, "web-listener").inputs.defaultActions[0].type, "fixed-response");
    const rule = find(LISTENER_RULE, "web-rule").inputs;
    assert.equal(rule.priority, 100);
    assert.deepEqual(rule.conditions, [{ pathPattern: { values: ["/*"] } }]);
    assert.deepEqual(find(LISTENER_RULE, "web-test").inputs.conditions[1], {
      httpHeader: { httpHeaderName: "X-Canary", values: ["true"] },
    });
    assert.equal(
      find(ROLE_POLICY_ATTACHMENT, "web-ecs-infrastructure").inputs.policyArn,
      ECS_LOAD_BALANCER_POLICY,
    );
    assert.equal(all(TARGET_GROUP).length, 2);
    // `up` returns once ECS has the new revision; the driver watches the deployment.
    assert.equal(svc.waitForSteadyState, false);
    const release = await promiseOf(service.release);
    assert.deepEqual(release.router, {
      kind: "aws-ecs-deployment",
      region: "eu-west-1",
      clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/main",
      serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/main/web",
      strategy: "CANARY",
      listenerArn: listenerArn("web"),
      productionRuleArn: `${rules}/web-rule`,
      targetGroups: { primary: tgArn("web-primary"), alternate: tgArn("web-alternate") },
      testHeader: { name: "X-Canary", value: "true" },
    });
    assert.deepEqual(release.metrics, {
      kind: "cloudwatch-alb",
      region: "eu-west-1",
      loadBalancer: "app/web-alb/50dc6c495c0c9188",
      targetGroups: { primary: tgSuffix("web-primary"), alternate: tgSuffix("web-alternate") },
    });
  });

  it("builds a BLUE_GREEN service with the preview as its test rule", async () => {
    await deploy(
      () =>
        new BlueGreenService("web", {
          ...NETWORK,
          version: "v1",
          controller: "ecs",
          strategy: { kind: "blueGreen", autoPromote: true, scaleDownDelay: "10m" },
          health: { readiness: { path: "/ready" } },
        }),
    );
    const svc = find(ECS_SERVICE, "web-service").inputs;
    assert.deepEqual(svc.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" });
    assert.deepEqual(find(LISTENER_RULE, "web-test").inputs.conditions[1], {
      httpHeader: { httpHeaderName: "X-Preview", values: ["true"] },
    });
  });

  it("rejects what ECS cannot do, and a weight the driver would set", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          ...NETWORK,
          controller: "ecs",
          strategy: { kind: "canary" },
          autoscaling: { maxReplicas: 4 },
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
        }),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(
          err.problems.map((p) => p.path),
          ["traffic.candidateWeight", "strategy.steps", "autoscaling"],
        );
        return true;
      },
    );
  });
});
