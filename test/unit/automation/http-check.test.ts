import * as assert from "node:assert/strict";
import {
  checkHttp,
  createHttpProvider,
  type HealthState,
  healthAfter,
  INITIAL_HEALTH,
  MetricQueryError,
  nextHealth,
  statusMatches,
} from "../../../automation/metrics";
import { deadUrl, rejectsWith, startServer, type TestServer } from "./helpers";

describe("automation/metrics health state machine", () => {
  const S = true;
  const F = false;
  // [name, results, thresholds, expected status, successes in a row, failures in a row]
  const table: Array<
    [
      string,
      boolean[],
      { successThreshold?: number; failureThreshold?: number },
      HealthState["status"],
      number,
      number,
    ]
  > = [
    ["nothing yet", [], {}, "unknown", 0, 0],
    ["one success with default threshold 1", [S], {}, "healthy", 1, 0],
    ["two failures stay unknown (default 3)", [F, F], {}, "unknown", 0, 2],
    ["three failures make unhealthy", [F, F, F], {}, "unhealthy", 0, 3],
    ["healthy survives two failures", [S, F, F], {}, "healthy", 0, 2],
    ["healthy falls after three", [S, F, F, F], {}, "unhealthy", 0, 3],
    ["a success resets the failure count", [S, F, F, S, F, F], {}, "healthy", 0, 2],
    [
      "unhealthy needs successThreshold successes",
      [F, S, S],
      { failureThreshold: 1, successThreshold: 3 },
      "unhealthy",
      2,
      0,
    ],
    ["then recovers", [F, S, S, S], { failureThreshold: 1, successThreshold: 3 }, "healthy", 3, 0],
    [
      "an interrupted streak starts over",
      [F, S, S, F, S, S],
      { failureThreshold: 2, successThreshold: 3 },
      "unknown",
      2,
      0,
    ],
  ];
  for (const [name, results, thresholds, status, successes, failures] of table) {
    it(name, () => {
      assert.deepEqual(healthAfter(results, thresholds), {
        status,
        consecutiveSuccesses: successes,
        consecutiveFailures: failures,
      });
    });
  }

  it("rejects bad thresholds naming the field", () => {
    assert.throws(
      () => nextHealth(INITIAL_HEALTH, true, { failureThreshold: 0 }),
      /failureThreshold \(0\) must be an integer from 1 to 1000; use e\.g\. 3/,
    );
  });
});

describe("automation/metrics http check", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((req, res) => {
      if (req.url === "/slow") return; // never answers
      const status = Number(new URL(req.url, "http://x").pathname.slice(1)) || 200;
      res.writeHead(status).end("ok");
    });
  });
  after(() => server.close());

  it("matches statuses against a list or a range", () => {
    assert.ok(statusMatches(204));
    assert.ok(statusMatches(399));
    assert.ok(!statusMatches(404));
    assert.ok(statusMatches(404, [404]));
    assert.ok(!statusMatches(200, { min: 500, max: 599 }));
  });

  it("returns status and latency for an expected status", async () => {
    const r = await checkHttp({ url: `${server.url}/204` });
    assert.equal(r.ok, true);
    assert.equal(r.status, 204);
    assert.ok(r.latencyMs >= 0 && r.latencyMs < 5000);
    assert.equal(r.error, undefined);
  });

  it("fails on an unexpected status, a timeout and a refused connection without throwing", async () => {
    const bad = await checkHttp({ url: `${server.url}/503?token=abc`, expectedStatus: [200] });
    assert.deepEqual([bad.ok, bad.status, bad.failure], [false, 503, undefined]);
    assert.equal(bad.error, `${server.url}/503 answered HTTP 503, expected 200`);
    const slow = await checkHttp({ url: `${server.url}/slow`, timeoutMs: 100 });
    assert.deepEqual([slow.ok, slow.status, slow.failure], [false, undefined, "timeout"]);
    assert.ok(slow.latencyMs >= 90, `latency ${slow.latencyMs}`);
    const dead = await checkHttp({ url: await deadUrl() });
    assert.deepEqual([dead.ok, dead.failure], [false, "unreachable"]);
    assert.match(dead.error ?? "", /connection refused \(ECONNREFUSED\)/);
  });

  it("as a provider: 1/0 for expected status, latency on request, MetricQueryError without a response", async () => {
    const p = createHttpProvider({ name: "web", timeoutMs: 200 });
    const ok = await p.query({ url: `${server.url}/200`, expectedStatus: "200-299" });
    assert.equal(ok.kind === "value" && ok.value, 1);
    assert.equal(ok.kind === "value" && ok.detail?.status, 200);
    const notOk = await p.query({ url: `${server.url}/500` });
    assert.equal(notOk.kind === "value" && notOk.value, 0);
    const latency = await p.query({ url: `${server.url}/200`, measure: "latency" });
    assert.ok(latency.kind === "value" && latency.value > 0 && latency.value < 1);
    const err = await rejectsWith(p.query({ url: `${server.url}/slow` }), MetricQueryError);
    assert.equal(err.failure, "timeout");
    await assert.rejects(
      p.query({ url: `${server.url}/`, expectedStatus: "2xx" }),
      /query\.expectedStatus \("2xx"\) must be a status, a list of statuses, or a range/,
    );
  });
});
