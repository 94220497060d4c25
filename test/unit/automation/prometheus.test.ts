import * as assert from "node:assert/strict";
import {
  createPrometheusProvider,
  MetricConfigError,
  MetricQueryError,
  parsePromValue,
} from "../../../automation/metrics";
import { deadUrl, json, rejectsWith, startServer, type TestServer } from "./helpers";

describe("automation/metrics prometheus", () => {
  let server: TestServer;
  let reply: (query: string) => { status: number; body: unknown };

  before(async () => {
    server = await startServer((req, res) => {
      const query = new URLSearchParams(req.body).get("query") ?? "";
      const { status, body } = reply(query);
      if (typeof body === "string") {
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(body);
      } else json(res, status, body);
    });
  });
  after(() => server.close());

  const provider = (extra: Record<string, unknown> = {}) =>
    createPrometheusProvider({ name: "prom", url: server.url, timeoutMs: 2000, ...extra });

  it("POSTs the PromQL to /api/v1/query and returns a vector", async () => {
    reply = () => ({
      status: 200,
      body: {
        status: "success",
        data: {
          resultType: "vector",
          result: [{ metric: { version: "v2" }, value: [1700000000.5, "0.25"] }],
        },
      },
    });
    const m = await provider().query({ query: "sum by (version) (rate(x[1m]))" });
    assert.deepEqual(m, {
      kind: "vector",
      samples: [{ labels: { version: "v2" }, value: 0.25 }],
      at: new Date(1700000000500),
    });
    const req = server.requests.at(-1);
    assert.equal(req?.method, "POST");
    assert.equal(req?.url, "/api/v1/query");
    assert.equal(new URLSearchParams(req?.body).get("timeout"), "2000ms");
  });

  it("returns a scalar as a value", async () => {
    reply = () => ({
      status: 200,
      body: { status: "success", data: { resultType: "scalar", result: [1700000000, "3"] } },
    });
    const m = await provider().query({ query: "scalar(vector(3))" });
    assert.equal(m.kind, "value");
    assert.equal(m.kind === "value" && m.value, 3);
  });

  it("treats an empty vector and NaN as no data, never 0", async () => {
    reply = () => ({ status: 200, body: { status: "success", data: { resultType: "vector", result: [] } } });
    const empty = await provider().query({ query: "absent_metric" });
    assert.equal(empty.kind, "noData");
    assert.match(empty.kind === "noData" ? empty.reason : "", /no series matched/);
    reply = () => ({
      status: 200,
      body: {
        status: "success",
        data: { resultType: "vector", result: [{ metric: {}, value: [1, "NaN"] }] },
      },
    });
    const nan = await provider().query({ query: "0/0" });
    assert.deepEqual(nan.kind === "noData" && nan.reason, "every series is NaN");
  });

  it("parses Prometheus sample values", () => {
    assert.equal(parsePromValue("+Inf"), Number.POSITIVE_INFINITY);
    assert.equal(parsePromValue("-Inf"), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(parsePromValue("NaN")));
    assert.equal(parsePromValue("1e-3"), 0.001);
  });

  it("throws a query-error for status: error", async () => {
    reply = () => ({
      status: 400,
      body: { status: "error", errorType: "bad_data", error: "parse error at char 5" },
    });
    const err = await rejectsWith(provider().query({ query: "sum(" }), MetricQueryError);
    assert.equal(err.failure, "query-error");
    assert.match(err.message, /HTTP 400, bad_data: parse error at char 5 \(query: sum\(\)/);
  });

  it("names the URL without credentials and the status for non-2xx", async () => {
    reply = () => ({ status: 502, body: "bad gateway" });
    const p = createPrometheusProvider({
      name: "prom",
      url: server.url.replace("http://", "http://alice:s3cret@"),
    });
    const err = await rejectsWith(p.query({ query: "up" }), MetricQueryError);
    assert.equal(err.failure, "http-status");
    assert.match(err.message, new RegExp(`${server.url}/api/v1/query answered HTTP 502`));
    assert.doesNotMatch(err.message, /alice|s3cret/);
    assert.equal(
      server.requests.at(-1)?.headers.authorization,
      `Basic ${Buffer.from("alice:s3cret").toString("base64")}`,
    );
  });

  it("sends a bearer token", async () => {
    reply = () => ({
      status: 200,
      body: { status: "success", data: { resultType: "scalar", result: [1, "1"] } },
    });
    await provider({ bearerToken: "tok" }).query({ query: "1" });
    assert.equal(server.requests.at(-1)?.headers.authorization, "Bearer tok");
  });

  it("rejects a range vector result as a query error", async () => {
    reply = () => ({ status: 200, body: { status: "success", data: { resultType: "matrix", result: [] } } });
    const err = await rejectsWith(provider().query({ query: "up[5m]" }), MetricQueryError);
    assert.match(err.message, /matrix.*rate\(\)/);
  });

  it("times out", async () => {
    const slow = await startServer(() => undefined);
    try {
      const p = createPrometheusProvider({ name: "prom", url: slow.url, timeoutMs: 100 });
      const err = await rejectsWith(p.query({ query: "up" }), MetricQueryError);
      assert.equal(err.failure, "timeout");
      assert.match(err.message, /no response within 100 ms/);
    } finally {
      await slow.close();
    }
  });

  it("reports an unreachable server", async () => {
    const p = createPrometheusProvider({ name: "prom", url: await deadUrl() });
    const err = await rejectsWith(p.query({ query: "up" }), MetricQueryError);
    assert.equal(err.failure, "unreachable");
    assert.match(err.message, /connection refused/);
  });

  it("rethrows the caller's abort", async () => {
    const ac = new AbortController();
    ac.abort(new Error("release aborted"));
    await assert.rejects(provider().query({ query: "up" }, ac.signal), /release aborted/);
  });

  it("validates spec and query, naming the field, value and fix", () => {
    assert.throws(
      () => createPrometheusProvider({ name: "prom", url: "ftp://x" }),
      (e: unknown) =>
        e instanceof MetricConfigError && /spec\.url \("ftp:"\) must use http or https/.test(e.message),
    );
    assert.throws(
      () => createPrometheusProvider({ name: "prom", url: "http://x", timeoutMs: -1 }),
      /spec\.timeoutMs \(-1\) must be an integer from 1 to 600000; use e\.g\. 10000/,
    );
    return assert.rejects(
      provider().query({ query: "" }),
      /query\.query \(""\) must be a non-empty string; give a PromQL/,
    );
  });
});
