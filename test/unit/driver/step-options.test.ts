// A weight-only step runs the program with `--stack-trace-limit=0` in NODE_OPTIONS (the Node SDK
// formats a stack trace for every promise it makes). Checked on real Node processes: the flag is
// one NODE_OPTIONS accepts, a user's own limit stands, and the SDK still reads the source
// positions it records for resources.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { stepNodeOptions } from "../../../automation/driver/step-run";

const ROOT = path.resolve(__dirname, "..", "..", "..");

function nodeWith(nodeOptions: string | undefined, script: string): string {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  return execFileSync(process.execPath, ["-e", script], { cwd: ROOT, env, encoding: "utf8" }).trim();
}

describe("driver: NODE_OPTIONS of a weight-only step", () => {
  it("adds --stack-trace-limit=0 to what the program already has", () => {
    assert.equal(stepNodeOptions(undefined), "--stack-trace-limit=0");
    assert.equal(stepNodeOptions("  "), "--stack-trace-limit=0");
    assert.equal(
      stepNodeOptions("--max-old-space-size=4096 --require ./otel.js"),
      "--max-old-space-size=4096 --require ./otel.js --stack-trace-limit=0",
    );
  });

  it("leaves a limit the user set alone", () => {
    assert.equal(stepNodeOptions("--stack-trace-limit=50"), undefined);
    assert.equal(stepNodeOptions("--require x.js --stack-trace-limit 20"), undefined);
    assert.equal(stepNodeOptions("--stack-trace-limit"), undefined);
    // Another flag that merely starts alike is not a limit.
    assert.equal(stepNodeOptions("--stack-trace-limits-x"), "--stack-trace-limits-x --stack-trace-limit=0");
  });

  it("is accepted by Node in NODE_OPTIONS and makes new errors carry no frames", () => {
    const options = stepNodeOptions("--max-old-space-size=512") as string;
    assert.equal(nodeWith(options, "process.stdout.write(String(Error.stackTraceLimit))"), "0");
    assert.equal(nodeWith(options, "process.stdout.write(new Error('boom').stack)"), "Error: boom");
    assert.equal(nodeWith(undefined, "process.stdout.write(String(Error.stackTraceLimit))"), "10");
  });

  it("keeps the source positions the Pulumi SDK records for resources", () => {
    // The SDK lifts the limit itself while it reads a resource's position (Resource.callsites).
    const script = [
      "const { Resource } = require('@pulumi/pulumi/resource');",
      "function userCode() { return Resource.callsites(); }",
      "const frames = userCode().filter((f) => f.file);",
      "process.stdout.write(JSON.stringify({ limit: Error.stackTraceLimit, frames: frames.length }));",
    ].join("\n");
    const out = JSON.parse(nodeWith(stepNodeOptions(undefined), script)) as { limit: number; frames: number };
    assert.equal(out.limit, 0, "the limit is back in force after the SDK read the position");
    assert.ok(out.frames >= 2, `the SDK read ${out.frames} frames under the limit`);
  });
});
