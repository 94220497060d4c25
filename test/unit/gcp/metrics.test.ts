// `builtin` metrics of Cloud Run services through the cloud-monitoring provider, against a fake
// MetricServiceClient typed by @google-cloud/monitoring's own request and series types.
import * as assert from "node:assert/strict";
import type { protos } from "@google-cloud/monitoring";
import {
  type CloudMonitoringSpec,
  type CloudRunMetricsDescriptor,
  cloudRunFilter,
  cloudRunQuery,
  cloudRunValue,
  cloudRunWindow,
  createCloudRunBuiltinSource,
} from "../../../automation/metrics/builtin-gcp";
import {
  createCloudMonitoringProvider,
  type MetricServiceClientLike,
} from "../../../automation/metrics/cloud-monitoring";
import { measured } from "../../../automation/metrics/types";

type Request = protos.google.monitoring.v3.IListTimeSeriesRequest;
type Series = protos.google.monitoring.v3.ITimeSeries;

const D: CloudRunMetricsDescriptor = {
  kind: "cloud-monitoring-run",
  project: "acme",
  location: "europe-west1",
  service: "web",
  revisions: { v1: "web-v1-aaaaaa", v2: "web-v2-bbbbbb" },
};

const point = (value: protos.google.monitoring.v3.ITypedValue): protos.google.monitoring.v3.IPoint => ({
  interval: { endTime: { seconds: 1_700_000_000 } },
  value,
});

/** A client answering each revision's request with the series `answer` gives. */
function fake(answer: (revision: string, request: Request) => Series[]) {
  const requests: Request[] = [];
  const client: MetricServiceClientLike = {
    async listTimeSeries(request) {
      requests.push(request);
      const revision = /revision_name="([^"]+)"/.exec(String(request.filter))?.[1] ?? "";
      return [answer(revision, request), null, {}];
    },
  };
  const specs: CloudMonitoringSpec[] = [];
  const source = createCloudRunBuiltinSource(D, {}, (spec) => {
    specs.push(spec);
    return createCloudMonitoringProvider({ ...spec, client });
  });
  return { source, requests, specs };
}

const byClass = (counts: Record<string, number>): Series[] =>
  Object.entries(counts).map(([cls, n]) => ({
    metric: { labels: { response_code_class: cls } },
    points: [point({ int64Value: n })],
  }));

describe("gcp builtin metrics (Cloud Monitoring)", () => {
  it("filters by service, region and revision of the cloud_run_revision resource", () => {
    assert.equal(
      cloudRunFilter("run.googleapis.com/request_count", {
        service: "web",
        location: "europe-west1",
        revision: "web-v2-bbbbbb",
      }),
      'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" AND resource.labels.service_name="web" AND resource.labels.location="europe-west1" AND resource.labels.revision_name="web-v2-bbbbbb"',
    );
  });

  it("uses windows of whole minutes, at least 180 s (Cloud Monitoring lags)", () => {
    assert.deepEqual([10, 60, 180, 181, 600].map(cloudRunWindow), [180, 180, 180, 240, 600]);
  });

  it("queries request_count by response_code_class per revision and divides 5xx by all", async () => {
    const { source, requests, specs } = fake((revision) =>
      revision === "web-v2-bbbbbb" ? byClass({ "2xx": 90, "4xx": 5, "5xx": 5 }) : byClass({ "2xx": 400 }),
    );
    const pair = await source.measure("http5xxRate", { candidate: "v2", stable: "v1" }, 0.01);
    assert.deepEqual(specs, [{ kind: "cloud-monitoring", name: "builtin", projectId: "acme" }]);
    assert.equal(pair.candidate.kind === "value" && pair.candidate.value, 0.05);
    assert.equal(pair.stable.kind === "value" && pair.stable.value, 0);
    const sent = requests.find((r) => String(r.filter).includes("web-v2-bbbbbb")) as Request;
    assert.equal(sent.name, "projects/acme");
    assert.deepEqual(sent.aggregation, {
      alignmentPeriod: { seconds: 180 },
      perSeriesAligner: "ALIGN_DELTA",
      crossSeriesReducer: "REDUCE_SUM",
      groupByFields: ["metric.label.response_code_class"],
    });
    assert.equal(Number(sent.interval?.endTime?.seconds) - Number(sent.interval?.startTime?.seconds), 180);
  });

  it("reads mean latency from the request_latencies distribution, in seconds", async () => {
    const { source, requests } = fake((revision) => [
      {
        points: [point({ distributionValue: { count: 10, mean: revision === "web-v2-bbbbbb" ? 250 : 100 } })],
      },
    ]);
    const pair = await source.measure("meanLatency", { candidate: "v2", stable: "v1" }, 0.01);
    assert.equal(pair.candidate.kind === "value" && pair.candidate.value, 0.25);
    assert.equal(pair.stable.kind === "value" && pair.stable.value, 0.1);
    assert.match(String(requests[0]?.filter), /run\.googleapis\.com\/request_latencies/);
  });

  it("reads throughput as the summed request rate", async () => {
    const { source, requests } = fake(() => [{ points: [point({ doubleValue: 12.5 })] }]);
    const pair = await source.measure("throughput", { candidate: "v2", stable: "v1" }, 0.01);
    assert.equal(pair.candidate.kind === "value" && pair.candidate.value, 12.5);
    assert.equal(requests[0]?.aggregation?.perSeriesAligner, "ALIGN_RATE");
  });

  it("gives no data, never 0, without requests or without a known revision", async () => {
    const { source } = fake(() => []);
    const pair = await source.measure("errorRate", { candidate: "v3", stable: "v1" }, 0.01);
    assert.equal(pair.candidate.kind, "noData");
    assert.equal(
      pair.candidate.kind === "noData" && pair.candidate.reason,
      'no Cloud Run revision is known for version "v3"',
    );
    assert.equal(pair.stable.kind, "noData");
    const at = new Date(0);
    assert.deepEqual(cloudRunValue("errorRate", measured(0, at)), {
      kind: "noData",
      reason: "no requests in the window",
      at,
    });
  });

  it("has a p99 query for explicit checks: ALIGN_PERCENTILE_99 on request_latencies", () => {
    const q = cloudRunQuery("p99Latency", { service: "web", location: "europe-west1", revision: "r" }, 300);
    assert.equal(q.perSeriesAligner, "ALIGN_PERCENTILE_99");
    assert.equal(q.windowSeconds, 300);
    assert.match(String(q.filter), /request_latencies/);
  });
});
