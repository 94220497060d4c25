import * as assert from "node:assert/strict";
import type {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricDataCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import {
  type CloudWatchClientLike,
  createCloudWatchProvider,
  MetricConfigError,
  MetricQueryError,
} from "../../../automation/metrics";
import { rejectsWith, startServer } from "./helpers";

describe("automation/metrics cloudwatch", () => {
  it("accepts the official SDK client (a compile-time check)", () => {
    const fits: CloudWatchClient extends CloudWatchClientLike ? true : false = true;
    assert.equal(fits, true);
  });

  const fake = (reply: (c: GetMetricDataCommand) => Partial<GetMetricDataCommandOutput> | Error) => {
    const sent: GetMetricDataCommand[] = [];
    const client: CloudWatchClientLike = {
      async send(command) {
        sent.push(command);
        const r = reply(command);
        if (r instanceof Error) throw r;
        return { $metadata: {}, ...r };
      },
    };
    return { client, sent };
  };

  it("sends one MetricStat with dimensions, period and stat, and returns the newest point", async () => {
    const { client, sent } = fake(() => ({
      MetricDataResults: [
        {
          Id: "result",
          Timestamps: [new Date(2000), new Date(3000), new Date(1000)],
          Values: [2, 3, 1],
          StatusCode: "Complete",
        },
      ],
    }));
    const p = createCloudWatchProvider({ name: "cw", client });
    const m = await p.query({
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        dimensions: { TargetGroup: "tg/green" },
        stat: "p99",
      },
      periodSeconds: 60,
      windowSeconds: 600,
    });
    assert.deepEqual(m, { kind: "value", value: 3, at: new Date(3000) });
    const input = sent[0]?.input;
    assert.ok(input?.StartTime instanceof Date && input.EndTime instanceof Date);
    assert.deepEqual(input.MetricDataQueries, [
      {
        Id: "result",
        MetricStat: {
          Metric: {
            Namespace: "AWS/ApplicationELB",
            MetricName: "TargetResponseTime",
            Dimensions: [{ Name: "TargetGroup", Value: "tg/green" }],
          },
          Period: 60,
          Stat: "p99",
        },
        ReturnData: true,
      },
    ]);
    assert.equal(input.EndTime.getTime() - input.StartTime.getTime(), 600_000);
    assert.equal(input.ScanBy, "TimestampDescending");
  });

  it("builds metric math with hidden inputs", async () => {
    const { client, sent } = fake(() => ({
      MetricDataResults: [{ Id: "result", Timestamps: [new Date(1)], Values: [0.5] }],
    }));
    const metric = (metricName: string) => ({
      namespace: "AWS/ApplicationELB",
      metricName,
      dimensions: { LoadBalancer: "app/web" },
      stat: "Sum",
    });
    await createCloudWatchProvider({ name: "cw", client }).query({
      expression: "errors / requests",
      metrics: { errors: metric("HTTPCode_Target_5XX_Count"), requests: metric("RequestCount") },
    });
    const q = sent[0]?.input.MetricDataQueries ?? [];
    assert.deepEqual(
      q.map((x) => [x.Id, x.ReturnData, x.MetricStat?.Metric?.MetricName ?? x.Expression]),
      [
        ["errors", false, "HTTPCode_Target_5XX_Count"],
        ["requests", false, "RequestCount"],
        ["result", true, "errors / requests"],
      ],
    );
    assert.equal(q[2]?.Period, 60);
  });

  it("returns no data for an empty result and MetricQueryError for SDK errors and bad statuses", async () => {
    const query = { metric: { namespace: "N", metricName: "M" } };
    const empty = await createCloudWatchProvider({
      name: "cw",
      client: fake(() => ({ MetricDataResults: [{ Id: "result", Values: [] }] })).client,
    }).query(query);
    assert.equal(empty.kind, "noData");
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const err = await rejectsWith(
      createCloudWatchProvider({ name: "cw", client: fake(() => throttled).client }).query(query),
      MetricQueryError,
    );
    assert.equal(err.failure, "sdk-error");
    assert.match(err.message, /GetMetricData failed: ThrottlingException: Rate exceeded/);
    const forbidden = fake(() => ({
      MetricDataResults: [
        { Id: "result", StatusCode: "Forbidden", Messages: [{ Code: "Forbidden", Value: "no access" }] },
      ],
    }));
    await assert.rejects(
      createCloudWatchProvider({ name: "cw", client: forbidden.client }).query(query),
      /status Forbidden: Forbidden no access/,
    );
  });

  it("validates the query", async () => {
    const p = createCloudWatchProvider({ name: "cw", client: fake(() => ({})).client });
    await assert.rejects(p.query({}), /query\.metric \(not set\) give exactly one of metric and expression/);
    await assert.rejects(
      p.query({ metric: { namespace: "N", metricName: "M" }, periodSeconds: 45 }),
      /query\.periodSeconds \(45\) must be 1, 5, 10, 30 or a multiple of 60/,
    );
    await assert.rejects(
      p.query({ expression: "a", metrics: { Bad: { namespace: "N", metricName: "M" } } }),
      MetricConfigError,
    );
  });

  it("builds the SDK client when none is injected", async () => {
    const server = await startServer((_req, res) => res.writeHead(500).end());
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "example",
      AWS_ENDPOINT_URL_CLOUDWATCH: server.url,
      AWS_MAX_ATTEMPTS: "1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
    try {
      const p = createCloudWatchProvider({ name: "cw", region: "eu-west-1", timeoutMs: 5000 });
      const err = await rejectsWith(
        p.query({ metric: { namespace: "N", metricName: "M" } }),
        MetricQueryError,
      );
      assert.equal(err.failure, "sdk-error");
      assert.ok(server.requests.length >= 1, "the real client sent a request");
      assert.match(
        String(server.requests[0]?.headers.authorization),
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d+\/eu-west-1\/monitoring/,
      );
    } finally {
      process.env = saved;
      await server.close();
    }
  });
});
