import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const SCRIPT = path.join(__dirname, "..", "..", "..", "scripts", "runtime", "node.js");

function run(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", timeout: 30_000 });
}

describe("scripts/runtime/node.js: the runtimes the repository provides", () => {
  it("refuses a Node line it does not provide, naming it and the ones it does", () => {
    const r = run("ensure", "20");
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /node runtime "20" is not one this repository provides; use one of 22, 24/);
  });

  it("answers a missing or unknown command with its usage (exit 2)", () => {
    for (const args of [[], ["ensure"], ["install", "24"]]) {
      const r = run(...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /usage: node scripts\/runtime\/node\.js <ensure\|env\|which> <22\|24>/);
    }
  });

  it("takes the node running this test when its major line is one provided", () => {
    const major = process.versions.node.split(".")[0] as string;
    if (!["22", "24"].includes(major)) throw new Error(`this tier runs on Node ${major}, not 22 or 24`);
    const r = spawnSync(process.execPath, [SCRIPT, "which", major], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
      },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), path.join(path.dirname(process.execPath), "node"));
  });
});
