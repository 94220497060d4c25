import * as assert from "node:assert/strict";
import type { MetricsQueryClient, MetricsQueryOptions, TimeSeriesElement } from "@azure/monitor-query";
import {
  createAzureMonitorProvider,
  MetricQueryError,
  type MetricsQueryClientLike,
  MissingPackageError,
} from "../../../automation/metrics";
import { missingModule, rejectsWith, startServer } from "./helpers";

describe("automation/metrics azure-monitor", () => {
  it("accepts the official SDK client (a compile-time check)", () => {
    const fits: MetricsQueryClient extends MetricsQueryClientLike ? true : false = true;
    assert.equal(fits, true);
  });

  const fake = (metrics: Awaited<ReturnType<MetricsQueryClientLike["queryResource"]>>["metrics"] | Error) => {
    const calls: Array<{ resourceUri: string; metricNames: string[]; options?: MetricsQueryOptions }> = [];
    const client: MetricsQueryClientLike = {
      async queryResource(resourceUri, metricNames, options) {
        calls.push({ resourceUri, metricNames, options });
        if (metrics instanceof Error) throw metrics;
        return { metrics };
      },
    };
    return { client, calls };
  };
  const resourceUri = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/web";
  const metric = (timeseries: TimeSeriesElement[], extra = {}) => [
    { id: "x", type: "t", name: "Requests", unit: "Count" as const, timeseries, ...extra },
  ];

  it("asks for one metric with aggregation, granularity, window and filter; newest point wins", async () => {
    const { client, calls } = fake(
      metric([
        {
          data: [
            { timeStamp: new Date(1000), total: 4 },
            { timeStamp: new Date(3000), total: 9 },
            { timeStamp: new Date(4000) },
          ],
        },
      ]),
    );
    const m = await createAzureMonitorProvider({ name: "az", client }).query({
      resourceUri,
      metricName: "Requests",
      aggregation: "Total",
      granularity: "PT5M",
      windowSeconds: 900,
      filter: "statusCodeCategory eq '5xx'",
    });
    assert.deepEqual(m, { kind: "value", value: 9, at: new Date(3000) });
    const call = calls[0];
    assert.equal(call?.resourceUri, resourceUri);
    assert.deepEqual(call?.metricNames, ["Requests"]);
    assert.deepEqual(call?.options?.aggregations, ["Total"]);
    assert.equal(call?.options?.granularity, "PT5M");
    assert.equal(call?.options?.filter, "statusCodeCategory eq '5xx'");
    const span = call?.options?.timespan as { startTime: Date; endTime: Date };
    assert.equal(span.endTime.getTime() - span.startTime.getTime(), 900_000);
    assert.ok(call?.options?.abortSignal, "passes an abort signal");
  });

  it("returns a vector for split series, no data when empty, MetricQueryError on errors", async () => {
    const split = fake(
      metric([
        {
          metadataValues: [{ name: "revisionName", value: "web--v1" }],
          data: [{ timeStamp: new Date(1), average: 10 }],
        },
        {
          metadataValues: [{ name: "revisionName", value: "web--v2" }],
          data: [{ timeStamp: new Date(1), average: 20 }],
        },
      ]),
    );
    const v = await createAzureMonitorProvider({ name: "az", client: split.client }).query({
      resourceUri,
      metricName: "Requests",
    });
    assert.deepEqual(v.kind === "vector" && v.samples, [
      { labels: { revisionName: "web--v1" }, value: 10 },
      { labels: { revisionName: "web--v2" }, value: 20 },
    ]);
    const empty = await createAzureMonitorProvider({
      name: "az",
      client: fake(metric([{ data: [] }])).client,
    }).query({ resourceUri, metricName: "Requests" });
    assert.equal(empty.kind, "noData");
    const bad = fake(metric([], { errorCode: "BadRequest", errorMessage: "unknown metric" }));
    await assert.rejects(
      createAzureMonitorProvider({ name: "az", client: bad.client }).query({
        resourceUri,
        metricName: "Requests",
      }),
      /BadRequest: unknown metric/,
    );
    const thrown = fake(Object.assign(new Error("AuthorizationFailed"), { name: "RestError" }));
    const err = await rejectsWith(
      createAzureMonitorProvider({ name: "az", client: thrown.client }).query({
        resourceUri,
        metricName: "Requests",
      }),
      MetricQueryError,
    );
    assert.match(err.message, /queryResource failed: RestError: AuthorizationFailed/);
  });

  it("uses DefaultAzureCredential without a credential, naming @azure/identity when it is missing", async () => {
    const loaded: string[] = [];
    const p = createAzureMonitorProvider({
      name: "az",
      importer: async (pkg) => {
        loaded.push(pkg);
        if (pkg === "@azure/identity") throw missingModule(pkg);
        return import(pkg);
      },
    });
    assert.deepEqual(loaded, [], "nothing is loaded until the first query");
    const err = await rejectsWith(p.query({ resourceUri, metricName: "Requests" }), MissingPackageError);
    assert.equal(
      err.message,
      'metric provider "az": package @azure/identity is not installed; install it with npm install @azure/identity',
    );
    assert.deepEqual(loaded, ["@azure/monitor-query", "@azure/identity"]);

    let built = 0;
    class DefaultAzureCredential {
      constructor() {
        built++;
      }
      async getToken() {
        return { token: "t", expiresOnTimestamp: Date.now() + 3_600_000 };
      }
    }
    const server = await startServer((_req, res) => res.writeHead(500).end());
    try {
      const withIdentity = createAzureMonitorProvider({
        name: "az",
        endpoint: server.url,
        timeoutMs: 5000,
        importer: async (pkg) => (pkg === "@azure/identity" ? { DefaultAzureCredential } : import(pkg)),
      });
      const e = await rejectsWith(
        withIdentity.query({ resourceUri, metricName: "Requests" }),
        MetricQueryError,
      );
      assert.match(e.message, /queryResource failed: .*non-TLS/);
      assert.equal(built, 1, "the default credential was built");
    } finally {
      await server.close();
    }
  });

  it("validates the query", async () => {
    const p = createAzureMonitorProvider({ name: "az", client: fake([]).client });
    await assert.rejects(
      p.query({ resourceUri, metricName: "Requests", aggregation: "Sum" }),
      /query\.aggregation \("Sum"\) must be one of "Average", "Total"/,
    );
    await assert.rejects(
      p.query({ resourceUri, metricName: "Requests", granularity: "1m" }),
      /query\.granularity \("1m"\) is not an ISO 8601 duration/,
    );
  });

  it("builds the SDK client from a credential when none is injected", async () => {
    const server = await startServer((_req, res) => res.writeHead(500).end());
    try {
      const credential = {
        getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
      };
      const p = createAzureMonitorProvider({ name: "az", credential, endpoint: server.url, timeoutMs: 5000 });
      const err = await rejectsWith(p.query({ resourceUri, metricName: "Requests" }), MetricQueryError);
      // The real client refuses to send a bearer token over plain http: proof it was built and used.
      assert.equal(err.failure, "sdk-error");
      assert.match(err.message, /queryResource failed: .*non-TLS/);
    } finally {
      await server.close();
    }
  });
});
