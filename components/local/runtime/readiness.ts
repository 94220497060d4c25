// Readiness checks of instances: one HTTP GET, and a loop with an interval and a deadline.
import * as http from "node:http";
import { sleep } from "./processes";
import type { ReadinessCheck } from "./supervisor-config";

/** The result of one readiness request: a status and the start of the body, or an error. */
export interface ProbeResult {
  status?: number;
  /** First 200 characters of the body. */
  body?: string;
  error?: string;
}

/** One `GET http://<host>:<port><path>` with a timeout; never rejects. */
export function probe(
  port: number,
  path: string,
  timeoutMs: number,
  host = "127.0.0.1",
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ProbeResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const req = http.get({ host, port, path, agent: false, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 200) body += chunk;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body: body.slice(0, 200).trim() }));
      res.on("error", (err) => done({ status: res.statusCode ?? 0, error: err.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => done({ error: err.code ? `${err.code}` : err.message }));
  });
}

/** Human description of a probe result, for error messages. */
export function describeProbe(result: ProbeResult | undefined): string {
  if (!result) return "no check completed";
  if (result.status !== undefined) {
    return `last answer was ${result.status}${result.body ? ` ${JSON.stringify(result.body)}` : ""}`;
  }
  return `last check failed: ${result.error ?? "unknown error"}`;
}

/** How a readiness wait ended. */
export type ReadinessOutcome =
  | { ready: true }
  | { ready: false; reason: "deadline" | "cancelled"; last: ProbeResult | undefined };

/**
 * Checks `port` every `check.intervalMs` until it answers `check.expectStatus`, until
 * `check.deadlineMs` after `startedAtMs`, or until `cancelled()` returns true.
 */
export async function waitUntilReady(
  port: number,
  check: ReadinessCheck,
  startedAtMs: number,
  cancelled: () => boolean,
): Promise<ReadinessOutcome> {
  const deadline = startedAtMs + check.deadlineMs;
  let last: ProbeResult | undefined;
  for (;;) {
    if (cancelled()) return { ready: false, reason: "cancelled", last };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { ready: false, reason: "deadline", last };
    last = await probe(port, check.path, Math.min(check.timeoutMs, Math.max(remaining, 10)));
    if (cancelled()) return { ready: false, reason: "cancelled", last };
    if (last.status === check.expectStatus) return { ready: true };
    await sleep(Math.min(check.intervalMs, Math.max(0, deadline - Date.now())));
  }
}
