import * as assert from "node:assert/strict";
import type { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { MetricsQueryOptions } from "@azure/monitor-query";
import type { protos } from "@google-cloud/monitoring";
import {
  type AnalysisTarget,
  knownProviders,
  metricQueryProblems,
  runAnalysis,
  unknownProviderProblems,
} from "../../../automation/driver/analysis";
import type { CheckMeasurement } from "../../../automation/driver/events";
import {
  createProvider,
  ingressNginxQuery,
  ingressNginxRequestsQuery,
  isPackageInstalled,
  type MetricProvider,
  type MetricsSettings,
  type ProviderSpec,
  type ProxyVersionDocument,
} from "../../../automation/metrics";
import {
  type Check,
  DEFAULT_ERROR_RATE_GATE,
  type HttpCheckInput,
  type MetricCheck,
  type MetricCheckInput,
  type MetricsDescriptor,
  type Problem,
  type ReleaseOutputs,
  resolveHttpCheck,
  resolveMetricCheck,
  resolveStrategy,
  Strategy,
} from "../../../components/core";
import { deadUrl, json, startServer, type TestServer } from "./helpers";

/** A release contract with `metrics` as its metrics descriptor. */
function release(metrics: MetricsDescriptor, endpoint = "http://127.0.0.1:1"): ReleaseOutputs {
  const problems: Problem[] = [];
  const strategy = resolveStrategy(Strategy.canary(), "strategy", problems);
  assert.deepEqual(problems, []);
  assert.ok(strategy);
  return {
    contract: 1,
    platform: metrics.kind === "ingress-nginx" ? "kubernetes" : "local",
    type: "progressive:local:CanaryService",
    name: "web",
    service: "web",
    kind: "canary",
    strategy,
    traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 },
    trafficSource: "config",
    endpoint,
    router: { kind: "none" },
    metrics,
    trafficUrns: [],
  };
}

/** A resolved metric check; measured every 20 ms, twice, no failure tolerated. */
function metric(
  input: Partial<MetricCheckInput> & Pick<MetricCheckInput, "provider" | "query">,
): MetricCheck {
  const problems: Problem[] = [];
  const condition = input.successCondition || input.failureCondition ? {} : { successCondition: "< 1000000" };
  const check = resolveMetricCheck(
    {
      kind: "metric",
      name: "m",
      interval: "20ms",
      count: 2,
      consecutiveErrorLimit: 0,
      ...condition,
      ...input,
    },
    "check",
    problems,
  );
  assert.deepEqual(problems, []);
  return check;
}

const LOCAL: MetricsDescriptor = { kind: "local-proxy", metricsJsonUrl: "http://127.0.0.1:1/metrics.json" };
const NGINX: MetricsDescriptor = {
  kind: "ingress-nginx",
  namespace: "shop",
  ingress: "web",
  canaryIngress: "web-canary",
};
const NONE: MetricsDescriptor = { kind: "none" };
const PROM: MetricsSettings = { prometheus: { url: "http://127.0.0.1:1" } };

function target(
  r: ReleaseOutputs,
  metrics: MetricsSettings = {},
  extra: Partial<AnalysisTarget> = {},
): AnalysisTarget {
  return { candidate: "v2", stable: "v1", candidateWeight: 20, release: r, secrets: {}, metrics, ...extra };
}

const summary = (ms: readonly CheckMeasurement[]) =>
  ms.map((m) => ({ outcome: m.outcome, value: m.value, baseline: m.baseline }));

describe("automation/driver analysis: known providers", () => {
  it("knows builtin from the metrics descriptor and every configured provider", () => {
    const table: Array<[string, MetricsDescriptor, MetricsSettings, string[]]> = [
      ["local proxy", LOCAL, {}, ["builtin"]],
      ["ingress-nginx without Prometheus", NGINX, {}, []],
      ["ingress-nginx with Prometheus", NGINX, PROM, ["builtin", "prometheus"]],
      ["no platform metrics", NONE, { cloudwatch: { region: "eu-west-1" } }, ["cloudwatch"]],
      [
        "all settings",
        LOCAL,
        {
          ...PROM,
          cloudwatch: { region: "eu-west-1" },
          azureMonitor: {},
          cloudMonitoring: { projectId: "my-project" },
        },
        ["builtin", "prometheus", "cloudwatch", "azure-monitor", "cloud-monitoring"],
      ],
    ];
    for (const [name, descriptor, settings, expected] of table) {
      assert.deepEqual(knownProviders(release(descriptor), settings), expected, name);
    }
  });

  it("says per check which provider is unknown, the known ones and the fix", () => {
    const http: HttpCheckInput = { kind: "http", name: "up" };
    const checks: Check[] = [
      metric({ name: "error-rate", provider: "builtin", query: "errorRate" }),
      metric({ name: "alb-5xx", provider: "cloudwatch", query: "{}" }),
      metric({ name: "dd", provider: "datadog", query: "x" }),
      metric({ name: "prom", provider: "prometheus", query: "up" }),
      resolveHttpCheck(http, "up", []),
    ];
    assert.deepEqual(unknownProviderProblems(checks, release(NGINX), {}), [
      `check "error-rate": provider ("builtin") reads ingress-nginx's request metrics through Prometheus, which is not configured; known providers: none; configure Prometheus: pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090`,
      `check "alb-5xx": provider ("cloudwatch") is not configured (progressive:metrics.cloudwatch is not set); known providers: none; configure it: pulumi config set --path progressive:metrics.cloudwatch.region eu-west-1`,
      `check "dd": provider ("datadog") is not a metric provider a check can name; known providers: none; use "builtin", "prometheus", "cloudwatch", "azure-monitor", "cloud-monitoring", configured in progressive:metrics (e.g. pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090)`,
      `check "prom": provider ("prometheus") is not configured (progressive:metrics.prometheus is not set); known providers: none; configure it: pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090`,
    ]);
    assert.deepEqual(unknownProviderProblems(checks.slice(0, 1), release(NONE), PROM), [
      `check "error-rate": provider ("builtin") has nothing to read: the service's platform reports no request metrics of its own (metrics descriptor "none"); known providers: "prometheus"; name a provider configured in progressive:metrics instead, e.g. after pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090`,
    ]);
    assert.deepEqual(
      unknownProviderProblems([checks[0] as Check, checks[3] as Check], release(NGINX), PROM),
      [],
    );
  });

  it("finds queries that cannot run before anything is measured", () => {
    const settings: MetricsSettings = { cloudwatch: { region: "eu-west-1" }, azureMonitor: {} };
    const problems = metricQueryProblems(
      [
        metric({ name: "p99", provider: "builtin", query: "p99Latency" }),
        metric({ name: "cw", provider: "cloudwatch", query: "HTTPCode_Target_5XX_Count" }),
        metric({
          name: "cw-ok",
          provider: "cloudwatch",
          query: '{"metric": {"namespace": "N", "metricName": "M"}}',
        }),
        metric({
          name: "az",
          provider: "azure-monitor",
          query: '{"resourceUri": "/r", "metricName": "Requests"}',
        }),
        metric({ name: "unknown", provider: "prometheus", query: "up" }),
      ],
      release(LOCAL),
      settings,
    );
    const identity = isPackageInstalled("@azure/identity")
      ? []
      : [
          'check "az": provider ("azure-monitor") needs package @azure/identity, which is not installed; install it with npm install @azure/identity',
        ];
    assert.equal(problems.length, 2 + identity.length);
    assert.equal(
      problems[0],
      'check "p99": query ("p99Latency") is not a builtin metric; use one of errorRate, http5xxRate, meanLatency, throughput, slowRate',
    );
    assert.match(
      problems[1] as string,
      /^check "cw": query \("HTTPCode_Target_5XX_Count"\) is not a JSON object of cloudwatch query fields; write it as JSON, e\.g\. \{"metric": /,
    );
    assert.deepEqual(problems.slice(2), identity);
  });

  it("refuses the builtin slowRate where the service's metrics have no latency histogram per version", () => {
    const slow = metric({ name: "slow", provider: "builtin", query: "slowRate", slowerThan: "250ms" });
    assert.equal(slow.slowerThanSeconds, 0.25);
    assert.deepEqual(metricQueryProblems([slow], release(LOCAL), {}), []);
    const PROM = { prometheus: { url: "http://127.0.0.1:1" } };
    assert.deepEqual(metricQueryProblems([slow], release(NGINX), PROM), [
      'check "slow": query ("slowRate") needs a latency histogram per version, which this service\'s builtin metrics ("ingress-nginx") do not give; the local proxy\'s do; judge latency with meanLatency and a relative condition, or a prometheus check on your own histogram',
    ]);
  });
});

describe("automation/driver analysis: providers from the registry", () => {
  /** createProvider that hands the named kind a fake SDK client, as the providers' own tests do. */
  const withClient =
    (kind: ProviderSpec["kind"], client: unknown, built: ProviderSpec[] = []) =>
    (spec: ProviderSpec): MetricProvider => {
      built.push(spec);
      return createProvider((spec.kind === kind ? { ...spec, client } : spec) as ProviderSpec);
    };

  it("measures a CloudWatch check per version, with region from the settings", async () => {
    const sent: GetMetricDataCommand[] = [];
    const client = {
      async send(command: GetMetricDataCommand) {
        sent.push(command);
        const tg = command.input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions?.[0]?.Value;
        const value = tg === "targetgroup/web-v2/1" ? 0.01 : 0.02;
        return {
          $metadata: {},
          MetricDataResults: [{ Id: "result", Values: [value], Timestamps: [new Date()] }],
        };
      },
    };
    const built: ProviderSpec[] = [];
    const check = metric({
      name: "alb-5xx",
      provider: "cloudwatch",
      query: JSON.stringify({
        metric: {
          namespace: "AWS/ApplicationELB",
          metricName: "HTTPCode_Target_5XX_Count",
          dimensions: { TargetGroup: "targetgroup/web-{{version}}/1" },
          stat: "Sum",
        },
      }),
      successCondition: "< 110% of baseline",
    });
    const result = await runAnalysis(
      [check],
      target(release(NONE), { cloudwatch: { region: "eu-west-1" } }),
      {
        createProvider: withClient("cloudwatch", client, built),
      },
    );
    assert.equal(result.outcome, "Successful", result.reason);
    assert.deepEqual(summary(result.measurements), [
      { outcome: "Successful", value: 0.01, baseline: 0.02 },
      { outcome: "Successful", value: 0.01, baseline: 0.02 },
    ]);
    assert.deepEqual(built, [{ kind: "cloudwatch", name: "cloudwatch", region: "eu-west-1" }]);
    assert.equal(sent.length, 4, "candidate and stable per measurement");
  });

  it("fails a Cloud Monitoring check when the candidate is worse than the baseline", async () => {
    type Request = protos.google.monitoring.v3.IListTimeSeriesRequest;
    const requests: Request[] = [];
    const client = {
      async listTimeSeries(request: Request) {
        requests.push(request);
        const value = String(request.filter).includes('revision_name="web-v2"') ? 0.3 : 0.1;
        return [
          [{ points: [{ interval: { endTime: { seconds: 100 } }, value: { doubleValue: value } }] }],
          null,
          {},
        ] as const;
      },
    };
    const check = metric({
      name: "5xx",
      provider: "cloud-monitoring",
      query: JSON.stringify({
        filter:
          'metric.type="run.googleapis.com/request_count" AND resource.labels.revision_name="web-{{version}}"',
        perSeriesAligner: "ALIGN_RATE",
      }),
      failureCondition: "> 200% of baseline",
    });
    const seen: CheckMeasurement[] = [];
    const result = await runAnalysis(
      [check],
      target(release(NONE), { cloudMonitoring: { projectId: "my-project" } }),
      { createProvider: withClient("cloud-monitoring", client), onMeasurement: (m) => seen.push(m) },
    );
    assert.equal(result.outcome, "Failed");
    assert.match(result.reason, /^5xx: 1 failed measurements \(limit 0\); last: failure condition met$/);
    assert.deepEqual(summary(seen), [{ outcome: "Failed", value: 0.3, baseline: 0.1 }]);
    assert.ok(result.firstFailureAt instanceof Date);
    assert.deepEqual(
      requests.map((r) => r.name),
      ["projects/my-project", "projects/my-project"],
    );
  });

  it("measures an Azure Monitor query without {{version}} once, with no baseline", async () => {
    const calls: Array<{ uri: string; options?: MetricsQueryOptions }> = [];
    const client = {
      async queryResource(uri: string, _names: string[], options?: MetricsQueryOptions) {
        calls.push({ uri, ...(options ? { options } : {}) });
        return {
          metrics: [
            {
              id: "x",
              type: "t",
              name: "Requests",
              unit: "Count" as const,
              timeseries: [{ data: [{ timeStamp: new Date(), total: 3 }] }],
            },
          ],
        };
      },
    };
    const check = metric({
      name: "requests",
      provider: "azure-monitor",
      query: JSON.stringify({
        resourceUri: "/subscriptions/s/app/web",
        metricName: "Requests",
        aggregation: "Total",
      }),
      successCondition: "> 0",
    });
    const result = await runAnalysis([check], target(release(NONE), { azureMonitor: {} }), {
      createProvider: withClient("azure-monitor", client),
    });
    assert.equal(result.outcome, "Successful", result.reason);
    assert.deepEqual(summary(result.measurements), [
      { outcome: "Successful", value: 3, baseline: undefined },
      { outcome: "Successful", value: 3, baseline: undefined },
    ]);
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0]?.options?.aggregations, ["Total"]);
  });

  it("counts a query with several series as an Error, and retries it", async () => {
    const client = {
      async queryResource() {
        const series = (rev: string, v: number) => ({
          metadataValues: [{ name: "revisionName", value: rev }],
          data: [{ timeStamp: new Date(), total: v }],
        });
        return {
          metrics: [
            {
              id: "x",
              type: "t",
              name: "Requests",
              unit: "Count" as const,
              timeseries: [series("a", 1), series("b", 2)],
            },
          ],
        };
      },
    };
    const check = metric({
      name: "requests",
      provider: "azure-monitor",
      query: '{"resourceUri": "/r", "metricName": "Requests", "aggregation": "Total"}',
      successCondition: "> 0",
      consecutiveErrorLimit: 1,
    });
    const result = await runAnalysis([check], target(release(NONE), { azureMonitor: {} }), {
      createProvider: withClient("azure-monitor", client),
    });
    assert.equal(result.outcome, "Error");
    assert.equal(result.measurements.length, 2, "retried up to consecutiveErrorLimit");
    assert.match(
      result.reason,
      /2 query errors in a row \(limit 1\); last: the query returned 2 series; make it return one/,
    );
  });

  it("ends a check with an unknown provider at once, measuring nothing", async () => {
    const built: ProviderSpec[] = [];
    const check = metric({ name: "alb-5xx", provider: "cloudwatch", query: "{}", consecutiveErrorLimit: 4 });
    const result = await runAnalysis([check], target(release(NONE), {}), {
      createProvider: withClient("cloudwatch", {}, built),
    });
    assert.equal(result.outcome, "Error");
    assert.equal(built.length, 0);
    assert.equal(result.measurements.length, 1);
    assert.equal(
      result.reason,
      'alb-5xx: check "alb-5xx": provider ("cloudwatch") is not configured (progressive:metrics.cloudwatch is not set); configure it: pulumi config set --path progressive:metrics.cloudwatch.region eu-west-1 (a configuration error: not retried)',
    );
  });
});

describe("automation/driver analysis: builtin on the local proxy", () => {
  let server: TestServer;
  let snapshot = 0;
  /** Counters grow by `per` requests per snapshot: v1 all 2xx at 10 ms, v2 with 5xx at 20 ms. */
  const doc = (n: number) => {
    const version = (ok: number, bad: number, seconds: number): ProxyVersionDocument => ({
      requests: { "2xx": ok * n, "5xx": bad * n },
      latency: {
        buckets: [{ le: "+Inf", count: (ok + bad) * n }],
        sum: (ok + bad) * n * seconds,
        count: (ok + bad) * n,
      },
    });
    return { versions: { v1: version(80, 0, 0.01), v2: version(18, 2, 0.02) } };
  };
  before(async () => {
    server = await startServer((req, res) => {
      if (req.headers.authorization !== "Bearer admin-token") return void res.writeHead(401).end();
      snapshot++;
      json(res, 200, doc(snapshot));
    });
  });
  after(() => server.close());

  const local = () => release({ kind: "local-proxy", metricsJsonUrl: `${server.url}/metrics.json` });

  it("reads candidate and baseline from the same two snapshots per measurement", async () => {
    snapshot = 0;
    const checks = [
      metric({ name: "errors", provider: "builtin", query: "errorRate", successCondition: "< 0.2" }),
    ];
    const result = await runAnalysis(checks, target(local(), {}, { secrets: { adminToken: "admin-token" } }));
    assert.equal(result.outcome, "Successful", result.reason);
    assert.deepEqual(summary(result.measurements), [
      { outcome: "Successful", value: 0.1, baseline: 0 },
      { outcome: "Successful", value: 0.1, baseline: 0 },
    ]);
    assert.equal(snapshot, 4, "two snapshots per measurement, shared by both versions");
  });

  it("answers meanLatency, http5xxRate, and throughput per unit of weight", async () => {
    const run = async (query: string) => {
      const r = await runAnalysis(
        [metric({ name: query, provider: "builtin", query, count: 1, successCondition: "> -1" })],
        target(local(), {}, { secrets: { adminToken: "admin-token" }, candidateWeight: 20 }),
      );
      return r.measurements[0] as CheckMeasurement;
    };
    const latency = await run("meanLatency");
    assert.ok(
      Math.abs((latency.value as number) - 0.02) < 1e-12 &&
        Math.abs((latency.baseline as number) - 0.01) < 1e-12,
    );
    const http5xx = await run("http5xxRate");
    assert.deepEqual([http5xx.value, http5xx.baseline], [0.1, 0]);
    // 20 and 80 requests per window; divided by weights 20 % and 80 % they are equal.
    const throughput = await run("throughput");
    assert.ok(throughput.value && throughput.baseline, JSON.stringify(throughput));
    assert.ok(Math.abs(throughput.value / throughput.baseline - 1) < 1e-9, JSON.stringify(throughput));
  });

  it("judges the default error-rate gate on the proxy's request counts", async () => {
    // 2 errors of 20 requests against 0 of 80 in each window: 10 % against 0, but two errors
    // fall on the candidate by chance in one window of twenty (p 0.047): not evidence at 1 %.
    const result = await runAnalysis(
      [metric({ ...DEFAULT_ERROR_RATE_GATE, count: 1 })],
      target(local(), {}, { secrets: { adminToken: "admin-token" } }),
    );
    assert.equal(result.outcome, "Successful", result.reason);
    const m = result.measurements[0] as CheckMeasurement;
    assert.deepEqual([m.value, m.baseline, m.requests, m.baselineRequests], [0.1, 0, 20, 80]);
    assert.equal(m.condition, "ok if < 110% of baseline (floor 0.001)");
    assert.match(
      m.reason,
      /2 of 20 requests against 0 of 80 for the stable version is within noise \(p 0.047/,
    );
  });

  it("is Inconclusive with the reason when the candidate has no requests", async () => {
    const result = await runAnalysis(
      [metric({ name: "errors", provider: "builtin", query: "errorRate", successCondition: "< 0.2" })],
      target(local(), {}, { secrets: { adminToken: "admin-token" }, candidate: "v3" }),
    );
    assert.equal(result.outcome, "Inconclusive");
    assert.equal(result.measurements[0]?.reason, 'no data: no requests to version "v3" in the window');
  });

  it("ends at once without the admin token", async () => {
    const result = await runAnalysis(
      [metric({ name: "errors", provider: "builtin", query: "errorRate", successCondition: "< 0.2" })],
      target(local()),
    );
    assert.equal(result.outcome, "Error");
    assert.match(
      result.reason,
      /releaseSecrets\.adminToken \(not set\) is needed to read the local proxy's metrics/,
    );
  });
});

describe("automation/driver analysis: builtin on ingress-nginx", () => {
  it("sends the ingress-nginx PromQL for canary and stable to Prometheus, with the requests behind each share", async () => {
    const server = await startServer((req, res) => {
      const query = new URLSearchParams(req.body).get("query") ?? "";
      const canary = query.includes('canary!=""');
      const counting = query.startsWith("sum(increase(");
      const value = counting ? (canary ? "1000.4" : "4000") : canary ? "0.04" : "0.02";
      json(res, 200, {
        status: "success",
        data: { resultType: "vector", result: [{ metric: {}, value: [1, value] }] },
      });
    });
    try {
      const check = metric({
        name: "errors",
        provider: "builtin",
        query: "errorRate",
        interval: 1,
        count: 1,
        successCondition: "< 110% of baseline",
      });
      const result = await runAnalysis([check], target(release(NGINX), { prometheus: { url: server.url } }));
      assert.equal(result.outcome, "Failed");
      assert.deepEqual(summary(result.measurements), [{ outcome: "Failed", value: 0.04, baseline: 0.02 }]);
      const m = result.measurements[0] as CheckMeasurement;
      assert.deepEqual([m.requests, m.baselineRequests], [1000, 4000]);
      assert.match(m.reason, /success condition not met \(p 0.0019 < 0.01\)/, "judged on the counts");
      const sent = server.requests.map((r) => new URLSearchParams(r.body).get("query"));
      const side = (s: "canary" | "stable") => ({ namespace: "shop", ingress: "web", side: s }) as const;
      assert.deepEqual(
        sent.sort(),
        [
          ingressNginxQuery("errorRate", side("canary"), 1),
          ingressNginxQuery("errorRate", side("stable"), 1),
          ingressNginxRequestsQuery(side("canary"), 1),
          ingressNginxRequestsQuery(side("stable"), 1),
        ].sort(),
      );
      assert.equal(
        sent.find((q) => q?.includes('canary!=""')),
        '(sum(rate(nginx_ingress_controller_requests{namespace="shop",ingress="web",canary!="",status=~"5.."}[1s])) or vector(0)) / sum(rate(nginx_ingress_controller_requests{namespace="shop",ingress="web",canary!=""}[1s]))',
      );
      assert.ok(server.requests.every((r) => r.url === "/api/v1/query" && r.method === "POST"));
    } finally {
      await server.close();
    }
  });
});

describe("automation/driver analysis: checks side by side", () => {
  it("stops the other checks when one fails, and fails fast when asked", async () => {
    const failing = metric({
      name: "fails",
      provider: "azure-monitor",
      query: '{"resourceUri": "/r", "metricName": "Requests", "aggregation": "Total"}',
      failureCondition: "> 0",
      count: 3,
    });
    const slow = metric({ name: "slow", provider: "prometheus", query: "up", interval: "30s" });
    const client = {
      async queryResource() {
        return {
          metrics: [
            {
              id: "x",
              type: "t",
              name: "Requests",
              unit: "Count" as const,
              timeseries: [{ data: [{ timeStamp: new Date(), total: 1 }] }],
            },
          ],
        };
      },
    };
    const started = Date.now();
    const result = await runAnalysis(
      [failing, slow],
      target(release(NONE), { azureMonitor: {}, prometheus: { url: "http://127.0.0.1:1" } }),
      {
        createProvider: (spec) =>
          createProvider((spec.kind === "azure-monitor" ? { ...spec, client } : spec) as ProviderSpec),
      },
    );
    assert.equal(result.outcome, "Failed");
    assert.ok(Date.now() - started < 5_000, "the 30 s check was stopped");
    assert.deepEqual(
      result.measurements.map((m) => m.check),
      ["fails"],
    );

    const inconclusive = metric({
      name: "no-data",
      provider: "builtin",
      query: "errorRate",
      count: 3,
      inconclusiveLimit: 2,
    });
    const server = await startServer((_req, res) => json(res, 200, { versions: {} }));
    try {
      const fast = await runAnalysis(
        [inconclusive],
        target(
          release({ kind: "local-proxy", metricsJsonUrl: `${server.url}/metrics.json` }),
          {},
          { secrets: { adminToken: "t" } },
        ),
        { failFast: true },
      );
      assert.equal(fast.outcome, "Inconclusive");
      assert.equal(fast.measurements.length, 1);
      assert.match(fast.reason, /\(fail fast\)$/);
    } finally {
      await server.close();
    }
  });
});

describe("automation/driver analysis: HTTP checks", () => {
  it("passes after successThreshold successes in a row and fails after failureThreshold failures in a row", async () => {
    let requests = 0;
    const server = await startServer((req, res) => {
      requests++;
      res.writeHead(req.url === "/flaky" && requests === 1 ? 503 : req.url === "/down" ? 503 : 200).end();
    });
    try {
      const check = (path: string) =>
        // A short interval keeps the test fast; the timeout leaves room for a busy machine (a
        // request that times out is an Error, not the Failed this test counts).
        resolveHttpCheck({ kind: "http", path, interval: 0.01, timeout: 2 }, "c", []);
      const flaky = await runAnalysis([check("/flaky")], target(release(NONE, server.url)));
      // One 503 does not pass the check; the next 200 does (successThreshold 1).
      assert.equal(flaky.outcome, "Successful", flaky.reason);
      assert.deepEqual(
        flaky.measurements.map((m) => m.outcome),
        ["Failed", "Successful"],
      );
      const down = await runAnalysis([check("/down")], target(release(NONE, server.url)));
      assert.equal(down.outcome, "Failed");
      assert.equal(down.measurements.length, 3, "failureThreshold 3");
      assert.match(down.reason, /3 failed requests in a row \(threshold 3\); last: status 503$/);
      const unreachable = await runAnalysis([check("/")], target(release(NONE, await deadUrl())));
      assert.equal(unreachable.outcome, "Error");
    } finally {
      await server.close();
    }
  });

  it("checks the release endpoint with the candidate header", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(req.headers["x-canary"] === "always" && req.url === "/healthz" ? 200 : 503).end();
    });
    try {
      const check = resolveHttpCheck(
        { kind: "http", path: "/healthz", successThreshold: 2, interval: 0.01, timeout: 0.01 },
        "c",
        [],
      );
      const result = await runAnalysis(
        [check],
        target(release(NONE, server.url), {}, { candidateHeader: { name: "x-canary", value: "always" } }),
      );
      assert.equal(result.outcome, "Successful", result.reason);
      assert.deepEqual(
        result.measurements.map((m) => [m.outcome, m.value]),
        [
          ["Successful", 200],
          ["Successful", 200],
        ],
      );
      const failed = await runAnalysis([check], target(release(NONE, server.url)));
      assert.equal(failed.outcome, "Failed");
    } finally {
      await server.close();
    }
  });
});
