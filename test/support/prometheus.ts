// Engine-tier hook for the tests that scrape with a real Prometheus (scripts/ensure-prometheus.sh).
import { execFileSync } from "node:child_process";
import { findOnPath } from "../../harness/net";

/** A Prometheus binary found on PATH, with its version line. */
export interface PrometheusInfo {
  readonly binary: string;
  readonly version: string;
}

/**
 * Returns the `prometheus` on PATH, or stops the test: under CI=true a missing binary fails it
 * (naming `test`); locally it is reported as skipped with the reason.
 */
export function requirePrometheus(ctx: Mocha.Context, test: string): PrometheusInfo {
  const binary = findOnPath("prometheus");
  if (!binary) {
    const reason = "no `prometheus` on PATH; run `bash scripts/ensure-prometheus.sh`";
    if (process.env.CI === "true") throw new Error(`${test} cannot run: ${reason}`);
    console.log(`      skipped: ${reason}`);
    ctx.skip();
  }
  const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "";
  return { binary, version };
}
