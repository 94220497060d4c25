import * as assert from "node:assert/strict";
import { CanaryService } from "../../../components/aws";
import type { TrafficState } from "../../../components/core";
import {
  all,
  CLUSTER,
  canaryArgs,
  containerOf,
  deploy,
  ECS_SERVICE,
  find,
  forwardOf,
  isSecret,
  LB_ID,
  LISTENER,
  LISTENER_RULE,
  LOAD_BALANCER,
  listenerArn,
  PUBLIC_SUBNETS,
  promiseOf,
  REGION,
  ROLE_POLICY,
  ROLE_POLICY_ATTACHMENT,
  registeredOutputs,
  SCALING_POLICY,
  SCALING_TARGET,
  SECURITY_GROUP,
  SHARED_LISTENER,
  setTrafficConfig,
  TARGET_GROUP,
  TASK_DEFINITION,
  tgArn,
  tgSuffix,
  useAwsMocks,
} from "./harness";

const V1 = "v1";
const V2 = "v2";
const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web";

function desired(): { stable: number; canary: number } {
  return {
    stable: find(ECS_SERVICE, "web-stable").inputs.desiredCount,
    canary: find(ECS_SERVICE, "web-canary").inputs.desiredCount,
  };
}

describe("aws: CanaryService (driver-stepped)", () => {
  beforeEach(useAwsMocks);
  afterEach(() => setTrafficConfig(undefined));

  const states: [
    string,
    TrafficState,
    [number, number],
    { stable: number; canary: number },
    [string, string],
  ][] = [
    ["no candidate", { stableVersion: V1, candidateWeight: 0 }, [100, 0], { stable: 4, canary: 0 }, [V1, V1]],
    [
      "candidate at 0",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 0 },
      [100, 0],
      { stable: 4, canary: 1 },
      [V1, V2],
    ],
    [
      "candidate at 10 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 10 },
      [90, 10],
      { stable: 4, canary: 1 },
      [V1, V2],
    ],
    [
      "candidate at 50 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 50 },
      [50, 50],
      { stable: 4, canary: 2 },
      [V1, V2],
    ],
    [
      "candidate at 100 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 100 },
      [0, 100],
      { stable: 4, canary: 4 },
      [V1, V2],
    ],
    [
      "stable slot takes the candidate",
      { stableVersion: V2, candidateVersion: V2, candidateWeight: 100 },
      [0, 100],
      { stable: 4, canary: 4 },
      [V2, V2],
    ],
    ["promoted", { stableVersion: V2, candidateWeight: 0 }, [100, 0], { stable: 4, canary: 0 }, [V2, V2]],
  ];
  for (const [title, traffic, [stableWeight, canaryWeight], counts, [stableV, canaryV]] of states) {
    it(`${title}: listener ${stableWeight}/${canaryWeight}, tasks ${counts.stable}/${counts.canary}`, async () => {
      const service = await deploy(() => new CanaryService("web", canaryArgs({ replicas: 4, traffic })));
      // Both target groups are listed, also at weight 0; stickiness off.
      assert.deepEqual(forwardOf(LISTENER, "web-listener"), {
        targetGroups: [
          { arn: tgArn("web-stable"), weight: stableWeight },
          { arn: tgArn("web-canary"), weight: canaryWeight },
        ],
        stickiness: { enabled: false, duration: 1 },
      });
      assert.equal(find(LISTENER, "web-listener").inputs.defaultActions[0].type, "forward");
      assert.deepEqual(desired(), counts);
      assert.equal(containerOf("web-stable").image, `${IMAGE}:${stableV}`);
      assert.equal(containerOf("web-canary").image, `${IMAGE}:${canaryV}`);
      assert.deepEqual(await promiseOf(service.replicas), counts);
      assert.equal(await promiseOf(service.candidateWeight), canaryWeight);
      // The header route exists only while there is a candidate.
      const header = all(LISTENER_RULE).filter((r) => r.name === "web-header");
      assert.equal(header.length, traffic.candidateVersion === undefined ? 0 : 1);
    });
  }

  it("creates two ip target groups, a minimal internet-facing ALB and an HTTP listener", async () => {
    const service = await deploy(
      () =>
        new CanaryService(
          "web",
          canaryArgs({ traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 5 } }),
        ),
    );
    for (const slot of ["stable", "canary"]) {
      const tg = find(TARGET_GROUP, `web-${slot}`).inputs;
      assert.equal(tg.targetType, "ip");
      assert.equal(tg.protocol, "HTTP");
      assert.equal(tg.port, 8080);
      assert.equal(tg.vpcId, "vpc-0abc");
      assert.equal(tg.deregistrationDelay, 30);
      assert.deepEqual(tg.healthCheck, {
        enabled: true,
        path: "/",
        port: "traffic-port",
        protocol: "HTTP",
        matcher: "200-399",
        interval: 30,
        timeout: 5,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
      });
    }
    const lb = find(LOAD_BALANCER, "web-alb").inputs;
    assert.equal(lb.loadBalancerType, "application");
    assert.equal(lb.internal, false);
    // Internet-facing: in the public subnets given, never the task subnets.
    assert.deepEqual(lb.subnets, PUBLIC_SUBNETS);
    assert.deepEqual(lb.securityGroups, ["web-alb-id"]);
    const listener = find(LISTENER, "web-listener").inputs;
    assert.equal(listener.port, 80);
    assert.equal(listener.protocol, "HTTP");
    const albGroup = find(SECURITY_GROUP, "web-alb").inputs;
    assert.deepEqual(albGroup.ingress, [
      { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
    ]);
    const taskGroup = find(SECURITY_GROUP, "web-tasks").inputs;
    assert.deepEqual(taskGroup.ingress, [
      { protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: ["web-alb-id"] },
    ]);
    const header = find(LISTENER_RULE, "web-header").inputs;
    assert.equal(header.priority, 10);
    assert.deepEqual(header.conditions, [{ httpHeader: { httpHeaderName: "X-Canary", values: ["true"] } }]);
    assert.deepEqual(header.actions, [{ type: "forward", targetGroupArn: tgArn("web-canary") }]);
    assert.equal(await promiseOf(service.endpoint), `http://web-alb-1234567890.${REGION}.elb.amazonaws.com`);
    assert.equal(all(CLUSTER).length, 0);
  });

  it("runs each slot as a Fargate service behind its target group with the circuit breaker", async () => {
    await deploy(
      () =>
        new CanaryService(
          "web",
          canaryArgs({
            traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 5 },
            health: { readiness: { path: "/ready", initialDelay: "20s" } },
          }),
        ),
    );
    for (const slot of ["stable", "canary"]) {
      const svc = find(ECS_SERVICE, `web-${slot}`).inputs;
      assert.equal(svc.name, `web-${slot}`);
      assert.equal(svc.cluster, "arn:aws:ecs:eu-west-1:123456789012:cluster/main");
      assert.equal(svc.launchType, "FARGATE");
      assert.equal(svc.taskDefinition, `arn:aws:ecs:eu-west-1:123456789012:task-definition/web-${slot}:1`);
      assert.deepEqual(svc.networkConfiguration, {
        subnets: ["subnet-a", "subnet-b"],
        securityGroups: ["web-tasks-id"],
        assignPublicIp: false,
      });
      assert.deepEqual(svc.loadBalancers, [
        { targetGroupArn: tgArn(`web-${slot}`), containerName: "app", containerPort: 8080 },
      ]);
      assert.deepEqual(svc.deploymentCircuitBreaker, { enable: true, rollback: true });
      assert.equal(svc.healthCheckGracePeriodSeconds, 20);
      assert.equal(svc.waitForSteadyState, true);
      assert.equal(svc.tags["progressive.pulumi.io/strategy"], "canary");
      assert.equal(svc.tags["progressive.pulumi.io/role"], slot);
      const td = find(TASK_DEFINITION, `web-${slot}`).inputs;
      assert.equal(td.family, `web-${slot}`);
      assert.deepEqual(td.requiresCompatibilities, ["FARGATE"]);
      assert.equal(td.networkMode, "awsvpc");
      assert.equal(td.cpu, "256");
      assert.equal(td.memory, "512");
      assert.equal(td.executionRoleArn, "arn:aws:iam::123456789012:role/web-execution");
      assert.equal(td.tags["progressive.pulumi.io/readiness"], "/ready");
    }
    assert.equal(find(TARGET_GROUP, "web-stable").inputs.healthCheck.path, "/ready");
    assert.equal(find(ECS_SERVICE, "web-canary").inputs.tags["progressive.pulumi.io/version"], V2);
  });

  it("builds the container: image, port, sorted env, secrets by valueFrom, logs, liveness health check", async () => {
    const secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf";
    await deploy(
      () =>
        new CanaryService(
          "web",
          canaryArgs({
            version: V1,
            image: (v) => `public.ecr.aws/acme/web:${v}-arm64`,
            env: { Z_LAST: "z", A_FIRST: "a" },
            secretEnv: {
              DB_PASSWORD: `${secret}:password::`,
              API_TOKEN: "arn:aws:ssm:eu-west-1:123456789012:parameter/web/token",
            },
            secretKmsKeyArns: ["arn:aws:kms:eu-west-1:123456789012:key/1234"],
            health: { liveness: { path: "/healthz", interval: "15s", timeout: "3s", initialDelay: "10s" } },
            container: { command: ["serve"] },
          }),
        ),
    );
    const c = containerOf("web-stable");
    assert.deepEqual(c, {
      command: ["serve"],
      name: "app",
      image: "public.ecr.aws/acme/web:v1-arm64",
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      environment: [
        { name: "A_FIRST", value: "a" },
        { name: "Z_LAST", value: "z" },
      ],
      secrets: [
        { name: "API_TOKEN", valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/web/token" },
        { name: "DB_PASSWORD", valueFrom: `${secret}:password::` },
      ],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": "/ecs/project/stack/web",
          "awslogs-region": REGION,
          "awslogs-stream-prefix": "stable",
        },
      },
      healthCheck: {
        command: ["CMD-SHELL", "curl -fsS -o /dev/null http://localhost:8080/healthz || exit 1"],
        interval: 15,
        timeout: 3,
        retries: 3,
        startPeriod: 10,
      },
    });
    // The execution role reads exactly the referenced secrets (JSON key removed) and decrypts with the given key.
    assert.deepEqual(JSON.parse(find(ROLE_POLICY, "web-secrets").inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secret] },
        {
          Effect: "Allow",
          Action: ["ssm:GetParameters"],
          Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/web/token"],
        },
        {
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: ["arn:aws:kms:eu-west-1:123456789012:key/1234"],
        },
      ],
    });
    assert.equal(
      find(ROLE_POLICY_ATTACHMENT, "web-execution-policy").inputs.policyArn,
      "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    );
  });

  it("registers the release contract: aws-alb router and cloudwatch-alb metrics by slot", async () => {
    const service = await deploy(
      () =>
        new CanaryService(
          "web",
          canaryArgs({ traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 25 } }),
        ),
    );
    const release = await promiseOf(service.release);
    assert.deepEqual(release.router, {
      kind: "aws-alb",
      region: REGION,
      listenerArn: listenerArn("web"),
      targetGroups: { stable: tgArn("web-stable"), canary: tgArn("web-canary") },
    });
    assert.deepEqual(release.metrics, {
      kind: "cloudwatch-alb",
      region: REGION,
      loadBalancer: `app/web-alb/${LB_ID}`,
      targetGroups: { stable: tgSuffix("web-stable"), canary: tgSuffix("web-canary") },
    });
    assert.equal(release.platform, "aws");
    assert.equal(release.type, "progressive:aws:CanaryService");
    assert.equal(release.service, "web");
    assert.equal(release.kind, "canary");
    assert.deepEqual(release.traffic, { stableVersion: V1, candidateVersion: V2, candidateWeight: 25 });
    assert.equal(release.trafficSource, "arg");
    assert.deepEqual(
      release.trafficUrns.map((u) => u.split("::").pop()),
      ["web-listener"],
    );
    const outputs = await registeredOutputs(service);
    assert.ok(isSecret(outputs.releaseSecrets));
  });

  it("puts the weights on a rule of a shared listener, with the header route one priority above", async () => {
    const service = await deploy(
      () =>
        new CanaryService(
          "web",
          canaryArgs({
            traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 10 },
            securityGroups: ["sg-tasks"],
            listener: {
              listenerArn: SHARED_LISTENER,
              priority: 100,
              conditions: [{ hostHeader: { values: ["web.example.com"] } }],
              endpoint: "https://web.example.com",
            },
          }),
        ),
    );
    assert.equal(all(LOAD_BALANCER).length + all(LISTENER).length + all(SECURITY_GROUP).length, 0);
    const rule = find(LISTENER_RULE, "web-rule").inputs;
    assert.equal(rule.listenerArn, SHARED_LISTENER);
    assert.equal(rule.priority, 100);
    assert.deepEqual(rule.conditions, [{ hostHeader: { values: ["web.example.com"] } }]);
    assert.deepEqual(forwardOf(LISTENER_RULE, "web-rule").targetGroups, [
      { arn: tgArn("web-stable"), weight: 90 },
      { arn: tgArn("web-canary"), weight: 10 },
    ]);
    const header = find(LISTENER_RULE, "web-header").inputs;
    assert.equal(header.priority, 99);
    assert.deepEqual(header.conditions, [
      { hostHeader: { values: ["web.example.com"] } },
      { httpHeader: { httpHeaderName: "X-Canary", values: ["true"] } },
    ]);
    const release = await promiseOf(service.release);
    assert.equal(release.endpoint, "https://web.example.com");
    assert.deepEqual(release.router, {
      kind: "aws-alb",
      region: REGION,
      listenerArn: SHARED_LISTENER,
      ruleArn: `${SHARED_LISTENER.replace(":listener/", ":listener-rule/")}/web-rule`,
      targetGroups: { stable: tgArn("web-stable"), canary: tgArn("web-canary") },
    });
    // The LoadBalancer dimension comes from the shared listener's ARN.
    assert.equal(
      release.metrics.kind === "cloudwatch-alb" && release.metrics.loadBalancer,
      "app/shared/9f1e2d3c4b5a6978",
    );
    assert.deepEqual(find(ECS_SERVICE, "web-stable").inputs.networkConfiguration.securityGroups, [
      "sg-tasks",
    ]);
    assert.deepEqual(
      release.trafficUrns.map((u) => u.split("::").pop()),
      ["web-rule"],
    );
  });

  it("turns stickiness on only when asked, with its duration", async () => {
    await deploy(() => new CanaryService("web", canaryArgs({ version: V1, stickiness: "1h" })));
    assert.deepEqual(forwardOf(LISTENER, "web-listener").stickiness, { enabled: true, duration: 3600 });
  });

  it("reads its traffic from the progressive:traffic entry", async () => {
    setTrafficConfig({ web: { stableVersion: V1, candidateVersion: V2, candidateWeight: 20 } });
    const service = await deploy(() => new CanaryService("web", canaryArgs({ version: "v0" })));
    const release = await promiseOf(service.release);
    assert.equal(release.trafficSource, "config");
    assert.deepEqual(
      forwardOf(LISTENER, "web-listener").targetGroups.map((t) => t.weight),
      [80, 20],
    );
  });

  it("creates a cluster when none is given, and the region from the provider", async () => {
    const service = await deploy(
      () =>
        new CanaryService("web", { ...canaryArgs({ version: V1 }), cluster: undefined, region: undefined }),
    );
    assert.equal(find(CLUSTER, "web-cluster").type, CLUSTER);
    assert.equal(
      find(ECS_SERVICE, "web-stable").inputs.cluster,
      "arn:aws:ecs:eu-west-1:123456789012:cluster/web-cluster",
    );
    const release = await promiseOf(service.release);
    assert.equal(release.router.kind === "aws-alb" && release.router.region, "us-east-2");
  });

  it("scales the stable service on CPU and leaves its desiredCount to the autoscaler", async () => {
    await deploy(
      () =>
        new CanaryService(
          "web",
          canaryArgs({ version: V1, replicas: 3, autoscaling: { maxReplicas: 10, targetCpuPercent: 50 } }),
        ),
    );
    const target = find(SCALING_TARGET, "web-autoscaling").inputs;
    assert.equal(target.resourceId, "service/main/web-stable");
    assert.equal(target.minCapacity, 3);
    assert.equal(target.maxCapacity, 10);
    assert.equal(target.scalableDimension, "ecs:service:DesiredCount");
    const policy = find(SCALING_POLICY, "web-cpu").inputs;
    assert.deepEqual(policy.targetTrackingScalingPolicyConfiguration, {
      targetValue: 50,
      predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
    });
  });
});
