// The driver's AWS side against a real AWS API emulator (moto, scripts/ensure-moto.sh): the ALB
// router control reads the weights AWS stores and pulls the revert brake with ModifyListener /
// ModifyRule, and the CloudWatch builtin computes per-target-group rates from seeded metric data.
// moto is started on a free 127.0.0.1 port for the suite and stopped by PID after it. Under
// CI=true a missing moto fails the suite; locally it is skipped with the reason.
import * as assert from "node:assert/strict";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { createCloudWatchAlbSource } from "../../automation/metrics/builtin-aws";
import { MetricQueryError } from "../../automation/metrics/types";
import { awsAlbControl } from "../../automation/routers/aws/alb";
import {
  classifyMeasurement,
  DEFAULT_5XX_TRIGGER,
  type MetricCheck,
  type RouterDescriptor,
  resolveMetricCheck,
} from "../../components/core";
import { MOTO_ENV, type Moto, startMoto } from "../support/moto";

const REGION = MOTO_ENV.AWS_REGION;

/** The default VPC's subnets, through EC2's query API (moto routes by the credential scope). */
async function defaultSubnets(endpoint: string): Promise<{ vpcId: string; subnets: string[] }> {
  const res = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: "Action=DescribeSubnets&Version=2016-11-15",
  });
  const xml = await res.text();
  const subnets = [...xml.matchAll(/<subnetId>([^<]+)<\/subnetId>/g)].map((m) => m[1] as string);
  const vpcId = /<vpcId>([^<]+)<\/vpcId>/.exec(xml)?.[1] as string;
  return { vpcId, subnets: subnets.slice(0, 2) };
}

interface Seeded {
  readonly lb: string;
  readonly listener: string;
  readonly rule: string;
  readonly stable: string;
  readonly canary: string;
}

function forwardTo(groups: [string, number][]) {
  return [
    {
      Type: "forward" as const,
      ForwardConfig: { TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) },
    },
  ];
}

describe("engine: AWS ALB router control and CloudWatch builtin against moto", function () {
  this.timeout(120_000);
  let moto: Moto;
  let elb: ElasticLoadBalancingV2Client;
  let seeded: Seeded;
  const saved: Record<string, string | undefined> = {};

  before(async function () {
    moto = await startMoto(this);
    for (const [k, v] of Object.entries(MOTO_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    elb = new ElasticLoadBalancingV2Client({ region: REGION, endpoint: moto.endpoint });
    const { vpcId, subnets } = await defaultSubnets(moto.endpoint);
    const lb = await elb.send(
      new CreateLoadBalancerCommand({ Name: "web-alb", Subnets: subnets, Type: "application" }),
    );
    const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
    const tg = async (Name: string) =>
      (
        await elb.send(
          new CreateTargetGroupCommand({
            Name,
            Protocol: "HTTP",
            Port: 8080,
            VpcId: vpcId,
            TargetType: "ip",
          }),
        )
      ).TargetGroups?.[0]?.TargetGroupArn as string;
    const stable = await tg("web-stable");
    const canary = await tg("web-canary");
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: "HTTP",
        Port: 80,
        DefaultActions: forwardTo([
          [stable, 100],
          [canary, 0],
        ]),
      }),
    );
    const listenerArn = listener.Listeners?.[0]?.ListenerArn as string;
    const rule = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/api/*"] } }],
        Actions: forwardTo([
          [stable, 70],
          [canary, 30],
        ]),
      }),
    );
    seeded = { lb: lbArn, listener: listenerArn, rule: rule.Rules?.[0]?.RuleArn as string, stable, canary };
  });

  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    elb?.destroy();
    await moto?.stop();
  });

  const canaryRouter = (): Extract<RouterDescriptor, { kind: "aws-alb" }> => ({
    kind: "aws-alb",
    region: REGION,
    listenerArn: seeded.listener,
    targetGroups: { stable: seeded.stable, canary: seeded.canary },
  });
  const expect = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 };

  async function listenerWeights(): Promise<[string, number][]> {
    const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [seeded.listener] }));
    const groups = out.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
    return groups.map((g) => [g.TargetGroupArn === seeded.stable ? "stable" : "canary", g.Weight ?? -1]);
  }

  it("reads a weight step written to the listener back from AWS", async () => {
    // What `up` writes for setWeight 10: both groups listed.
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: seeded.listener,
        DefaultActions: forwardTo([
          [seeded.stable, 90],
          [seeded.canary, 10],
        ]),
      }),
    );
    const reading = await awsAlbControl(canaryRouter(), { endpoint: moto.endpoint }).read(expect);
    assert.equal(reading.verified, true, JSON.stringify(reading));
    assert.ok(reading.verified);
    assert.equal(reading.candidateWeight, 10);
    assert.equal(reading.detail, `listener ${seeded.listener} forward web-stable=90 web-canary=10`);
  });

  it("reads the weights of a listener rule", async () => {
    const reading = await awsAlbControl(
      { ...canaryRouter(), ruleArn: seeded.rule },
      { endpoint: moto.endpoint },
    ).read(expect);
    assert.ok(reading.verified, JSON.stringify(reading));
    assert.equal(reading.candidateWeight, 30);
  });

  it("pulls the brake: all traffic to stable, both groups still listed, read back", async () => {
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: seeded.listener,
        DefaultActions: forwardTo([
          [seeded.stable, 75],
          [seeded.canary, 25],
        ]),
      }),
    );
    const control = awsAlbControl(canaryRouter(), { endpoint: moto.endpoint });
    assert.deepEqual(await control.sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2"), {
      applied: true,
    });
    assert.deepEqual(await listenerWeights(), [
      ["stable", 100],
      ["canary", 0],
    ]);
    const reading = await control.read(expect);
    assert.ok(reading.verified);
    assert.equal(reading.candidateWeight, 0);
  });

  it("pulls the brake on a listener rule", async () => {
    const control = awsAlbControl({ ...canaryRouter(), ruleArn: seeded.rule }, { endpoint: moto.endpoint });
    assert.deepEqual(await control.sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2"), {
      applied: true,
    });
    const reading = await control.read(expect);
    assert.ok(reading.verified);
    assert.equal(reading.candidateWeight, 0);
  });

  it("reads and switches blue-green colours", async () => {
    const colors: Extract<RouterDescriptor, { kind: "aws-alb" }> = {
      kind: "aws-alb",
      region: REGION,
      listenerArn: seeded.listener,
      targetGroups: { blue: seeded.stable, green: seeded.canary },
    };
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: seeded.listener,
        DefaultActions: forwardTo([
          [seeded.stable, 0],
          [seeded.canary, 100],
        ]),
      }),
    );
    const control = awsAlbControl(colors, { endpoint: moto.endpoint });
    const bg = {
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "green" as const,
    };
    const before = await control.read(bg);
    assert.ok(before.verified);
    assert.equal(before.activeColor, "green");
    assert.equal(before.candidateWeight, 0);
    // Revert after a switch: blue (the old version) takes everything back.
    const result = await control.sendAllToStable(
      { stableVersion: "v1", candidateWeight: 0, activeColor: "blue" },
      "v2",
    );
    assert.deepEqual(result, { applied: true });
    const after = await control.read({ ...bg, activeColor: "blue" });
    assert.ok(after.verified);
    assert.equal(after.activeColor, "blue");
  });

  it("reports a listener that does not exist as unverified, naming the fix", async () => {
    const missing = seeded.listener.replace(/\/[^/]+$/, "/0000000000000000");
    const control = awsAlbControl({ ...canaryRouter(), listenerArn: missing }, { endpoint: moto.endpoint });
    const reading = await control.read(expect);
    assert.equal(reading.verified, false);
    assert.match(
      !reading.verified ? reading.reason : "",
      /: ListenerNotFoundException; check the stack's region and account/,
    );
  });

  it("reports an unreachable endpoint as unverified, and a brake not applied", async () => {
    const control = awsAlbControl(canaryRouter(), { endpoint: "http://127.0.0.1:9", timeoutMs: 3000 });
    const reading = await control.read(expect);
    assert.equal(reading.verified, false);
    assert.match(!reading.verified ? reading.reason : "", /could not read listener .*: /);
    const brake = await control.sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2");
    assert.equal(brake.applied, false);
  });

  describe("CloudWatch builtin", () => {
    const loadBalancer = "app/web-alb/50dc6c495c0c9188";
    const groups = {
      stable: "targetgroup/web-stable/73e2d6bc24d8a067",
      canary: "targetgroup/web-canary/6d0ecf831eec9f09",
      healthy: "targetgroup/web-healthy/1111111111111111",
      idle: "targetgroup/web-idle/2222222222222222",
    };
    const trigger = resolveMetricCheck(DEFAULT_5XX_TRIGGER, "check", []) as MetricCheck;

    before(async () => {
      const cw = new CloudWatchClient({ region: REGION, endpoint: moto.endpoint });
      const now = new Date();
      const put = (tg: string, name: string, values: number[]) =>
        cw.send(
          new PutMetricDataCommand({
            Namespace: "AWS/ApplicationELB",
            MetricData: values.map((Value, i) => ({
              MetricName: name,
              Dimensions: [
                { Name: "LoadBalancer", Value: loadBalancer },
                { Name: "TargetGroup", Value: tg },
              ],
              Timestamp: new Date(now.getTime() - (i + 1) * 60_000),
              Value,
              Unit: name === "TargetResponseTime" ? "Seconds" : "Count",
            })),
          }),
        );
      // Three minutes of traffic: the canary answers 10 % with 5xx, stable publishes no 5xx series.
      await put(groups.canary, "RequestCount", [100, 100, 100]);
      await put(groups.canary, "HTTPCode_Target_5XX_Count", [10, 10, 10]);
      await put(groups.canary, "TargetResponseTime", [0.2, 0.4]);
      await put(groups.stable, "RequestCount", [900, 900, 900]);
      await put(groups.stable, "TargetResponseTime", [0.1, 0.1]);
      await put(groups.healthy, "RequestCount", [200, 200]);
      await put(groups.healthy, "HTTPCode_Target_5XX_Count", [1, 1]);
      cw.destroy();
    });

    const source = (targetGroups: Record<string, string>, endpoint = moto.endpoint) =>
      createCloudWatchAlbSource(
        { kind: "cloudwatch-alb", region: REGION, loadBalancer, targetGroups },
        { endpoint, wait: async () => {}, timeoutMs: 5000 },
      );
    const versions = { candidate: "v2", stable: "v1" };

    it("computes the error rate per target group: Failed for a canary at 10 % 5xx, 0 for stable", async () => {
      const pair = await source({ stable: groups.stable, canary: groups.canary }).measure(
        "http5xxRate",
        versions,
        60,
      );
      assert.equal(pair.candidate.kind, "value");
      assert.equal(pair.candidate.kind === "value" && pair.candidate.value, 0.1);
      assert.equal(pair.stable.kind === "value" && pair.stable.value, 0);
      const value = pair.candidate.kind === "value" ? pair.candidate.value : undefined;
      assert.equal(classifyMeasurement({ value }, trigger).outcome, "Failed");
    });

    it("is Successful for a canary under the trigger", async () => {
      const pair = await source({ stable: groups.stable, canary: groups.healthy }).measure(
        "errorRate",
        versions,
        60,
      );
      const value = pair.candidate.kind === "value" ? pair.candidate.value : undefined;
      assert.equal(value, 0.005);
      assert.equal(classifyMeasurement({ value }, trigger).outcome, "Successful");
    });

    it("reads mean latency and throughput", async () => {
      const s = source({ stable: groups.stable, canary: groups.canary });
      const latency = await s.measure("meanLatency", versions, 60);
      assert.equal(
        latency.candidate.kind === "value" && Math.round(latency.candidate.value * 1000) / 1000,
        0.3,
      );
      const throughput = await s.measure("throughput", versions, 60);
      assert.equal(throughput.candidate.kind === "value" && throughput.candidate.value, 1);
      assert.equal(throughput.stable.kind === "value" && throughput.stable.value, 9);
    });

    it("is no data (Inconclusive) for a target group without requests", async () => {
      const pair = await source({ stable: groups.stable, canary: groups.idle }).measure(
        "errorRate",
        versions,
        60,
      );
      assert.equal(pair.candidate.kind, "noData");
      assert.equal(
        pair.candidate.kind === "noData" && pair.candidate.reason,
        `no requests to target group ${groups.idle} in the last 300 s`,
      );
      assert.equal(classifyMeasurement({}, trigger).outcome, "Inconclusive");
    });

    it("throws MetricQueryError (Error) when the endpoint is down", async () => {
      const down = source({ stable: groups.stable, canary: groups.canary }, "http://127.0.0.1:9");
      await assert.rejects(down.measure("errorRate", versions, 60), (err: unknown) => {
        assert.ok(err instanceof MetricQueryError);
        assert.equal(classifyMeasurement({ error: err.message }, trigger).outcome, "Error");
        return true;
      });
    });
  });
});
