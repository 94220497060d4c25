import * as assert from "node:assert/strict";
import {
  deploymentPercents,
  ecsBaseName,
  imageFor,
  loadBalancerDimension,
  parseSecretReference,
  policyResource,
  secretsPolicy,
  statusMatcher,
  targetGroupDimension,
  weightedForward,
} from "../../../components/aws";
import { type RollingStrategy, resolveStrategy, Strategy } from "../../../components/core";

const rolling = (s: ReturnType<typeof Strategy.rolling>) =>
  resolveStrategy(s, "strategy", []) as RollingStrategy;

describe("aws: plan maths", () => {
  it("lists every target group in a weighted forward, stickiness off unless asked", () => {
    assert.deepEqual(
      weightedForward([
        { arn: "a", weight: 100 },
        { arn: "b", weight: 0 },
      ]),
      {
        type: "forward",
        forward: {
          targetGroups: [
            { arn: "a", weight: 100 },
            { arn: "b", weight: 0 },
          ],
          stickiness: { enabled: false, duration: 1 },
        },
      },
    );
    assert.deepEqual(weightedForward([{ arn: "a", weight: 5 }], 90.5).forward.stickiness, {
      enabled: true,
      duration: 91,
    });
  });

  const percents: [
    string,
    ReturnType<typeof Strategy.rolling>,
    number,
    { minimumHealthyPercent: number; maximumPercent: number },
  ][] = [
    ["25 % / 25 %", Strategy.rolling(), 4, { minimumHealthyPercent: 75, maximumPercent: 125 }],
    [
      "1 unavailable of 3",
      Strategy.rolling({ maxUnavailable: 1, maxSurge: 0 }),
      3,
      { minimumHealthyPercent: 66, maximumPercent: 100 },
    ],
    [
      "1 surge of 3",
      Strategy.rolling({ maxUnavailable: 0, maxSurge: 1 }),
      3,
      { minimumHealthyPercent: 100, maximumPercent: 134 },
    ],
    [
      "all unavailable",
      Strategy.rolling({ maxUnavailable: "100%", maxSurge: 0 }),
      2,
      { minimumHealthyPercent: 0, maximumPercent: 100 },
    ],
  ];
  for (const [title, strategy, replicas, expected] of percents) {
    it(`deployment percentages: ${title} on ${replicas} tasks`, () => {
      assert.deepEqual(deploymentPercents(rolling(strategy), replicas), expected);
    });
  }

  // 25 % / 25 % as Kubernetes rounds it (surge up, unavailable down), then the percentages ECS turns
  // back into those counts (floor rounded up, ceiling down). Mapped straight to 75 / 125, 2 tasks
  // got a floor and a ceiling of 2: no task could start or stop, and `up` waited until it timed out.
  const quarter: [number, { minimumHealthyPercent: number; maximumPercent: number }, number, number][] = [
    [1, { minimumHealthyPercent: 100, maximumPercent: 200 }, 1, 2],
    [2, { minimumHealthyPercent: 100, maximumPercent: 150 }, 2, 3],
    [3, { minimumHealthyPercent: 100, maximumPercent: 134 }, 3, 4],
    [4, { minimumHealthyPercent: 75, maximumPercent: 125 }, 3, 5],
  ];
  for (const [replicas, expected, floor, ceiling] of quarter) {
    it(`deployment percentages: 25 % / 25 % on ${replicas} task(s) let ECS run ${floor}-${ceiling} tasks`, () => {
      const percents = deploymentPercents(rolling(Strategy.rolling()), replicas);
      assert.deepEqual(percents, expected);
      assert.equal(Math.ceil((replicas * percents.minimumHealthyPercent) / 100), floor);
      assert.equal(Math.floor((replicas * percents.maximumPercent) / 100), ceiling);
      // A deployment can start a task above the current count or stop one below it.
      assert.ok(ceiling > replicas || floor < replicas);
    });
  }

  it("deployment percentages: shares that round to no task at all still let one task be replaced", () => {
    const percents = deploymentPercents(
      rolling(Strategy.rolling({ maxSurge: "0%", maxUnavailable: "10%" })),
      2,
    );
    assert.deepEqual(percents, { minimumHealthyPercent: 50, maximumPercent: 100 });
  });
  it("deployment percentages: recreate is 0 / 100", () => {
    assert.deepEqual(deploymentPercents({ kind: "recreate", progressDeadlineSeconds: 300 }, 4), {
      minimumHealthyPercent: 0,
      maximumPercent: 100,
    });
  });

  it("names images from a repository, a template or a function", () => {
    assert.equal(imageFor("repo/web", "v1"), "repo/web:v1");
    assert.equal(imageFor("repo/web:{version}-arm64", "v1"), "repo/web:v1-arm64");
    assert.equal(
      imageFor((v) => `x@${v}`, "v1"),
      "x@v1",
    );
  });

  it("renders ALB matchers", () => {
    assert.equal(statusMatcher([{ min: 200, max: 399 }]), "200-399");
    assert.equal(
      statusMatcher([
        { min: 200, max: 200 },
        { min: 204, max: 204 },
      ]),
      "200,204",
    );
  });

  const refs: [string, ReturnType<typeof parseSecretReference>][] = [
    [
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
      {
        service: "secretsmanager",
        resourceArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
      },
    ],
    [
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password:AWSCURRENT:",
      {
        service: "secretsmanager",
        resourceArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
      },
    ],
    [
      "arn:aws:ssm:eu-west-1:123456789012:parameter/web/token",
      { service: "ssm", resourceArn: "arn:aws:ssm:eu-west-1:123456789012:parameter/web/token" },
    ],
    ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:a:b:c:d", undefined],
    ["hunter2", undefined],
  ];
  for (const [valueFrom, expected] of refs) {
    it(`parses the secret reference ${valueFrom}`, () =>
      assert.deepEqual(parseSecretReference(valueFrom), expected));
  }

  it("scopes the secrets policy to each secret once, with no empty statements", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf";
    assert.deepEqual(
      secretsPolicy([
        { service: "secretsmanager", resourceArn: arn },
        { service: "secretsmanager", resourceArn: arn },
      ]),
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [arn] }],
      },
    );
  });

  it("grants a secret named by a partial ARN through AWS's -?????? form, which IAM matches", () => {
    // `secret:web/db` is how ECS accepts a secret; its real ARN is `secret:web/db-AbCdEf`, which the
    // partial ARN alone does not match in a policy.
    const partial = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:web/db";
    assert.equal(policyResource({ service: "secretsmanager", resourceArn: partial }), `${partial}-??????`);
    const full = `${partial}-AbCdEf`;
    assert.equal(policyResource({ service: "secretsmanager", resourceArn: full }), full);
    const parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db";
    assert.equal(policyResource({ service: "ssm", resourceArn: parameter }), parameter);
  });

  it("takes the CloudWatch dimensions from ARNs", () => {
    const elb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012";
    assert.equal(
      loadBalancerDimension(`${elb}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`),
      "app/web/50dc6c495c0c9188",
    );
    assert.equal(
      loadBalancerDimension(`${elb}:loadbalancer/app/web/50dc6c495c0c9188`),
      "app/web/50dc6c495c0c9188",
    );
    assert.equal(loadBalancerDimension(`${elb}:listener/net/web/1/2`), undefined);
    assert.equal(
      targetGroupDimension(`${elb}:targetgroup/web-stable/73e2d6bc24d8a067`),
      "targetgroup/web-stable/73e2d6bc24d8a067",
    );
  });

  it("makes ECS service names from Pulumi names", () => {
    assert.equal(ecsBaseName("shop/web.api"), "shop-web-api");
    assert.equal(ecsBaseName("..."), "service");
  });
});
