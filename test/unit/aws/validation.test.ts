import * as assert from "node:assert/strict";
import {
  BlueGreenService,
  CanaryService,
  type CanaryServiceArgs,
  RollingService,
} from "../../../components/aws";
import { problemsOf } from "../../support/problems";
import { NETWORK, PUBLIC_SUBNETS, recorded, SHARED_LISTENER, TASKS, useAwsMocks } from "./harness";

const canary = (extra: Partial<CanaryServiceArgs>) => () =>
  new CanaryService("web", { ...NETWORK, version: "v1", ...extra });

describe("aws: validation", () => {
  beforeEach(useAwsMocks);

  const cases: [string, () => unknown, string[]][] = [
    [
      "an empty image",
      canary({ image: " " }),
      ['image: must name an image repository; use e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web"'],
    ],
    [
      "a missing VPC and subnets",
      canary({ vpcId: "", subnets: undefined as unknown as string[] }),
      [
        'vpcId: is required; pass the VPC ID, e.g. "vpc-0abc..."',
        'subnets: is required; pass the task subnets, e.g. ["subnet-0abc...", "subnet-0def..."]',
      ],
    ],
    [
      "a cpu Fargate has not",
      canary({ cpu: 300 }),
      ["cpu: is not a Fargate task size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384"],
    ],
    [
      "memory that does not fit the cpu",
      canary({ cpu: 1024, memory: 512 }),
      [
        "memory: is not a Fargate memory size for cpu 1024; use 2048-8192 MiB in steps of 1024 (e.g. 2048), or change cpu",
      ],
    ],
    [
      "a bad port",
      canary({ port: 70000 }),
      ["port: must be a port from 1 to 65535; use a port such as 8080"],
    ],
    [
      "a preview port equal to the listener's",
      canary({ loadBalancer: { port: 8080, subnets: PUBLIC_SUBNETS } }),
      ["loadBalancer.previewPort: is the production listener's port; use another port, e.g. 8080"],
    ],
    [
      "an internet-facing ALB without its own subnets (the task subnets are usually private)",
      canary({ loadBalancer: { port: 80 } }),
      [
        'loadBalancer.subnets: is required for an internet-facing load balancer: the task subnets (subnets) are usually private, and an ALB there is not reachable from the internet; pass the public subnets, e.g. loadBalancer: { subnets: ["subnet-pub-a", "subnet-pub-b"] }, or set loadBalancer.internetFacing: false for an internal ALB in the task subnets',
      ],
    ],
    [
      "an internal ALB in one subnet",
      canary({ subnets: ["subnet-a"], loadBalancer: { internetFacing: false } }),
      [
        "subnets: names fewer than 2 subnets; an Application Load Balancer needs subnets in two Availability Zones; pass two or more subnets in different Availability Zones",
      ],
    ],
    [
      "tags AWS refuses and a readiness path no tag can hold",
      canary({
        tags: { "aws:owner": "me", team: "a&b" },
        health: { readiness: { path: "/ready?deep=1" } },
      }),
      [
        "tags.aws:owner: is not an AWS tag key or value; use letters, digits, spaces and _ . : / = + - @ (keys 1-128, values up to 256 characters, keys not starting with aws:)",
        "tags.team: is not an AWS tag key or value; use letters, digits, spaces and _ . : / = + - @ (keys 1-128, values up to 256 characters, keys not starting with aws:)",
        'health.readiness.path: cannot be recorded in the task definition\'s tag (AWS tag values take letters, digits, spaces and _ . : / = + - @, up to 256); use a path such as "/healthz"',
      ],
    ],
    [
      "shared-listener conditions beyond ALB's 3 values per condition and 5 per rule (the header rule adds one)",
      canary({
        ...TASKS,
        loadBalancer: undefined,
        securityGroups: ["sg-tasks"],
        listener: {
          listenerArn: SHARED_LISTENER,
          priority: 20,
          conditions: [
            { hostHeader: { values: ["a.example.com", "b.example.com", "c.example.com", "d.example.com"] } },
            { pathPattern: { values: ["/web/*"] } },
          ],
          endpoint: "https://a.example.com/web",
        },
      }),
      [
        "listener.conditions[0]: compares 4 values; an ALB rule condition takes at most 3; split it into conditions of at most 3 values, or use a wildcard",
        "listener.conditions: compare 5 values; an ALB rule takes at most 4 (the header route's rule adds its header as a fifth); use fewer values, e.g. one host-header with a wildcard",
      ],
    ],
    [
      "bad environment names and a name in both maps",
      canary({
        env: { "1BAD": "x", DB: "y" },
        secretEnv: { DB: "arn:aws:ssm:eu-west-1:123456789012:parameter/db" },
      }),
      [
        "env.1BAD: is not a valid environment variable name; use letters, digits and _, not starting with a digit",
        "secretEnv.DB: is set in both env and secretEnv; keep it in one of them",
      ],
    ],
    [
      "a secret that is not a reference",
      canary({ secretEnv: { DB_PASSWORD: "hunter2" } }),
      [
        'secretEnv.DB_PASSWORD: is not a Secrets Manager secret ARN (optionally with :json-key:stage:version) or an SSM parameter ARN; use e.g. "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf:password::"',
      ],
    ],
    [
      "readiness outside ALB's ranges",
      canary({
        health: {
          readiness: {
            path: "/ready",
            interval: "3s",
            timeout: "3s",
            failureThreshold: 11,
            expectedStatus: [200, 503],
          },
        },
      }),
      [
        'health.readiness.interval: must be 5-300 seconds on an ALB target group; use e.g. "10s"',
        'health.readiness.timeout: must be 2-120 seconds and shorter than the interval (3s) on an ALB target group; use e.g. "2s"',
        "health.readiness.failureThreshold: must be at most 10 on an ALB target group; use 2-10",
        "health.readiness.expectedStatus: ALB health checks accept only statuses 200-499; keep expectedStatus within 200-499",
      ],
    ],
    [
      "liveness outside ECS's ranges",
      canary({
        health: {
          liveness: {
            path: "/healthz",
            interval: "400s",
            timeout: "90s",
            successThreshold: 2,
            initialDelay: "6m",
          },
        },
      }),
      [
        "health.liveness.interval: must be 5-300 on an ECS container health check; use a value from 5 to 300",
        "health.liveness.timeout: must be 2-60 on an ECS container health check; use a value from 2 to 60",
        "health.liveness.initialDelay: must be 0-300 on an ECS container health check; use a value from 0 to 300",
        "health.liveness.successThreshold: ECS container health checks have no success threshold; remove successThreshold from the liveness check",
      ],
    ],
    [
      "a shared listener with a bad priority, no conditions, a created ALB's options and no task groups",
      canary({
        loadBalancer: { port: 80 },
        listener: {
          listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/x/1/2",
          priority: 1,
          conditions: [],
          endpoint: "https://x",
        },
      }),
      [
        "securityGroups: is required when the load balancer's security groups are not created here (listener or loadBalancer.securityGroups is set); pass the tasks' security groups, admitting port 8080 from the load balancer",
        "loadBalancer: is ignored when listener is given; remove loadBalancer, or remove listener to create an ALB",
        "listener.priority: must be a whole number from 2 to 50000 (the header route takes priority - 1); use a priority no other rule of the listener has, e.g. 100",
        'listener.conditions: must list at least one condition; add e.g. { hostHeader: { values: ["web.example.com"] } }',
        "listener.listenerArn: is not an Application Load Balancer listener ARN; use the ARN of an ALB listener (…:listener/app/<name>/<id>/<id>)",
      ],
    ],
    [
      "autoscaling below the floor",
      canary({ autoscaling: { minReplicas: 3, maxReplicas: 2, targetCpuPercent: 0 } }),
      [
        "autoscaling.maxReplicas: must be a whole number of at least minReplicas (3); use 3 or more",
        "autoscaling.targetCpuPercent: must be a percentage above 0 and at most 100; use e.g. 60",
      ],
    ],
    [
      "a log retention CloudWatch has not, a long drain and a zero stickiness",
      canary({ logRetentionDays: 10, deregistrationDelay: "2h", stickiness: 0 }),
      [
        "logRetentionDays: is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 180, 365 (0 keeps logs forever)",
        'deregistrationDelay: must be at most 3600 seconds; use e.g. "30s"',
        "stickiness: must be at least 1s; use 1s or more",
      ],
    ],
    [
      "an ECS service name prefix with a dot",
      canary({ serviceName: "web.v1" }),
      ["serviceName: is not a valid ECS service name prefix; use letters, digits, - and _ (at most 240)"],
    ],
    [
      "an unknown controller",
      canary({ controller: "codedeploy" as "ecs" }),
      ['controller: must be "driver" or "ecs"; use "driver" (the default) or "ecs"'],
    ],
    [
      "a blue-green idle count below 0",
      () => new BlueGreenService("web", { ...NETWORK, version: "v1", idleReplicas: -1 }),
      ["idleReplicas: must be a whole number of at least 0; use 0 to scale the idle colour down"],
    ],
    [
      "a rolling service on a shared listener at priority 0",
      () =>
        new RollingService("web", {
          ...TASKS,
          version: "v1",
          securityGroups: ["sg"],
          listener: {
            listenerArn: SHARED_LISTENER,
            priority: 0,
            conditions: [{ pathPattern: { values: ["/*"] } }],
            endpoint: "https://x",
          },
        }),
      [
        "listener.priority: must be a whole number from 1 to 50000; use a priority no other rule of the listener has, e.g. 100",
      ],
    ],
  ];
  for (const [title, build, expected] of cases) {
    it(`rejects ${title}, creating nothing`, () => {
      assert.deepEqual(problemsOf(build), expected);
      assert.equal(recorded.length, 0);
    });
  }

  it("lists every problem in one error that names the component", () => {
    assert.throws(canary({ cpu: 300, port: 0 }), (err: Error) => {
      assert.match(err.message, /^invalid CanaryService "web": 2 problems\n/);
      assert.match(err.message, /- cpu \(300\): is not a Fargate task size/);
      assert.match(err.message, /- port \(0\): must be a port from 1 to 65535/);
      return true;
    });
  });

  it("rejects two services with one name in one cluster", () => {
    new CanaryService("web", { ...NETWORK, version: "v1" });
    assert.deepEqual(
      problemsOf(() => new RollingService("web", { ...NETWORK, version: "v1" })),
      [
        'name: CanaryService "web" already uses this name on aws namespace "arn:aws:ecs:eu-west-1:123456789012:cluster/main"; give each service in the stack its own name',
      ],
    );
  });
});
