import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { MIN_NODE_MAJOR, unsupportedRuntime } from "../../../automation/cli";

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
  engines: { node: string };
};

describe("cli: the Node.js runtime", () => {
  it("refuses Node 20 and older with the version and the fix, and takes 22 and 24", () => {
    for (const v of ["20.20.2", "18.19.0"]) {
      const why = unsupportedRuntime(v);
      assert.ok(why, v);
      assert.match(why, new RegExp(`this is v${v.replace(/\./g, "\\.")}`));
      assert.match(why, /Install Node 22 or 24 LTS/);
    }
    for (const v of ["22.0.0", "22.23.5", "24.22.3", "25.1.0"])
      assert.equal(unsupportedRuntime(v), undefined, v);
  });

  it("says the same as package.json's engines", () => {
    assert.equal(pkg.engines.node, `>=${MIN_NODE_MAJOR}`);
  });

  it("the CLI started on this runtime runs (the check lets a supported Node through)", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "..", "..", "..", "automation", "cli.ts"), "help"],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /progressive/);
  });
});
