import * as assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  createSlackNotifier,
  createWebhookNotifier,
  notifyAll,
  type ReleaseEvent,
  slackMessage,
  WEBHOOK_SCHEMA,
} from "../../../automation/notify";
import { deadUrl, startServer, type TestServer } from "./helpers";

const SECRET_PATH = "/services/T000/B000/XXXXsecretXXXX";

const event: ReleaseEvent = {
  type: "release.reverted",
  releaseId: "20250101T000000Z-abcdef",
  stack: "prod",
  service: "web",
  version: "v2",
  previousVersion: "v1",
  actor: "alice",
  strategy: "canary",
  at: "2025-01-01T00:05:00.000Z",
  weight: 10,
  reason: "error-rate 0.12 > 0.05 <step 2>",
  timeToRevertMs: 4200,
};

function collectingLogger() {
  const lines: string[] = [];
  return { lines, logger: { warn: (m: string) => lines.push(m) } };
}

describe("automation/notify", () => {
  let server: TestServer;
  let status = 200;
  before(async () => {
    server = await startServer((req, res) => {
      if (req.url.startsWith("/hang")) return;
      res.writeHead(req.url.startsWith("/fail") ? 500 : status).end("ok");
    });
  });
  after(() => server.close());
  beforeEach(() => {
    status = 200;
  });

  it("Slack: posts { text, blocks } with escaped fields", async () => {
    const n = createSlackNotifier({ url: `${server.url}${SECRET_PATH}` });
    const r = await n.notify(event);
    assert.deepEqual(r, { notifier: "slack", ok: true, status: 200, attempts: 1 });
    const req = server.requests.at(-1);
    assert.equal(req?.url, SECRET_PATH);
    assert.equal(req?.headers["content-type"], "application/json");
    const body = JSON.parse(req?.body ?? "{}");
    assert.equal(
      body.text,
      "Release reverted: web v2 on prod by alice (error-rate 0.12 &gt; 0.05 &lt;step 2&gt;)",
    );
    assert.ok(Array.isArray(body.blocks) && body.blocks.length >= 3);
    assert.match(JSON.stringify(body.blocks), /Time to revert\*\\n4\.2 s/);
    assert.deepEqual(slackMessage(event, false), { text: body.text });
  });

  it("generic webhook: typed payload, event header, HMAC signature", async () => {
    const n = createWebhookNotifier({
      url: `${server.url}/hook/abc`,
      signingSecret: "shh",
      headers: { "x-api-key": "k" },
    });
    assert.equal((await n.notify(event)).ok, true);
    const req = server.requests.at(-1);
    assert.deepEqual(JSON.parse(req?.body ?? ""), { schema: WEBHOOK_SCHEMA, event });
    assert.equal(req?.headers["x-progressive-event"], "release.reverted");
    assert.equal(req?.headers["x-api-key"], "k");
    const expected = createHmac("sha256", "shh")
      .update(req?.body ?? "")
      .digest("hex");
    assert.equal(req?.headers["x-progressive-signature"], `sha256=${expected}`);
  });

  it("a non-2xx answer is retried, reported and never thrown; the secret path never appears", async () => {
    const { lines, logger } = collectingLogger();
    const url = `${server.url}/fail${SECRET_PATH}?token=querysecret`;
    const before = server.requests.length;
    const r = await createSlackNotifier({ url, logger, attempts: 2, retryDelayMs: 10 }).notify(event);
    assert.equal(server.requests.length - before, 2, "retried once on 500");
    assert.deepEqual([r.ok, r.status, r.attempts], [false, 500, 2]);
    assert.equal(r.error, `${server.url}/… answered HTTP 500`);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? "",
      /notifier "slack": http:\/\/127\.0\.0\.1:\d+\/… answered HTTP 500 after 2 attempt\(s\); the release goes on/,
    );
    for (const text of [r.error ?? "", ...lines]) {
      assert.doesNotMatch(text, /XXXXsecretXXXX|services|querysecret|\/fail/);
    }
  });

  it("a 4xx answer is not retried", async () => {
    status = 404;
    const before = server.requests.length;
    const r = await createWebhookNotifier({
      url: `${server.url}/x`,
      logger: collectingLogger().logger,
      retryDelayMs: 10,
    }).notify(event);
    assert.equal(server.requests.length - before, 1);
    assert.equal(r.status, 404);
  });

  it("a timeout and a refused connection are reported without the URL path", async () => {
    const { lines, logger } = collectingLogger();
    const hang = await createWebhookNotifier({
      url: `${server.url}/hang${SECRET_PATH}`,
      logger,
      timeoutMs: 100,
      attempts: 1,
    }).notify(event);
    assert.deepEqual([hang.ok, hang.status], [false, undefined]);
    assert.match(hang.error ?? "", /^http:\/\/127\.0\.0\.1:\d+\/…: no response within 100 ms$/);
    const dead = `${await deadUrl()}${SECRET_PATH}`;
    const refused = await createSlackNotifier({ url: dead, logger, attempts: 1 }).notify(event);
    assert.match(refused.error ?? "", /^http:\/\/127\.0\.0\.1:\d+\/…: connection refused \(ECONNREFUSED\)$/);
    assert.equal(lines.length, 2);
    for (const text of [hang.error ?? "", refused.error ?? "", ...lines])
      assert.doesNotMatch(text, /XXXXsecretXXXX|services|hang/);
  });

  it("a bad URL is rejected at construction without echoing it", () => {
    assert.throws(
      () => createSlackNotifier({ url: "hooks.slack.com/services/T/B/secret" }),
      (e: unknown) =>
        e instanceof Error &&
        /url \(hidden\) is not an http\(s\) URL/.test(e.message) &&
        !/hooks\.slack|T\/B\/secret/.test(e.message),
    );
  });

  it("notifyAll fans out and never rejects, even when a notifier or the logger throws", async () => {
    const throwing = { name: "broken", notify: () => Promise.reject(new Error(`boom ${SECRET_PATH}`)) };
    const badLogger = {
      warn: () => {
        throw new Error("logger down");
      },
    };
    const results = await notifyAll(
      [
        createWebhookNotifier({ url: `${server.url}/ok` }),
        throwing,
        createWebhookNotifier({ name: "f", url: `${server.url}/fail`, attempts: 1, logger: badLogger }),
      ],
      event,
    );
    assert.deepEqual(
      results.map((r) => [r.notifier, r.ok]),
      [
        ["webhook", true],
        ["broken", false],
        ["f", false],
      ],
    );
    assert.doesNotMatch(results[1]?.error ?? "", /secret/);
  });
});
