// Property: whatever name and args the AWS components accept, in every traffic state of their
// strategy, every resource they declare is within the AWS constraint table.

import type * as pulumi from "@pulumi/pulumi";
import * as fc from "fast-check";
import { BlueGreenService, CanaryService, RollingService } from "../../../components/aws";
import { Strategy } from "../../../components/core";
import {
  PUBLIC_SUBNETS,
  promiseOf,
  recorded,
  SHARED_LISTENER,
  settle,
  TASKS,
  useAwsMocks,
} from "../aws/harness";
import {
  blueGreenTraffic,
  canaryTraffic,
  componentName,
  health,
  port,
  replicas,
  rollingOptions,
  userTags,
  version,
} from "./arbitraries";
import { accepted, assertNoViolations, check } from "./property";

const FILE = "test/unit/constraints/aws.property.test.ts";

/** Where the service sits: a created ALB (internet-facing or internal) or a shared listener. */
const network = fc.oneof(
  fc.record({
    loadBalancer: fc.record({
      subnets: fc.constant<string[]>(PUBLIC_SUBNETS),
      internetFacing: fc.boolean(),
      port: fc.constantFrom(80, 443, 8000),
    }),
  }),
  fc.record({
    securityGroups: fc.constant<string[]>(["sg-tasks"]),
    listener: fc.record({
      listenerArn: fc.constant(SHARED_LISTENER),
      priority: fc.integer({ min: 2, max: 50000 }),
      conditions: fc.constant<{ hostHeader: { values: string[] } }[]>([
        { hostHeader: { values: ["web.example.com"] } },
      ]),
      endpoint: fc.constant("https://web.example.com"),
    }),
  }),
);

/** Args every AWS component shares. */
const shared = fc.record({
  name: componentName,
  network,
  replicas,
  port,
  health,
  tags: userTags,
  createCluster: fc.boolean(),
  serviceName: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/), { nil: undefined }),
  secretEnv: fc.option(
    fc.constantFrom<Record<string, string>>(
      { DB: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db" },
      { DB: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:web/db-AbCdEf:password::" },
      { TOKEN: "arn:aws:ssm:eu-west-1:123456789012:parameter/web/token" },
    ),
    { nil: undefined },
  ),
  autoscaling: fc.option(fc.record({ maxReplicas: fc.integer({ min: 12, max: 40 }) }), { nil: undefined }),
});

type Shared = typeof shared extends fc.Arbitrary<infer T> ? T : never;

function baseArgs(s: Shared) {
  return {
    ...TASKS,
    ...(s.createCluster ? { cluster: undefined } : {}),
    ...s.network,
    replicas: s.replicas,
    port: s.port,
    ...(s.health ? { health: s.health } : {}),
    ...(s.tags ? { tags: s.tags } : {}),
    ...(s.serviceName ? { serviceName: s.serviceName } : {}),
    ...(s.secretEnv ? { secretEnv: s.secretEnv } : {}),
    ...(s.autoscaling ? { autoscaling: s.autoscaling } : {}),
  };
}

/** Builds one program, waits for its resources, and checks them; refused args do not count. */
async function program(build: () => { release: pulumi.Output<unknown> }): Promise<void> {
  await useAwsMocks();
  let component: { release: pulumi.Output<unknown> } | undefined;
  fc.pre(
    accepted(() => {
      component = build();
    }),
  );
  await promiseOf(component?.release as pulumi.Output<unknown>);
  await settle();
  assertNoViolations(recorded);
}

describe("constraints: AWS components stay within the AWS table for everything they accept", function () {
  this.timeout(120_000);

  it("CanaryService (driver): any name, weight, header route, stickiness and network", () =>
    check(
      FILE,
      fc.record({
        s: shared,
        traffic: canaryTraffic,
        header: fc.boolean(),
        stickiness: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }),
      }),
      ({ s, traffic, header, stickiness }) =>
        program(
          () =>
            new CanaryService(s.name, {
              ...baseArgs(s),
              traffic,
              strategy: Strategy.canary(header ? {} : { headerRoute: false }),
              ...(stickiness !== undefined ? { stickiness } : {}),
            }),
        ),
    ));

  it("BlueGreenService (driver): either colour, a candidate or not, idle replicas, preview on or off", () =>
    check(
      FILE,
      fc.record({
        s: shared,
        traffic: blueGreenTraffic,
        idle: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
        preview: fc.boolean(),
      }),
      ({ s, traffic, idle, preview }) =>
        program(
          () =>
            new BlueGreenService(s.name, {
              ...baseArgs(s),
              traffic,
              ...(idle !== undefined ? { idleReplicas: idle } : {}),
              strategy: Strategy.blueGreen({ previewService: preview, autoPromote: false }),
            }),
        ),
    ));

  it("RollingService: rolling percentages or counts, or recreate, on any number of tasks", () =>
    check(
      FILE,
      fc.record({ s: shared, v: version, rolling: fc.option(rollingOptions, { nil: undefined }) }),
      ({ s, v, rolling }) =>
        program(
          () =>
            new RollingService(s.name, {
              ...baseArgs(s),
              traffic: { stableVersion: v },
              strategy: rolling ? Strategy.rolling(rolling) : Strategy.recreate(),
            }),
        ),
    ));

  /** ECS's own strategies: one canary weight with its bake, or equal linear steps, or blue-green. */
  const ecsStrategy = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 0, max: 1500 })).map(([weight, minutes]) => ({
      kind: "canary" as const,
      steps: [{ setWeight: weight }, { pause: { duration: `${minutes}m` } }, { setWeight: 100 }],
    })),
    fc.tuple(fc.integer({ min: 3, max: 50 }), fc.integer({ min: 1, max: 60 })).map(([step, minutes]) => {
      const weights: number[] = [];
      for (let w = step; w < 100; w += step) weights.push(w);
      return {
        kind: "canary" as const,
        steps: [
          ...weights.flatMap((w) => [{ setWeight: w }, { pause: { duration: `${minutes}m` } }]),
          { setWeight: 100 },
        ],
      };
    }),
    fc.integer({ min: 0, max: 1500 }).map((minutes) => ({
      kind: "blueGreen" as const,
      autoPromote: true,
      scaleDownDelay: `${minutes}m`,
    })),
  );

  it("controller ecs: ECS's CANARY, LINEAR and BLUE_GREEN with any bake", () =>
    check(FILE, fc.record({ s: shared, strategy: ecsStrategy, v: version }), ({ s, strategy, v }) =>
      program(() => {
        const args = {
          ...baseArgs({ ...s, autoscaling: undefined }),
          health: { readiness: { path: "/ready" } },
          controller: "ecs" as const,
          traffic: { stableVersion: v, candidateWeight: 0 },
        };
        return strategy.kind === "blueGreen"
          ? new BlueGreenService(s.name, { ...args, strategy })
          : new CanaryService(s.name, { ...args, strategy });
      }),
    ));
});
