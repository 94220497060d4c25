// Sample service for the local platform. Plain Node, no dependencies.
// Listens on 127.0.0.1:$PORT; behaviour is tuned by environment variables (see README.md).

const http = require("node:http");

function numberFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const port = numberFromEnv("PORT", 8080);
const host = process.env.HOST || "127.0.0.1";
const version = process.env.VERSION || process.env.SERVICE_VERSION || "unknown";
const instance = process.env.INSTANCE || "0";
const errorRate = Math.min(1, numberFromEnv("ERROR_RATE", 0));
const latencyMs = numberFromEnv("LATENCY_MS", 0);
const readyDelayMs = numberFromEnv("READY_DELAY_MS", 0);
const crashAfterMs = numberFromEnv("CRASH_AFTER_MS", 0);
const shutdownTimeoutMs = numberFromEnv("SHUTDOWN_TIMEOUT_MS", 10000);
// Feature flags (see flags.js): off unless FLAG_FILE names a flagd flag file.
const flagFile = process.env.FLAG_FILE || "";
const flagKey = process.env.FLAG_KEY || "new-checkout";
const flagType = process.env.FLAG_TYPE || "boolean";
const flagPollMs = numberFromEnv("FLAG_POLL_MS", 100);
const flagFailVariant = process.env.FLAG_FAIL_VARIANT || "";
const flagFailRate = Math.min(1, numberFromEnv("FLAG_FAIL_RATE", 1));
let flags; // set before the server listens when FLAG_FILE is given
let flagMetrics;
let flagFailures = 0;

const startedAt = Date.now();
let served = 0;
let inFlight = 0;
let shuttingDown = false;

// Deterministic error injection: request n fails when floor(n * rate) moves up, so exactly
// `rate` of every 1/rate requests fail, with no randomness.
function shouldFail() {
  const n = served++;
  return Math.floor((n + 1) * errorRate) > Math.floor(n * errorRate);
}

function send(res, status, body) {
  const text = `${JSON.stringify(body)}\n`;
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  if (shuttingDown) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(text);
}

const server = http.createServer((req, res) => {
  inFlight++;
  res.on("close", () => {
    inFlight--;
  });
  const path = (req.url || "/").split("?")[0];
  if (path === "/health") return send(res, 200, { status: "alive" });
  if (path === "/health/ready") {
    const ready = !shuttingDown && Date.now() - startedAt >= readyDelayMs;
    return send(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready" });
  }
  if (path === "/metrics" && flagMetrics) {
    const text = flagMetrics.text();
    res.writeHead(200, {
      "content-type": "text/plain; version=0.0.4",
      "content-length": Buffer.byteLength(text),
    });
    return res.end(text);
  }
  if (path !== "/") return send(res, 404, { error: "not found", path });
  if (flags) return answerWithFlag(req, res);
  setTimeout(() => {
    if (shouldFail()) return send(res, 500, { error: "injected failure", version, instance });
    send(res, 200, { version, instance, pid: process.pid });
  }, latencyMs);
});

// The flag's variant for the caller (header x-user-id, else ?user=), in the x-flag-variant header
// and the body; FLAG_FAIL_VARIANT's requests fail (500) at FLAG_FAIL_RATE, for revert tests.
async function answerWithFlag(req, res) {
  const started = process.hrtime.bigint();
  const url = new URL(req.url || "/", "http://local");
  const user = req.headers["x-user-id"] || url.searchParams.get("user") || "";
  let result;
  try {
    result = await flags.evaluate(String(user));
  } catch (err) {
    result = { variant: "error", value: null, reason: "ERROR", error: String(err) };
  }
  const failing =
    result.variant === flagFailVariant &&
    Math.floor((flagFailures + 1) * flagFailRate) > Math.floor(flagFailures++ * flagFailRate);
  const fail = shouldFail() || failing;
  await new Promise((r) => setTimeout(r, latencyMs));
  const status = fail ? 500 : 200;
  res.setHeader("x-flag-variant", String(result.variant));
  send(res, status, { version, instance, flag: flagKey, variant: result.variant, value: result.value, user });
  flagMetrics.observe(flagKey, result.variant, status, Number(process.hrtime.bigint() - started) / 1e9);
}

async function listen() {
  if (flagFile) {
    const { createFlagMetrics, startFlags } = require("./flags.js");
    flagMetrics = createFlagMetrics();
    flags = await startFlags({ file: flagFile, key: flagKey, type: flagType, pollMs: flagPollMs });
  }
  server.listen(port, host, onListening);
}

listen().catch((err) => {
  console.error(`local-app cannot start its feature flags from ${flagFile}: ${err.message}`);
  process.exit(1);
});

function onListening() {
  console.log(
    `local-app ${version} instance ${instance} listening on ${host}:${port} (pid ${process.pid})${flags ? `, flag ${flagKey} from ${flagFile}` : ""}`,
  );
}

server.on("error", (err) => {
  console.error(`local-app cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});

if (crashAfterMs > 0) {
  setTimeout(() => {
    console.error(`local-app crashing on purpose after ${crashAfterMs} ms (CRASH_AFTER_MS)`);
    process.exit(1);
  }, crashAfterMs).unref();
}

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`local-app received ${signal}: finishing ${inFlight} request(s)`);
  server.close(() => {
    console.log("local-app stopped");
    process.exit(0);
  });
  server.closeIdleConnections();
  const timer = setInterval(() => {
    if (inFlight === 0) server.closeIdleConnections();
  }, 50);
  timer.unref();
  setTimeout(() => {
    console.error(`local-app: ${inFlight} request(s) still running after ${shutdownTimeoutMs} ms; exiting`);
    process.exit(1);
  }, shutdownTimeoutMs).unref();
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
