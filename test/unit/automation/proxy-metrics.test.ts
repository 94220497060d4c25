import * as assert from "node:assert/strict";
import {
  createProxyProvider,
  diffCounters,
  errorRate,
  histogramQuantile,
  MetricConfigError,
  MetricQueryError,
  meanLatency,
  type ProxyVersionDocument,
  parseVersion,
  proxyMeasurement,
} from "../../../automation/metrics";
import { slowRequests } from "../../../automation/metrics/proxy-metrics";
import { ProxyMetrics } from "../../../components/local/runtime/metrics";
import { rejectsWith, startServer, type TestServer } from "./helpers";

const BOUNDS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];

/** A version document with `perBucket[i]` requests whose latency is in bucket i. */
function versionDoc(
  requests: Record<string, number>,
  perBucket: number[],
  proxyErrors: Record<string, number> = {},
  sum = 0,
): ProxyVersionDocument {
  let running = 0;
  const buckets = BOUNDS.map((le, i) => {
    running += perBucket[i] ?? 0;
    return { le, count: running };
  });
  return { requests, proxyErrors, latency: { buckets, sum, count: running }, inFlight: 0 };
}

describe("automation/metrics proxy maths", () => {
  it("histogramQuantile interpolates like histogram_quantile()", () => {
    const b = (counts: number[]) =>
      counts.map((count, i) => ({
        le: i === counts.length - 1 ? Infinity : ([0.1, 0.2, 0.4][i] ?? 0),
        count,
      }));
    const cases: Array<[string, number, number[], number]> = [
      ["all in first bucket, median", 0.5, [100, 100, 100, 100], 0.05],
      ["p99 in the second bucket", 0.99, [50, 100, 100, 100], 0.1 + 0.1 * (49 / 50)],
      ["rank in +Inf returns highest finite bound", 0.99, [0, 0, 90, 100], 0.4],
      ["q=1 on a full last finite bucket", 1, [0, 0, 10, 10], 0.4],
      ["q=0", 0, [10, 10, 10, 10], 0],
    ];
    for (const [name, q, counts, want] of cases) {
      assert.ok(
        Math.abs(histogramQuantile(q, b(counts)) - want) < 1e-12,
        `${name}: got ${histogramQuantile(q, b(counts))}`,
      );
    }
    assert.ok(Number.isNaN(histogramQuantile(0.99, b([0, 0, 0, 0]))), "empty histogram is NaN");
    assert.ok(Number.isNaN(histogramQuantile(0.99, [])), "no buckets is NaN");
  });

  it("errorRate counts 5xx once and adds non-5xx proxy errors", () => {
    const c = parseVersion(versionDoc({ "2xx": 90, "4xx": 5, "5xx": 5 }, [100], { "502": 3, aborted: 2 }));
    assert.equal(errorRate(c), (5 + 2) / 100);
    assert.ok(Number.isNaN(errorRate(parseVersion({}))));
  });

  it("meanLatency is sum / count", () => {
    assert.equal(meanLatency(parseVersion(versionDoc({ "2xx": 4 }, [4], {}, 0.02))), 0.005);
  });

  it("parses tolerantly: missing fields, strings, unsorted buckets", () => {
    const c = parseVersion({
      requests: { "2xx": "x" as unknown as number, "5xx": 2 },
      latency: {
        buckets: [
          { le: "+Inf", count: 2 },
          { le: 0.1, count: 1 },
        ],
      },
    });
    assert.equal(c.requests["2xx"], 0);
    assert.equal(c.requests["5xx"], 2);
    assert.deepEqual(
      c.buckets.map((b) => b.le),
      [0.1, Infinity],
    );
    assert.equal(parseVersion(null).latencyCount, 0);
  });

  it("diffCounters subtracts, and falls back to the newer snapshot on a counter reset", () => {
    const before = parseVersion(versionDoc({ "2xx": 100, "5xx": 0 }, [100]));
    const after = parseVersion(versionDoc({ "2xx": 150, "5xx": 50 }, [100, 100]));
    const d = diffCounters(before, after);
    assert.equal(d.requests["2xx"], 50);
    assert.equal(d.requests["5xx"], 50);
    assert.equal(errorRate(d), 0.5);
    assert.equal(d.buckets[0]?.count, 0);
    assert.equal(d.buckets[1]?.count, 100);
    const restarted = parseVersion(versionDoc({ "2xx": 3 }, [3]));
    assert.equal(diffCounters(after, restarted), restarted);
  });

  it("proxyMeasurement: zero requests and unknown versions are no data", () => {
    const at = new Date(0);
    assert.equal(proxyMeasurement("errorRate", "v9", undefined, at).kind, "noData");
    const m = proxyMeasurement("errorRate", "v2", parseVersion(versionDoc({}, [])), at, 10);
    assert.deepEqual(m, { kind: "noData", reason: 'no requests to version "v2" in 10.0 s', at });
    const t = proxyMeasurement("throughput", "v2", parseVersion(versionDoc({ "2xx": 50 }, [50])), at, 10);
    assert.equal(t.kind === "value" && t.value, 5);
  });
});

describe("automation/metrics proxy: slow requests", () => {
  // 10 requests in each of the buckets up to 5 ms, 10 ms, 25 ms, 50 ms, 100 ms.
  const c = parseVersion(versionDoc({ "2xx": 50 }, [10, 10, 10, 10, 10]));

  it("counts the requests above a bound exactly", () => {
    assert.deepEqual(slowRequests(c, 0.025), { slow: 20, total: 50 });
    assert.deepEqual(slowRequests(c, 0.1), { slow: 0, total: 50 });
  });

  it("counts at the bound at or below a threshold between bounds, and all below the first bound", () => {
    assert.deepEqual(slowRequests(c, 0.03), { slow: 20, total: 50 });
    assert.deepEqual(slowRequests(c, 0.001), { slow: 50, total: 50 });
  });

  it("slowRate is the share, with the counts behind it; no timed request is no data", () => {
    const m = proxyMeasurement("slowRate", "v2", c, new Date(0), undefined, 0.025);
    assert.equal(m.kind === "value" && m.value, 0.4);
    assert.deepEqual(m.kind === "value" && m.detail, { requests: 50, slow: 20 });
    const none = parseVersion(versionDoc({}, []));
    assert.equal(proxyMeasurement("slowRate", "v2", none, new Date(0), undefined, 0.025).kind, "noData");
  });
});

describe("automation/metrics proxy provider", () => {
  let server: TestServer;
  let doc: () => unknown;
  before(async () => {
    server = await startServer((req, res) => {
      if (req.headers.authorization !== "Bearer admin-token") {
        res.writeHead(401).end();
        return;
      }
      if (req.url !== "/metrics.json") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc()));
    });
  });
  after(() => server.close());

  const provider = (token = "admin-token") =>
    createProxyProvider({ name: "proxy", adminUrl: `${server.url}/`, token, timeoutMs: 2000 });

  it("answers errorRate, meanLatency and p99Latency from cumulative counters", async () => {
    doc = () => ({
      service: "web",
      versions: { v2: versionDoc({ "2xx": 95, "5xx": 5 }, [0, 0, 0, 0, 100], {}, 7.5) },
    });
    const p = provider();
    const e = await p.query({ metric: "errorRate", version: "v2" });
    assert.equal(e.kind === "value" && e.value, 0.05);
    const mean = await p.query({ metric: "meanLatency", version: "v2" });
    assert.equal(mean.kind === "value" && mean.value, 0.075);
    const p99 = await p.query({ metric: "p99Latency", version: "v2" });
    assert.ok(p99.kind === "value" && Math.abs(p99.value - (0.05 + 0.05 * 0.99)) < 1e-12);
    assert.equal(server.requests.at(-1)?.headers.authorization, "Bearer admin-token");
  });

  it("measures a window from two snapshots", async () => {
    let calls = 0;
    doc = () => {
      calls++;
      return calls === 1
        ? { versions: { v2: versionDoc({ "2xx": 1000 }, [1000]) } }
        : { versions: { v2: versionDoc({ "2xx": 1010, "5xx": 10 }, [1020]) } };
    };
    const m = await provider().query({ metric: "errorRate", version: "v2", windowMs: 50 });
    assert.equal(m.kind === "value" && m.value, 0.5);
    calls = 0;
    const t = await provider().query({ metric: "throughput", version: "v2", windowMs: 50 });
    assert.ok(t.kind === "value" && t.value > 0 && t.value < 20 / 0.04, `throughput ${JSON.stringify(t)}`);
  });

  it("returns no data for zero requests and unknown versions", async () => {
    doc = () => ({ versions: { v2: versionDoc({}, []) } });
    assert.equal((await provider().query({ metric: "errorRate", version: "v2" })).kind, "noData");
    assert.equal((await provider().query({ metric: "errorRate", version: "v3" })).kind, "noData");
  });

  it("throws MetricQueryError for a wrong token and for a body that is not the document", async () => {
    const err = await rejectsWith(
      provider("wrong").query({ metric: "errorRate", version: "v2" }),
      MetricQueryError,
    );
    assert.match(err.message, /metrics\.json answered HTTP 401; check the admin token/);
    assert.doesNotMatch(err.message, /wrong/);
    doc = () => [1, 2];
    await rejectsWith(provider().query({ metric: "errorRate", version: "v2" }), MetricQueryError);
  });

  it("validates the query", async () => {
    const err = await rejectsWith(provider().query({ metric: "errors", version: "v2" }), MetricConfigError);
    assert.match(
      err.message,
      /query\.metric \("errors"\) must be one of "errorRate", "http5xxRate", "meanLatency", "p99Latency", "throughput", "slowRate"/,
    );
    await assert.rejects(
      provider().query({ metric: "throughput", version: "v2" }),
      /query\.windowMs \(not set\) must be more than 0 for throughput/,
    );
    await assert.rejects(
      provider().query({ metric: "slowRate", version: "v2" }),
      /query\.slowerThanSeconds \(not set\) must be a number from 0\.001 to 3600/,
    );
    await assert.rejects(
      provider().query({ metric: "errorRate", version: "v2", versions: ["v2"] }),
      /query\.version \("v2"\) cannot be given together with versions/,
    );
    await assert.rejects(
      provider().query({ metric: "errorRate", versions: [] }),
      /query\.versions \(\[\]\) must be a non-empty list of version names/,
    );
  });

  it("measures several versions from the same two snapshots, labelled by version", async () => {
    let calls = 0;
    doc = () => {
      calls++;
      return calls === 1
        ? { versions: { v1: versionDoc({ "2xx": 100 }, [100]), v2: versionDoc({ "2xx": 10 }, [10]) } }
        : {
            versions: {
              v1: versionDoc({ "2xx": 190, "5xx": 10 }, [200], { aborted: 2 }),
              v2: versionDoc({ "2xx": 10 }, [10]),
            },
          };
    };
    const m = await provider().query({ metric: "http5xxRate", versions: ["v1", "v2", "v3"], windowMs: 20 });
    // v1: 10 of 100 in the window (the aborted ones are not 5xx responses); v2 and v3: no requests.
    // Each sample says how many requests it comes from, for the checks' count tests.
    assert.deepEqual(m.kind === "vector" && m.samples, [
      { labels: { version: "v1" }, value: 0.1, detail: { requests: 100 } },
    ]);
    assert.equal(calls, 2, "one pair of snapshots for all versions");
    calls = 0;
    doc = () => ({ versions: {} });
    const none = await provider().query({ metric: "errorRate", versions: ["v1", "v2"], windowMs: 20 });
    assert.deepEqual(
      none.kind === "noData" && none.reason,
      'version "v1" is not known to the proxy; version "v2" is not known to the proxy',
    );
  });

  it("reads the document from metricsJsonUrl, as the release contract gives it", async () => {
    doc = () => ({ versions: { v2: versionDoc({ "2xx": 3, "5xx": 1 }, [4]) } });
    const p = createProxyProvider({
      name: "builtin",
      metricsJsonUrl: `${server.url}/metrics.json`,
      token: "admin-token",
    });
    const m = await p.query({ metric: "http5xxRate", version: "v2" });
    assert.equal(m.kind === "value" && m.value, 0.25);
    assert.throws(
      () => createProxyProvider({ name: "x", adminUrl: server.url, metricsJsonUrl: server.url, token: "t" }),
      /spec\.adminUrl \(".*"\) cannot be given together with metricsJsonUrl; give only one of the two/,
    );
    assert.throws(
      () => createProxyProvider({ name: "x", token: "t" }),
      /spec\.adminUrl \(not set\) must be a non-empty string/,
    );
  });
});

describe("automation/metrics proxy document from the local proxy", () => {
  it("reads what components/local's ProxyMetrics.toJson() produces", () => {
    const m = new ProxyMetrics("web");
    for (let i = 0; i < 97; i++) m.end("v2", 200, 0.02);
    m.end("v2", 500, 0.3);
    m.end("v2", 502, 0.001, "502");
    m.end("v2", 200, 0.04, "aborted");
    const view = {
      generation: 1,
      versions: [{ name: "v2", weight: 10, instances: [] }],
      isUp: () => true,
      instanceInFlight: () => 0,
    };
    const doc = JSON.parse(JSON.stringify(m.toJson(view)));
    const c = parseVersion(doc.versions.v2);
    assert.equal(errorRate(c), 3 / 100);
    assert.ok(Math.abs(histogramQuantile(0.5, c.buckets) - (0.01 + 0.015 * (49 / 97))) < 1e-9);
  });
});
