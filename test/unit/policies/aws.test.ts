// The AWS mapper and the pack's rules on AWS resources: ECS task definitions and services as
// workloads, load balancers as exposures. Each rule case changes one field of a good stack.

import * as assert from "node:assert/strict";
import type * as awsTypes from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { PLATFORMS, type PlatformMapper } from "../../../policies/platforms";
import { aws } from "../../../policies/platforms/aws";
import {
  healthChecks,
  imageDigest,
  imageTag,
  minReplicas,
  noPlaintextSecrets,
  publicExposure,
  resourceLimits,
} from "../../../policies/rules";
import {
  assertNoViolations,
  assertViolation,
  component,
  type FakeResource,
  resolved,
  run,
  stackArgs,
} from "./util";

type TaskDefinitionProps = Unwrap<awsTypes.ecs.TaskDefinitionArgs>;
type EcsServiceProps = Unwrap<awsTypes.ecs.ServiceArgs>;
type LoadBalancerProps = Unwrap<awsTypes.lb.LoadBalancerArgs>;
type Container = Unwrap<awsTypes.ecs.ContainerDefinition>;

const DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web";
const TAGS = (role: string, version = "v3") => ({
  "progressive.pulumi.io/strategy": "canary",
  "progressive.pulumi.io/role": role,
  "progressive.pulumi.io/version": version,
});

function goodContainer(overrides: Partial<Container> = {}): Container {
  return {
    name: "app",
    image: `${ECR}@${DIGEST}`,
    environment: [{ name: "LOG_LEVEL", value: "info" }],
    secrets: [
      { name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf" },
    ],
    healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost:8080/healthz || exit 1"] },
    ...overrides,
  };
}

function taskDefinition(
  name: string,
  container: Container,
  extra: Partial<TaskDefinitionProps> = {},
  parent = "web",
): FakeResource {
  const role = name.split("-")[1] ?? "app";
  const props: TaskDefinitionProps = {
    family: name,
    cpu: "256",
    memory: "512",
    containerDefinitions: JSON.stringify([container]),
    tags: { ...TAGS(role), "progressive.pulumi.io/readiness": "/ready" },
    ...extra,
  };
  // The stack builder keys resources by name: task definitions get their own.
  return { type: "aws:ecs/taskDefinition:TaskDefinition", name: `${name}-task`, props, parent };
}

function ecsService(
  name: string,
  desiredCount: number,
  extra: Partial<EcsServiceProps> = {},
  parent = "web",
): FakeResource {
  const props: EcsServiceProps = { name, desiredCount, tags: TAGS(name.split("-")[1] ?? "app"), ...extra };
  return { type: "aws:ecs/service:Service", name, props, parent };
}

function loadBalancer(name: string, props: LoadBalancerProps, parent = "web"): FakeResource {
  return { type: "aws:lb/loadBalancer:LoadBalancer", name, props, parent };
}

/** A good canary stack: digest images, secrets by reference, health checks, 3 stable tasks, internal ALB. */
function stack(
  change: {
    container?: Partial<Container>;
    stableCount?: number;
    lb?: LoadBalancerProps;
    td?: Partial<TaskDefinitionProps>;
  } = {},
): FakeResource[] {
  return [
    component("aws", "CanaryService", "web", {
      strategy: resolved({ kind: "canary" }),
      stableVersion: "v3",
      candidateVersion: "v4",
    }),
    taskDefinition("web-stable", goodContainer(change.container), change.td),
    taskDefinition("web-canary", goodContainer({ image: `${ECR}@${DIGEST}` })),
    ecsService("web-stable", change.stableCount ?? 3),
    ecsService("web-canary", 1),
    loadBalancer("web-alb", change.lb ?? { internal: true, loadBalancerType: "application" }),
  ];
}

describe("policies: aws mapper", () => {
  it("reads a task definition's containers, env sources, health checks and Fargate size", () => {
    const w = aws.workload({
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name: "web-stable-task",
      urn: "u",
      props: taskDefinition("web-stable", goodContainer()).props as Record<string, unknown>,
    });
    assert.deepEqual(w, {
      platform: "aws",
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name: "web-stable-task",
      urn: "u",
      role: "stable",
      strategy: "canary",
      version: "v3",
      containers: [
        {
          name: "app",
          image: `${ECR}@${DIGEST}`,
          env: [
            { name: "LOG_LEVEL", source: "value" },
            { name: "DB_PASSWORD", source: "secret", detail: "secretsmanager" },
          ],
          readiness: true,
          liveness: true,
          resources: { requests: ["cpu", "memory"], limits: ["cpu", "memory"] },
        },
      ],
      supportsLiveness: true,
    });
  });

  it("reads an ECS service's desired count and rolling percentages", () => {
    const read = (props: EcsServiceProps) =>
      aws.workload({
        type: "aws:ecs/service:Service",
        name: "s",
        urn: "u",
        props: props as Record<string, unknown>,
      });
    assert.deepEqual(
      read({ desiredCount: 4, deploymentMinimumHealthyPercent: 75, deploymentMaximumPercent: 125 }),
      {
        platform: "aws",
        type: "aws:ecs/service:Service",
        name: "s",
        urn: "u",
        replicas: 4,
        containers: [],
        supportsLiveness: true,
        update: { kind: "rolling", maxUnavailable: "25%", maxSurge: "25%" },
      },
    );
    assert.deepEqual(read({ deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100 })?.update, {
      kind: "recreate",
    });
    assert.equal(read({})?.replicas, 1);
    assert.equal(read({ schedulingStrategy: "DAEMON" })?.replicas, undefined);
  });

  it("maps load balancers as exposures, public unless internal", () => {
    const lb = (props: LoadBalancerProps) =>
      aws.exposure({
        type: "aws:lb/loadBalancer:LoadBalancer",
        name: "alb",
        urn: "u",
        props: props as Record<string, unknown>,
      });
    assert.equal(lb({})?.public, true);
    assert.equal(lb({ internal: false })?.public, true);
    assert.equal(lb({ internal: true })?.public, false);
    assert.deepEqual(lb({ internal: true, loadBalancerType: "network", name: "edge" })?.via, [
      "network",
      "edge",
    ]);
    assert.equal(
      aws.exposure({ type: "aws:ecs/service:Service", name: "s", urn: "u", props: {} }),
      undefined,
    );
  });
});

describe("policies: rules on AWS resources", () => {
  let added = false;
  before(() => {
    // Until the pack registers the AWS mapper (policies/platforms/index.ts), add it for these tests.
    if (!PLATFORMS.includes(aws)) {
      (PLATFORMS as PlatformMapper[]).push(aws);
      added = true;
    }
  });
  after(() => {
    if (added) (PLATFORMS as PlatformMapper[]).splice(PLATFORMS.indexOf(aws), 1);
  });

  it("passes a good stack on every rule here", async () => {
    for (const rule of [
      publicExposure(),
      noPlaintextSecrets(),
      imageTag(),
      imageDigest(),
      minReplicas(),
      healthChecks(),
      resourceLimits(),
    ]) {
      await assertNoViolations(rule, stackArgs(stack()));
    }
  });

  it("public-exposure: an internet-facing ALB", async () => {
    await assertViolation(
      publicExposure(),
      stackArgs(stack({ lb: { internal: false, loadBalancerType: "application" } })),
      'Make the LoadBalancer Service "web-alb" internal, or allow service "web" in public-exposure\'s allowedServices: it exposes "web" publicly.',
      "web-alb",
    );
  });

  it("no-plaintext-secrets: a secret in plain environment", async () => {
    await assertViolation(
      noPlaintextSecrets(),
      stackArgs(stack({ container: { environment: [{ name: "API_TOKEN", value: "abc" }] } })),
      'Read API_TOKEN of container "app" of "web-stable-task" from a secret (secretEnv; valueFrom.secretKeyRef on Kubernetes): it is a plain value.',
      "web-stable-task",
    );
  });

  it("image-tag: an ECR image without a tag", async () => {
    await assertViolation(
      imageTag(),
      stackArgs(stack({ container: { image: ECR } })),
      `Pin the image of container "app" of "web-stable-task" to a version tag or a digest: "${ECR}" has no tag, which means latest.`,
      "web-stable-task",
    );
  });

  it("image-digest: an ECR tag instead of a digest", async () => {
    await assertViolation(
      imageDigest(),
      stackArgs(stack({ container: { image: `${ECR}:v3` } })),
      `Pin the image of container "app" of "web-stable-task" by digest (image@sha256:...): "${ECR}:v3" has no digest, and its tag can be pushed again.`,
      "web-stable-task",
    );
  });

  it("min-replicas: one stable task in prod", async () => {
    await assertViolation(
      minReplicas(),
      stackArgs(stack({ stableCount: 1 })),
      'Set replicas of "web" to at least 2 in prod: "web-stable" runs 1.',
      "web-stable",
    );
  });

  it("health-checks: no container health check and no readiness tag", async () => {
    const td = { tags: TAGS("stable") };
    const outcome = stackArgs(stack({ container: { healthCheck: undefined }, td }));
    const result = await run(healthChecks(), outcome);
    assert.deepEqual(
      result.violations.map((v) => v.message),
      [
        'Define a readiness check for container "app" of "web-stable-task" (health.readiness): without one, traffic reaches instances before they are ready.',
        'Define a liveness check for container "app" of "web-stable-task" (health.liveness): without one, a hung instance is never restarted.',
      ],
    );
  });
});
