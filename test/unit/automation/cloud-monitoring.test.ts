import * as assert from "node:assert/strict";
import type { MetricServiceClient, protos } from "@google-cloud/monitoring";
import {
  createCloudMonitoringProvider,
  MetricQueryError,
  type MetricServiceClientLike,
} from "../../../automation/metrics";
import { rejectsWith } from "./helpers";

describe("automation/metrics cloud-monitoring", () => {
  it("accepts the official SDK client (a compile-time check)", () => {
    const fits: MetricServiceClient extends MetricServiceClientLike ? true : false = true;
    assert.equal(fits, true);
  });

  type Series = protos.google.monitoring.v3.ITimeSeries;
  const fake = (series: Series[] | Error) => {
    const requests: protos.google.monitoring.v3.IListTimeSeriesRequest[] = [];
    const client: MetricServiceClientLike = {
      async listTimeSeries(request) {
        requests.push(request);
        if (series instanceof Error) throw series;
        return [series, null, {}];
      },
    };
    return { client, requests };
  };
  const point = (seconds: number, value: protos.google.monitoring.v3.ITypedValue) => ({
    interval: { endTime: { seconds } },
    value,
  });

  it("builds the request (project, filter, interval, aligner, reducer) and reads the newest point", async () => {
    const { client, requests } = fake([
      { points: [point(200, { doubleValue: 0.5 }), point(100, { doubleValue: 0.1 })] },
    ]);
    const m = await createCloudMonitoringProvider({ name: "gcp", projectId: "proj", client }).query({
      filter: 'metric.type="run.googleapis.com/request_count" AND resource.labels.service_name="web"',
      perSeriesAligner: "ALIGN_RATE",
      crossSeriesReducer: "REDUCE_SUM",
      groupByFields: ["metric.labels.response_code_class"],
      alignmentPeriodSeconds: 120,
      windowSeconds: 600,
    });
    assert.deepEqual(m, { kind: "value", value: 0.5, at: new Date(200_000) });
    const r = requests[0];
    assert.equal(r?.name, "projects/proj");
    assert.match(String(r?.filter), /run\.googleapis\.com\/request_count/);
    assert.deepEqual(r?.aggregation, {
      alignmentPeriod: { seconds: 120 },
      perSeriesAligner: "ALIGN_RATE",
      crossSeriesReducer: "REDUCE_SUM",
      groupByFields: ["metric.labels.response_code_class"],
    });
    assert.equal(Number(r?.interval?.endTime?.seconds) - Number(r?.interval?.startTime?.seconds), 600);
    assert.equal(r?.view, "FULL");
  });

  it("returns labelled samples for several series, int64 as numbers, no data when empty", async () => {
    const { client } = fake([
      { metric: { labels: { response_code_class: "5xx" } }, points: [point(1, { int64Value: "7" })] },
      { metric: { labels: { response_code_class: "2xx" } }, points: [point(1, { int64Value: 93 })] },
    ]);
    const v = await createCloudMonitoringProvider({ name: "gcp", projectId: "p", client }).query({
      filter: "x",
    });
    assert.deepEqual(v.kind === "vector" && v.samples.map((s) => [s.labels.response_code_class, s.value]), [
      ["5xx", 7],
      ["2xx", 93],
    ]);
    const empty = await createCloudMonitoringProvider({
      name: "gcp",
      projectId: "p",
      client: fake([]).client,
    }).query({ filter: "x" });
    assert.deepEqual(
      empty.kind === "noData" && empty.reason,
      "no time series with points matched the filter in the last 300 s",
    );
  });

  it("turns SDK errors into MetricQueryError and validates the query", async () => {
    const grpc = Object.assign(new Error("3 INVALID_ARGUMENT: Field filter had an invalid value"), {
      code: 3,
    });
    const err = await rejectsWith(
      createCloudMonitoringProvider({ name: "gcp", projectId: "p", client: fake(grpc).client }).query({
        filter: "bad",
      }),
      MetricQueryError,
    );
    assert.match(err.message, /listTimeSeries failed: 3 INVALID_ARGUMENT/);
    const p = createCloudMonitoringProvider({ name: "gcp", projectId: "p", client: fake([]).client });
    await assert.rejects(
      p.query({ filter: "x", perSeriesAligner: "rate" }),
      /query\.perSeriesAligner \("rate"\) is not an aligner name/,
    );
    assert.throws(
      () => createCloudMonitoringProvider({ name: "gcp", projectId: "" } as never),
      /spec\.projectId \(""\) must be a non-empty string/,
    );
  });

  it("builds the SDK client when none is injected", async () => {
    const p = createCloudMonitoringProvider({
      name: "gcp",
      projectId: "p",
      keyFilename: "/nonexistent/key.json",
      timeoutMs: 5000,
    });
    const err = await rejectsWith(p.query({ filter: "x" }), MetricQueryError);
    assert.equal(err.failure, "sdk-error");
    assert.match(err.message, /loading credentials failed: .*ENOENT/);
  });
});
