// Helpers for stacks of the local platform, shared by its engine tests and the benchmarks.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";

/** The engine-tier program of the local platform. */
export const LOCAL_FIXTURE = path.join(__dirname, "..", "test", "engine", "fixtures", "local-service");

/** A fresh state folder for one test. */
export function tempStateDir(prefix = "local-engine"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** Sets stack config from plain values (objects as JSON); keys in `secrets` are stored as secrets. */
export async function configure(
  stack: Stack,
  values: Record<string, unknown>,
  secrets: Record<string, string> = {},
): Promise<void> {
  const config: ConfigMap = {};
  for (const [key, value] of Object.entries(values)) {
    config[key] = { value: typeof value === "string" ? value : JSON.stringify(value) };
  }
  for (const [key, value] of Object.entries(secrets)) config[key] = { value, secret: true };
  await stack.setAllConfig(config);
}

/** The port of `http://127.0.0.1:<port>`. */
export function portOf(url: unknown): number {
  const port = Number(new URL(String(url)).port);
  assert.ok(port > 0, `no port in ${String(url)}`);
  return port;
}
