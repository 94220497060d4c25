import * as assert from "node:assert/strict";
import { albMetricQueries, albMetricValue, seriesSums } from "../../../automation/metrics/builtin-aws";
import {
  albReading,
  albWeights,
  allToSlotActions,
  awsAlbControl,
  loadElbSdk,
} from "../../../automation/routers/aws/alb";

const TG = (n: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${n}/0123456789abcdef`;
const slots = { stable: TG("web-stable"), canary: TG("web-canary") };
const at = new Date(0);

describe("aws: ALB router maths", () => {
  it("reads weights by slot from a weighted forward, and a collapsed forward as 100", () => {
    const weighted = albWeights(
      [
        {
          Type: "forward",
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: slots.stable, Weight: 95 },
              { TargetGroupArn: slots.canary, Weight: 5 },
            ],
          },
        },
      ],
      slots,
    );
    assert.deepEqual(weighted, {
      weights: { stable: 95, canary: 5 },
      detail: "forward web-stable=95 web-canary=5",
    });
    assert.deepEqual(albWeights([{ Type: "forward", TargetGroupArn: slots.stable }], slots), {
      weights: { stable: 1, canary: 0 },
      detail: "forward web-stable=1",
    });
  });

  it("refuses to read a split it cannot attribute", () => {
    assert.deepEqual(albWeights([{ Type: "fixed-response" }], slots), { reason: "has no forward action" });
    assert.deepEqual(
      albWeights(
        [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG("other"), Weight: 1 }] } }],
        slots,
      ),
      { reason: `forwards weight 1 to ${TG("other")}, which is not one of the service's target groups` },
    );
    assert.deepEqual(
      albWeights(
        [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: slots.stable, Weight: 0 }] } }],
        slots,
      ),
      { reason: "gives every target group of the service weight 0 (requests fail)" },
    );
  });

  it("turns weights into the candidate's share and the live colour", () => {
    assert.deepEqual(albReading({ stable: 2, canary: 1 }, { stableVersion: "v1", candidateWeight: 0 }), {
      candidateWeight: 33,
    });
    assert.deepEqual(
      albReading({ blue: 0, green: 100 }, { stableVersion: "v2", candidateWeight: 0, activeColor: "green" }),
      {
        candidateWeight: 0,
        activeColor: "green",
      },
    );
    assert.deepEqual(
      albReading({ blue: 50, green: 50 }, { stableVersion: "v2", candidateWeight: 0, activeColor: "green" }),
      {
        candidateWeight: 50,
      },
    );
  });

  it("writes all traffic to one slot, keeping other actions and listing every group", () => {
    const auth = { Type: "authenticate-oidc", Order: 1 };
    const actions = allToSlotActions(
      [
        auth,
        {
          Type: "forward",
          Order: 2,
          TargetGroupArn: slots.stable,
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: slots.canary, Weight: 100 }] },
        },
      ],
      slots,
      "stable",
    );
    assert.deepEqual(actions, [
      auth,
      {
        Type: "forward",
        Order: 2,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: slots.stable, Weight: 100 },
            { TargetGroupArn: slots.canary, Weight: 0 },
          ],
        },
      },
    ]);
    assert.equal(allToSlotActions([{ Type: "forward" }], slots, "blue"), undefined);
  });

  it("names the package to install when the SDK is missing, and never throws from a control", async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package '@aws-sdk/client-elastic-load-balancing-v2'"), {
        code: "ERR_MODULE_NOT_FOUND",
      });
    };
    await assert.rejects(
      loadElbSdk(missing),
      /install @aws-sdk\/client-elastic-load-balancing-v2 to release AWS ALB services/,
    );
    const control = awsAlbControl(
      { kind: "aws-alb", region: "eu-west-1", listenerArn: "arn", targetGroups: slots },
      { importer: missing },
    );
    const reading = await control.read({ stableVersion: "v1", candidateWeight: 0 });
    assert.deepEqual(reading, {
      verified: false,
      reason:
        "install @aws-sdk/client-elastic-load-balancing-v2 to release AWS ALB services (npm install @aws-sdk/client-elastic-load-balancing-v2)",
    });
    assert.equal(
      (await control.sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2")).applied,
      false,
    );
  });
});

describe("aws: CloudWatch builtin maths", () => {
  it("queries each metric by LoadBalancer and TargetGroup with MetricStat only", () => {
    assert.deepEqual(albMetricQueries("errorRate", "app/web/1", "targetgroup/web-canary/2", "s0"), [
      {
        Id: "s0_requests",
        MetricStat: {
          Metric: {
            Namespace: "AWS/ApplicationELB",
            MetricName: "RequestCount",
            Dimensions: [
              { Name: "LoadBalancer", Value: "app/web/1" },
              { Name: "TargetGroup", Value: "targetgroup/web-canary/2" },
            ],
          },
          Period: 60,
          Stat: "Sum",
        },
        ReturnData: true,
      },
      {
        Id: "s0_errors",
        MetricStat: {
          Metric: {
            Namespace: "AWS/ApplicationELB",
            MetricName: "HTTPCode_Target_5XX_Count",
            Dimensions: [
              { Name: "LoadBalancer", Value: "app/web/1" },
              { Name: "TargetGroup", Value: "targetgroup/web-canary/2" },
            ],
          },
          Period: 60,
          Stat: "Sum",
        },
        ReturnData: true,
      },
    ]);
  });

  const cases: [string, Parameters<typeof albMetricValue>[0], Record<string, number | undefined>, string][] =
    [
      ["5xx over requests", "errorRate", { requests: 200, errors: 4 }, "value 0.02"],
      ["no 5xx series with requests is 0", "http5xxRate", { requests: 200 }, "value 0"],
      ["no requests is no data", "errorRate", { errors: 3 }, "noData"],
      ["zero requests is no data", "errorRate", { requests: 0 }, "noData"],
      ["latency sum over samples", "meanLatency", { latencySum: 3, latencyCount: 12 }, "value 0.25"],
      ["throughput per second of the window", "throughput", { requests: 600 }, "value 2"],
    ];
  for (const [title, metric, sums, expected] of cases) {
    it(title, () => {
      const m = albMetricValue(metric, sums, 300, "tg", at);
      assert.equal(m.kind === "value" ? `value ${m.value}` : m.kind, expected);
    });
  }

  it("sums each series of a slot, leaving empty ones undefined", () => {
    assert.deepEqual(
      seriesSums(
        [
          { Id: "s0_requests", Values: [1, 2] },
          { Id: "s0_errors", Values: [] },
          { Id: "s1_requests", Values: [9] },
        ],
        "s0",
      ),
      { requests: 3, errors: undefined },
    );
  });
});
