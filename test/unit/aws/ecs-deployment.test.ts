// The router control of ECS-managed services against a fake ECS and ELBv2 (fake-ecs.ts). Request
// and answer shapes are the SDK's own; the structural types the control takes must fit the real
// SDK (checked at compile time below).
import * as assert from "node:assert/strict";
import type * as EcsSdk from "@aws-sdk/client-ecs";
import { routerControl } from "../../../automation/routers";
import {
  awsEcsDeploymentControl,
  type DescribeDeploymentsInput,
  type DescribeDeploymentsOutput,
  describeDeployment,
  ECS_PACKAGE,
  type EcsClientLike,
  type EcsSdkLike,
  ecsDeploymentReading,
  type ListDeploymentsInput,
  type ListDeploymentsOutput,
  loadEcsSdk,
  type StopDeploymentInput,
} from "../../../automation/routers/aws/ecs-deployment";
import { CLUSTER, DESCRIPTOR, FakeAws, frame, REV_NEW, RULE, SERVICE } from "./fake-ecs";

// Compile-time: the real SDK module and client fit the structural types; what the control sends
// is a request the SDK takes; what the SDK answers is what the control reads.
const sdkFits: (m: typeof EcsSdk) => EcsSdkLike = (m) => m;
const clientFits: (c: EcsSdk.ECSClient) => EcsClientLike = (c) => c;
const listFits: (i: ListDeploymentsInput) => EcsSdk.ListServiceDeploymentsCommandInput = (i) => i;
const describeFits: (i: DescribeDeploymentsInput) => EcsSdk.DescribeServiceDeploymentsCommandInput = (i) => i;
const stopFits: (i: StopDeploymentInput) => EcsSdk.StopServiceDeploymentCommandInput = (i) => i;
const listOutFits: (o: EcsSdk.ListServiceDeploymentsCommandOutput) => ListDeploymentsOutput = (o) => o;
const describeOutFits: (o: EcsSdk.DescribeServiceDeploymentsCommandOutput) => DescribeDeploymentsOutput = (
  o,
) => o;
void [sdkFits, clientFits, listFits, describeFits, stopFits, listOutFits, describeOutFits];

const expect = { stableVersion: "v2", candidateWeight: 0 };

function control(aws: FakeAws) {
  return awsEcsDeploymentControl(DESCRIPTOR, { client: aws.ecs, elbClient: aws.elb });
}

describe("aws: ECS-managed deployments, router control", () => {
  it("is the control routerControl picks for aws-ecs-deployment", () => {
    assert.equal(routerControl(DESCRIPTOR, {}).kind, "aws-ecs-deployment");
  });

  it("reads a shift in progress as verified when the production rule applies ECS's asked split", async () => {
    const aws = new FakeAws();
    aws.start("d1", [frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10])]);
    const reading = await control(aws).read(expect);
    assert.equal(reading.verified, true);
    assert.ok(reading.verified);
    assert.equal(reading.candidateWeight, 10);
    assert.match(
      reading.detail,
      /ECS deployment d1 IN_PROGRESS, stage PRODUCTION_TRAFFIC_SHIFT, new revision 2222 10%/,
    );
    assert.match(reading.detail, /production rule primary=90% alternate=10%/);
    assert.deepEqual(aws.requests, [
      { op: "ListServiceDeployments", input: { cluster: CLUSTER, service: SERVICE } },
      {
        op: "DescribeServiceDeployments",
        input: { serviceDeploymentArns: [aws.deployments[0]?.serviceDeploymentArn] },
      },
      { op: "DescribeRules", input: { RuleArns: [RULE] } },
    ]);
  });

  it("reads unverified, with both numbers, when the rule is not at ECS's asked weight", async () => {
    const aws = new FakeAws();
    aws.start("d1", [frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, [90, 10])]);
    const reading = await control(aws).read(expect);
    assert.ok(!reading.verified);
    assert.match(
      reading.reason,
      /ECS asks 25% for the new revision, but the production rule primary=90% alternate=10% \(ECS may be between steps; read again\)$/,
    );
  });

  it("reads unverified while ECS reports no asked weight, and when the rule cannot be read", async () => {
    const aws = new FakeAws();
    aws.start("d1", [frame("IN_PROGRESS", "SCALE_UP", undefined, [100, 0])]);
    const r1 = await control(aws).read(expect);
    assert.ok(!r1.verified);
    assert.match(r1.reason, /ECS reports no requested production weight for the new revision yet$/);
    const noElb = awsEcsDeploymentControl(DESCRIPTOR, {
      client: aws.ecs,
      importer: async (name) => {
        if (name === ECS_PACKAGE) return import(name);
        throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
      },
    });
    aws.frames.set(aws.deployments[0]?.serviceDeploymentArn ?? "", [
      frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10]),
    ]);
    const r2 = await noElb.read(expect);
    assert.ok(!r2.verified);
    assert.match(
      r2.reason,
      /ECS asks 10% for the new revision, but could not read production rule 0a1b2c3d4e5f6a7b: install @aws-sdk\/client-elastic-load-balancing-v2/,
    );
  });

  it("reads 0 % verified when no deployment runs and the rule sends everything to one group", async () => {
    const aws = new FakeAws();
    aws.start("d1", [frame("SUCCESSFUL", "CLEAN_UP", 100, [0, 100])]);
    const reading = await control(aws).read(expect);
    assert.ok(reading.verified);
    assert.equal(reading.candidateWeight, 0);
    const none = await control(new FakeAws()).read(expect);
    assert.ok(none.verified);
    assert.match(none.detail, /^no ECS deployment; production rule primary=100% alternate=0%$/);
  });

  it("brakes with StopServiceDeployment ROLLBACK and says ECS is rolling back until it is done", async () => {
    const aws = new FakeAws();
    const arn = aws.start("d1", [frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10])]);
    aws.rollbackFrames.set(arn, [frame("ROLLBACK_IN_PROGRESS", undefined, 0, [100, 0])]);
    const brake = await control(aws).sendAllToStable(expect, "v2");
    assert.equal(brake.applied, false);
    assert.match(
      brake.reason ?? "",
      /ECS is rolling back deployment d1 of service web \(status ROLLBACK_IN_PROGRESS\)/,
    );
    assert.deepEqual(
      aws.requests.filter((r) => r.op === "StopServiceDeployment"),
      [{ op: "StopServiceDeployment", input: { serviceDeploymentArn: arn, stopType: "ROLLBACK" } }],
    );
    // Once ECS reads ROLLBACK_SUCCESSFUL with all traffic on one group, the brake is applied; no second stop.
    aws.frames.set(arn, [frame("ROLLBACK_SUCCESSFUL", undefined, 0, [100, 0])]);
    assert.deepEqual(await control(aws).sendAllToStable(expect, "v2"), { applied: true });
    assert.equal(aws.requests.filter((r) => r.op === "StopServiceDeployment").length, 1);
  });

  it("does not claim a brake on a deployment that already succeeded", async () => {
    const aws = new FakeAws();
    aws.start("d1", [frame("SUCCESSFUL", "CLEAN_UP", 100, [0, 100])]);
    const brake = await control(aws).sendAllToStable(expect, "v2");
    assert.equal(brake.applied, false);
    assert.match(brake.reason ?? "", /already succeeded: the new revision serves all traffic/);
  });

  it("turns API failures into reasons that say what to do", async () => {
    const aws = new FakeAws();
    const denied = awsEcsDeploymentControl(DESCRIPTOR, {
      client: {
        send: async () => {
          throw Object.assign(new Error("not allowed"), { name: "AccessDeniedException" });
        },
      },
      elbClient: aws.elb,
    });
    const r = await denied.read(expect);
    assert.ok(!r.verified);
    assert.match(
      r.reason,
      /AccessDeniedException; give the driver's AWS credentials ecs:ListServiceDeployments/,
    );
  });

  it("names the package to install when the ECS SDK is missing", async () => {
    await assert.rejects(
      loadEcsSdk(async () => {
        throw Object.assign(new Error(`Cannot find module '${ECS_PACKAGE}'`), { code: "MODULE_NOT_FOUND" });
      }),
      /install @aws-sdk\/client-ecs to release ECS-managed services \(controller "ecs"\) \(npm install @aws-sdk\/client-ecs\)/,
    );
  });

  it("describes a deployment in one line, with ECS's own rollback reason and alarms", () => {
    const f = frame("ROLLBACK_IN_PROGRESS", undefined, 0, [100, 0], {
      statusReason: "alarm triggered",
      rollback: { reason: "CloudWatch alarm web-5xx in ALARM" },
      alarms: { triggeredAlarmNames: ["web-5xx"] },
    });
    assert.equal(
      describeDeployment({ serviceDeploymentArn: "arn:x/d9", ...f.deployment }),
      "ECS deployment d9 ROLLBACK_IN_PROGRESS, new revision 2222 0% (2/2 tasks), old 1111 100% (2/2 tasks), reason: alarm triggered, rollback: CloudWatch alarm web-5xx in ALARM, alarms: web-5xx",
    );
    assert.ok(REV_NEW.endsWith("2222"));
  });

  it("matches a mid-shift split by role when the candidate's role is known", () => {
    const dep = { status: "IN_PROGRESS", targetServiceRevision: { requestedProductionTrafficWeight: 10 } };
    const rule = {
      shares: { primary: 10, alternate: 90 },
      detail: "production rule primary=10% alternate=90%",
    };
    assert.equal(ecsDeploymentReading(dep, rule, "primary").verified, true);
    assert.equal(ecsDeploymentReading(dep, rule, "alternate").verified, false);
  });
});
