// A real Prometheus (scripts/ensure-prometheus.sh) scraping a metrics endpoint served here,
// in the proxy's metric names, every second; the prometheus provider must read the right
// error rate and p99 through PromQL, no data for an unknown version, and MetricQueryError
// for a bad query and an unreachable server. Under CI=true a missing binary fails the
// suite; locally it is skipped with the reason (as test/support/engine.ts does for Pulumi).
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  createPrometheusProvider,
  histogramQuantile,
  type Measurement,
  type MetricProvider,
  MetricQueryError,
} from "../../automation/metrics";
import { freePort, waitFor } from "../../harness/net";
import { requirePrometheus } from "../support/prometheus";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counters grow with time: 100 requests a second to each version; v2 answers 10 % with 5xx,
 * v1 none. Every v2 request takes 50-100 ms (one bucket), every v1 request under 5 ms.
 */
function exposition(startedMs: number): string {
  const ticks = Math.floor((Date.now() - startedMs) / 10); // 100 per second
  const out: string[] = [
    "# HELP progressive_proxy_requests_total Responses sent to clients, by version and status class.",
    "# TYPE progressive_proxy_requests_total counter",
  ];
  const versions = {
    v1: { ok: ticks, err: 0, bucket: 0.005 },
    v2: { ok: ticks * 0.9, err: ticks * 0.1, bucket: 0.1 },
  };
  for (const [version, v] of Object.entries(versions)) {
    out.push(`progressive_proxy_requests_total{service="web",version="${version}",code_class="2xx"} ${v.ok}`);
    out.push(
      `progressive_proxy_requests_total{service="web",version="${version}",code_class="5xx"} ${v.err}`,
    );
  }
  out.push("# TYPE progressive_proxy_request_duration_seconds histogram");
  for (const [version, v] of Object.entries(versions)) {
    const total = v.ok + v.err;
    for (const le of BUCKETS) {
      out.push(
        `progressive_proxy_request_duration_seconds_bucket{service="web",version="${version}",le="${le}"} ${le >= v.bucket ? total : 0}`,
      );
    }
    out.push(
      `progressive_proxy_request_duration_seconds_bucket{service="web",version="${version}",le="+Inf"} ${total}`,
    );
    out.push(
      `progressive_proxy_request_duration_seconds_sum{service="web",version="${version}"} ${total * v.bucket * 0.75}`,
    );
    out.push(`progressive_proxy_request_duration_seconds_count{service="web",version="${version}"} ${total}`);
  }
  return `${out.join("\n")}\n`;
}

const errorRateQuery = (version: string) =>
  `sum(rate(progressive_proxy_requests_total{service="web",version="${version}",code_class="5xx"}[30s]))` +
  ` / sum(rate(progressive_proxy_requests_total{service="web",version="${version}"}[30s]))`;

const valueOrFail = (m: Measurement): number => {
  if (m.kind === "value") return m.value;
  if (m.kind === "vector" && m.samples.length === 1 && m.samples[0]) return m.samples[0].value;
  throw new Error(`expected one value, got ${JSON.stringify(m)}`);
};

describe("engine: prometheus provider against a real Prometheus", function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let target: http.Server | undefined;
  let prom: ChildProcess | undefined;
  let promLog = "";
  let provider: MetricProvider;
  let promUrl = "";

  before(async function () {
    const { binary, version } = requirePrometheus(this, "prometheus engine test");
    console.log(`      prometheus: ${version} at ${binary}`);

    const started = Date.now();
    target = http.createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition(started));
    });
    await new Promise<void>((resolve) => target?.listen(0, "127.0.0.1", resolve));
    const targetPort = (target.address() as AddressInfo).port;

    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-prometheus-"));
    const config = path.join(dir, "prometheus.yml");
    fs.writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: proxy",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${targetPort}"]`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const t0 = performance.now();
    prom = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    prom.stderr?.on("data", (c: Buffer) => {
      promLog = (promLog + c.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) =>
      prom?.once("exit", (code) => reject(new Error(`prometheus exited with ${code}: ${promLog}`))),
    );
    exited.catch(() => undefined);
    provider = createPrometheusProvider({ name: "prom", url: promUrl, timeoutMs: 5000 });
    await Promise.race([
      exited,
      waitFor(
        "the target to be up",
        30_000,
        async () => {
          const m = await provider.query({ query: 'up{job="proxy"} == 1' });
          return m.kind === "vector" ? true : undefined;
        },
        250,
      ),
    ]);
    const up = performance.now() - t0;
    await Promise.race([
      exited,
      waitFor(
        "a rate over two scrapes",
        30_000,
        async () => {
          const m = await provider.query({ query: errorRateQuery("v2") });
          return m.kind === "noData" ? undefined : m;
        },
        250,
      ),
    ]);
    console.log(
      `      prometheus up and scraping in ${(up / 1000).toFixed(1)} s, first rate after ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  });

  after(async () => {
    if (prom && prom.exitCode === null && prom.signalCode === null) {
      const child = prom;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    }
    if (target) {
      target.closeAllConnections();
      await new Promise<void>((resolve) => target?.close(() => resolve()));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads the error rate of a version through PromQL", async () => {
    assert.ok(Math.abs(valueOrFail(await provider.query({ query: errorRateQuery("v2") })) - 0.1) < 1e-9);
    assert.equal(valueOrFail(await provider.query({ query: errorRateQuery("v1") })), 0);
  });

  it("reads p99 latency from the histogram, as the proxy provider computes it", async () => {
    const query = `histogram_quantile(0.99, sum by (le) (rate(progressive_proxy_request_duration_seconds_bucket{service="web",version="v2"}[30s])))`;
    const fromPrometheus = valueOrFail(await provider.query({ query }));
    const buckets = [...BUCKETS, Number.POSITIVE_INFINITY].map((le) => ({ le, count: le >= 0.1 ? 1000 : 0 }));
    assert.ok(
      Math.abs(fromPrometheus - histogramQuantile(0.99, buckets)) < 1e-9,
      `prometheus ${fromPrometheus}`,
    );
    assert.ok(Math.abs(fromPrometheus - 0.0995) < 1e-9);
  });

  it("returns no data for an unknown version", async () => {
    const m = await provider.query({ query: errorRateQuery("v404") });
    assert.equal(m.kind, "noData");
  });

  it("throws MetricQueryError for a bad query", async () => {
    const err = await provider.query({ query: "sum(rate(progressive_proxy_requests_total[30s]" }).then(
      () => assert.fail("a bad query resolved"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof MetricQueryError, String(err));
    assert.equal(err.failure, "query-error");
    assert.match(err.message, /answered HTTP 400, bad_data: .*parse error/);
  });

  it("throws MetricQueryError for an unreachable server", async () => {
    const dead = createPrometheusProvider({
      name: "dead",
      url: `http://127.0.0.1:${await freePort()}`,
      timeoutMs: 2000,
    });
    const err = await dead.query({ query: "up" }).then(
      () => assert.fail("an unreachable server answered"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof MetricQueryError, String(err));
    assert.equal(err.failure, "unreachable");
    assert.match(err.message, /connection refused/);
  });
});
