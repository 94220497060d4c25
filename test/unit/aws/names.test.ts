// Names of the AWS children: what fits is kept (existing stacks keep their URNs), what does not
// becomes a prefix and a hash of the whole name, within the provider's auto-naming and AWS's
// characters; the log group is per stack; managed policies follow the account's partition.

import * as assert from "node:assert/strict";
import {
  AUTO_NAMED,
  autoNamed,
  BlueGreenService,
  CanaryService,
  ECS_LOAD_BALANCER_POLICY,
  EXECUTION_ROLE_POLICY,
  logGroupName,
} from "../../../components/aws";
import { Strategy } from "../../../components/core";
import { assertWithinTables } from "../../support/constraints";
import {
  all,
  canaryArgs,
  deploy,
  LOAD_BALANCER,
  NETWORK,
  ROLE,
  ROLE_POLICY_ATTACHMENT,
  recorded,
  setPartition,
  TARGET_GROUP,
  useAwsMocks,
} from "./harness";

describe("aws: names", () => {
  beforeEach(useAwsMocks);

  const cases: [string, string, string, keyof typeof AUTO_NAMED, string][] = [
    ["a name that fits stays as it is", "web", "canary", "targetGroup", "web-canary"],
    [
      "24 characters with the suffix fit exactly",
      "checkout-api-01",
      "stable",
      "targetGroup",
      "checkout-api-01-stable",
    ],
    [
      "a long name keeps a prefix and a hash",
      "checkout-service-frontend",
      "stable",
      "targetGroup",
      "checkout-s-536596-stable",
    ],
    [
      "underscores and capitals become a valid name",
      "Shop_Web",
      "canary",
      "targetGroup",
      "shop-web-d58650-canary",
    ],
    [
      '"internal-" starts no load balancer',
      "internal-api",
      "alb",
      "loadBalancer",
      "xinternal-api-26023b-alb",
    ],
    ['"sg-" starts no security group', "sg-web", "tasks", "securityGroup", "xsg-web-2f4453-tasks"],
    [
      "IAM roles take 64 with the suffix",
      "a".repeat(40),
      "ecs-infrastructure",
      "role",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-eb83bc-ecs-infrastructure",
    ],
  ];
  for (const [title, name, role, rule, expected] of cases) {
    it(`${title}: ${name} -> ${expected}`, () => {
      const logical = autoNamed(name, role, AUTO_NAMED[rule]);
      assert.equal(logical, expected);
      assert.ok(`${logical}-0a1b2c3`.length <= AUTO_NAMED[rule].max);
    });
  }

  it("two long names that share a prefix get two names", () => {
    const a = autoNamed("checkout-service-frontend-eu", "stable", AUTO_NAMED.targetGroup);
    const b = autoNamed("checkout-service-frontend-us", "stable", AUTO_NAMED.targetGroup);
    assert.notEqual(a, b);
  });

  it("a 40-character name with an underscore deploys every resource within AWS's limits", async () => {
    const name = "checkout_service_frontend_eu_west_blue01";
    await deploy(
      () =>
        new CanaryService(name, {
          ...canaryArgs({ traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 } }),
          cluster: undefined,
          secretEnv: { DB: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db" },
          autoscaling: { maxReplicas: 4 },
        }),
    );
    assertWithinTables(recorded);
    for (const tg of all(TARGET_GROUP)) assert.ok(`${tg.name}-0a1b2c3`.length <= 32, tg.name);
    assert.equal(all(LOAD_BALANCER)[0]?.name, "checkout-serv-dadfbb-alb");
  });

  it("gives each stack its own log group, so staging and prod share an account", () => {
    assert.equal(logGroupName("shop", "staging", "web"), "/ecs/shop/staging/web");
    assert.notEqual(logGroupName("shop", "staging", "web"), logGroupName("shop", "prod", "web"));
  });

  it("attaches the managed policies by their ARNs in the account's partition", async () => {
    assert.equal(
      ECS_LOAD_BALANCER_POLICY,
      "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
    );
    assert.equal(
      EXECUTION_ROLE_POLICY,
      "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    );
    setPartition("aws-cn");
    await deploy(
      () =>
        new BlueGreenService("web", {
          ...NETWORK,
          version: "v1",
          controller: "ecs",
          health: { readiness: { path: "/ready" } },
          strategy: Strategy.blueGreen({ autoPromote: true, scaleDownDelay: "10m" }),
        }),
    );
    assert.deepEqual(
      all(ROLE_POLICY_ATTACHMENT)
        .map((a) => a.inputs.policyArn)
        .sort(),
      [
        "arn:aws-cn:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
        "arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
      ],
    );
    assert.equal(all(ROLE).length, 2);
    assertWithinTables(recorded);
  });
});
