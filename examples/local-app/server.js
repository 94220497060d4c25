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
  if (path !== "/") return send(res, 404, { error: "not found", path });
  setTimeout(() => {
    if (shouldFail()) return send(res, 500, { error: "injected failure", version, instance });
    send(res, 200, { version, instance, pid: process.pid });
  }, latencyMs);
});

server.listen(port, host, () => {
  console.log(`local-app ${version} instance ${instance} listening on ${host}:${port} (pid ${process.pid})`);
});

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
