// The load step against a real HTTP server on 127.0.0.1: pacing, bounds, stopping with the
// analysis or the abort signal, headers sent but never shown, and its settings.
import * as assert from "node:assert/strict";
import type * as http from "node:http";
import type { DriverEventInput } from "../../../automation/driver/events";
import {
  LOAD_REQUESTS_PER_WINDOW,
  LoadRun,
  type LoadSettings,
  planLoad,
  startTicker,
  withLoad,
} from "../../../automation/driver/load";
import { parseSettings, type RawConfigValue } from "../../../automation/driver/settings";
import {
  DEFAULT_CANARY_CHECKS,
  type Problem,
  type ReleaseOutputs,
  resolveChecks,
} from "../../../components/core";
import { startServer, type TestServer } from "../automation/helpers";

const SETTINGS: LoadSettings = {
  path: "/",
  rate: 20,
  concurrency: 10,
  maxRequests: 10_000,
  timeoutSeconds: 5,
  headers: {},
};

function checks(interval: string) {
  const problems: Problem[] = [];
  const out = resolveChecks(
    DEFAULT_CANARY_CHECKS.map((c) => ({ ...c, interval })),
    "checks",
    problems,
  );
  assert.deepEqual(problems, []);
  return out;
}

const release = (endpoint: string) => ({ endpoint }) as ReleaseOutputs;

/** Resolves when `n` requests reached the server. */
async function requestsReached(server: TestServer, n: number): Promise<void> {
  while (server.requests.length < n) await new Promise((r) => setTimeout(r, 5));
}

function events(): { list: DriverEventInput[]; emit: (e: DriverEventInput) => void } {
  const list: DriverEventInput[] = [];
  return { list, emit: (e) => list.push(e) };
}

describe("driver: load step pacing", () => {
  const table: [string, number, string, "candidate" | "preview", number][] = [
    // weight, interval, analysis target -> requests per second
    ["5 % at the default 60 s gives each side 20 requests a window", 5, "60s", "candidate", 20 / 3],
    ["10 %", 10, "60s", "candidate", 10 / 3],
    ["50 %", 50, "60s", "candidate", 2 / 3],
    ["95 % paces for the stable side", 95, "60s", "candidate", 20 / 3],
    ["1 % is capped by the rate", 1, "60s", "candidate", 20],
    ["5 s windows at 5 % are capped too", 5, "5s", "candidate", 20],
    ["a preview analysis sends all of it to one version", 0, "60s", "preview", 1 / 3],
  ];
  for (const [title, weight, interval, on, rate] of table) {
    it(title, () => {
      const plan = planLoad(
        SETTINGS,
        checks(interval),
        { candidateWeight: weight, release: release("http://127.0.0.1:8080") },
        on,
      );
      assert.ok("url" in plan, JSON.stringify(plan));
      assert.ok(Math.abs(plan.ratePerSecond - rate) < 1e-9, `${plan.ratePerSecond} != ${rate}`);
      const share = on === "preview" ? 1 : Math.min(weight, 100 - weight) / 100;
      if (plan.ratePerSecond < SETTINGS.rate)
        assert.equal(Math.round(plan.ratePerSecond * share * plan.windowSeconds), LOAD_REQUESTS_PER_WINDOW);
    });
  }

  it("requests the path on the endpoint the analysis measures, nowhere else", () => {
    const target = {
      candidateWeight: 5,
      release: release("http://127.0.0.1:8080"),
      httpBaseUrl: "http://127.0.0.1:8081/",
    };
    const plan = planLoad({ ...SETTINGS, path: "/api/items?limit=1" }, checks("60s"), target, "preview");
    assert.ok("url" in plan);
    assert.equal(plan.url, "http://127.0.0.1:8081/api/items?limit=1");
  });

  it("sends nothing to an endpoint that is not HTTP (a feature flag's store), and says so", async () => {
    const target = { candidateWeight: 5, release: release("file:///tmp/flags.json") };
    const plan = planLoad(SETTINGS, checks("60s"), target, "candidate");
    assert.deepEqual(plan, { skip: "the release's endpoint (file:///tmp/flags.json) is not an HTTP URL" });
    const e = events();
    assert.equal(
      await withLoad(
        SETTINGS,
        () => plan,
        { step: 2, emit: e.emit },
        async () => "done",
      ),
      "done",
    );
    assert.deepEqual(e.list, [
      {
        type: "log",
        level: "warn",
        message: "load: not sent: the release's endpoint (file:///tmp/flags.json) is not an HTTP URL",
      },
    ]);
  });

  it("catches up at most 5 ticks after the event loop stalled", async () => {
    const bursts: number[] = [];
    let burst = 0;
    let ticks = 0;
    const stop = startTicker(1000, () => {
      ticks++;
      // Ticks of one catch-up run synchronously; the microtask counts them when the run ends.
      if (burst === 0)
        queueMicrotask(() => {
          bursts.push(burst);
          burst = 0;
        });
      burst++;
    });
    await new Promise((r) => setTimeout(r, 20));
    const until = performance.now() + 100; // 100 ticks fall due while the loop is blocked
    while (performance.now() < until) {
      // blocked
    }
    await new Promise((r) => setTimeout(r, 20));
    stop();
    const after = ticks;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(ticks, after, "no tick after stop");
    assert.ok(Math.max(...bursts) <= 5, `bursts ${JSON.stringify(bursts)}`);
  });
});

describe("driver: load step runs", () => {
  let server: TestServer;
  let status = 200;
  let hold: http.ServerResponse[] | undefined;
  before(async () => {
    server = await startServer((_req, res) => {
      if (hold) hold.push(res);
      else res.writeHead(status).end("ok");
    });
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    status = 200;
    hold = undefined;
  });
  const plan = (rate: number) => () => ({
    url: `${server.url}/work?x=1`,
    ratePerSecond: rate,
    windowSeconds: 1,
  });

  it("sends paced GETs with its headers while the analysis runs, stops with it, and never shows a header value", async () => {
    const e = events();
    const settings = { ...SETTINGS, headers: { Authorization: "Bearer s3cr3t-token" } };
    const result = await withLoad(settings, plan(200), { step: 3, emit: e.emit }, async () => {
      assert.ok(server.requests.length > 0, "the first answer came before the analysis started");
      await requestsReached(server, 20);
      return "analysis result";
    });
    assert.equal(result, "analysis result");
    const sent = server.requests.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requests.length, sent, "nothing is sent after the analysis ended");
    assert.ok(server.requests.every((r) => r.method === "GET" && r.url === "/work?x=1"));
    assert.equal(server.requests[0]?.headers.authorization, "Bearer s3cr3t-token");
    const [started, done] = e.list;
    assert.deepEqual(started, {
      type: "load",
      phase: "started",
      step: 3,
      url: `${server.url}/work`,
      ratePerSecond: 200,
      concurrency: 10,
      maxRequests: 10_000,
    });
    assert.ok(done?.type === "load" && done.phase === "done");
    assert.equal(done.sent, sent);
    assert.deepEqual([done.failed, done.byStatus, done.stoppedBy], [0, { "2xx": sent }, "analysis"]);
    assert.ok(!JSON.stringify(e.list).includes("s3cr3t"), "no header value in the events");
  });

  it("counts 5xx answers and refused connections as failed", async () => {
    status = 503;
    const e = events();
    await withLoad(SETTINGS, plan(200), { step: 1, emit: e.emit }, () => requestsReached(server, 5));
    const done = e.list.at(-1);
    assert.ok(done?.type === "load" && done.phase === "done");
    assert.equal(done.failed, done.sent);
    assert.deepEqual(done.byStatus, { "5xx": done.sent });
  });

  it("stops at maxRequests and says so", async () => {
    const e = events();
    await withLoad({ ...SETTINGS, maxRequests: 7 }, plan(500), { step: 1, emit: e.emit }, async () => {
      while (!e.list.some((x) => x.type === "log")) await new Promise((r) => setTimeout(r, 5));
    });
    assert.equal(server.requests.length, 7);
    const done = e.list.at(-1);
    assert.ok(done?.type === "load" && done.phase === "done");
    assert.deepEqual([done.sent, done.stoppedBy], [7, "maxRequests"]);
    assert.match(
      JSON.stringify(e.list),
      /load: stopped after 7 requests \(progressive:release.load.maxRequests\)/,
    );
  });

  it("keeps at most `concurrency` requests in flight and skips the ticks beyond", async () => {
    hold = [];
    const run = new LoadRun(plan(500)(), { ...SETTINGS, concurrency: 2 });
    await requestsReached(server, 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requests.length, 2, "no third request while two are in flight");
    const held = hold;
    hold = undefined;
    for (const res of held) res.writeHead(200).end();
    await run.firstAnswer;
    const done = await run.stop();
    assert.ok(done.skipped > 0, JSON.stringify(done));
    assert.equal(done.failed, 0);
  });

  it("stops at once on the release's abort, counting cut requests as aborted, not failed", async () => {
    hold = [];
    const controller = new AbortController();
    const run = new LoadRun(plan(100)(), SETTINGS, controller.signal);
    await requestsReached(server, 3);
    controller.abort(new Error("interrupted"));
    const done = await run.stop();
    for (const res of hold.splice(0)) res.destroy();
    assert.equal(done.stoppedBy, "aborted");
    assert.equal(done.failed, 0);
    assert.equal(done.byStatus.aborted, done.sent, JSON.stringify(done));
  });

  it("does nothing when the setting is off", async () => {
    const e = events();
    assert.equal(await withLoad(undefined, plan(100), { step: 1, emit: e.emit }, async () => 42), 42);
    assert.deepEqual([e.list, server.requests.length], [[], 0]);
  });
});

describe("driver: load step settings (progressive:release.load)", () => {
  const config = (load: unknown, secret = false): Record<string, RawConfigValue> => ({
    "progressive:release": { value: JSON.stringify({ load }), secret, objectValue: { load } },
  });

  it("is off unless set, and `true` turns it on with every default", () => {
    assert.equal(parseSettings({}, "dev").release.load, undefined);
    assert.equal(parseSettings(config(false), "dev").release.load, undefined);
    assert.deepEqual(parseSettings(config(true), "dev").release.load, SETTINGS);
    assert.deepEqual(parseSettings(config({ rate: "5", path: "/health" }), "dev").release.load, {
      ...SETTINGS,
      rate: 5,
      path: "/health",
    });
  });

  const refused: [string, unknown, string][] = [
    [
      "a path to another host",
      { path: "//evil.example/x" },
      'progressive:release.load.path ("//evil.example/x"): must be a path on the service\'s endpoint such as "/" or "/api/items?limit=1" (no host, spaces or #)',
    ],
    [
      "a URL",
      { path: "http://evil.example/" },
      'progressive:release.load.path ("http://evil.example/"): must be a path on the service\'s endpoint such as "/" or "/api/items?limit=1" (no host, spaces or #)',
    ],
    [
      "an unbounded rate",
      { rate: 5000 },
      "progressive:release.load.rate (5000): must be a number of requests per second above 0, at most 200, such as 20",
    ],
    [
      "a concurrency of 0",
      { concurrency: 0 },
      "progressive:release.load.concurrency (0): must be a whole number from 1 to 100, such as 10",
    ],
    [
      "a Host header",
      { headers: { Host: "evil.example" } },
      "progressive:release.load.headers.Host ((not shown)): must not be one of host, connection, content-length, transfer-encoding, upgrade (the request goes to the release's endpoint as it is)",
    ],
  ];
  for (const [title, load, problem] of refused) {
    it(`refuses ${title}`, () => {
      assert.throws(
        () => parseSettings(config(load), "dev"),
        (e: Error) => e.message.includes(`  - ${problem}; see the progressive:release row`),
      );
    });
  }

  it("never shows a header value in its problems", () => {
    assert.throws(
      () => parseSettings(config({ headers: { Authorization: "Bearer s3cr3t\r\nX: y" } }, true), "dev"),
      (e: Error) =>
        e.message.includes(
          "progressive:release.load.headers.Authorization ((not shown)): must be one line",
        ) && !e.message.includes("s3cr3t"),
    );
  });

  it("names the known keys for a misspelt one", () => {
    assert.throws(
      () => parseSettings(config({ rat: 5 }), "dev"),
      /progressive:release\.load\.rat \(5\): is not a known setting; remove it or fix its spelling; known keys: path, rate, concurrency, maxRequests, timeoutSeconds, headers/,
    );
  });
});
