// The example GitHub Actions workflow uses only commands and flags the CLI has, and the driver's
// GitHub Actions outputs are what the workflow reads.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCommandLine } from "../../../automation/cli/args";
import { reportToCi, stepOutputs } from "../../../automation/cli/ci";
import type { ReleaseResult } from "../../../automation/driver/release";

const WORKFLOW = path.join(__dirname, "..", "..", "..", "examples", "github-actions", "release.yml");

/** Every `npx progressive ...` line of the workflow, its shell variables given example values. */
function progressiveLines(text: string): string[][] {
  return text
    .split("\n")
    .map((l) => l.trim().replace(/^run:\s*/, ""))
    .filter((l) => l.startsWith("npx progressive "))
    .map((l) =>
      l
        .replace(/"\$GITHUB_REF_NAME"/g, "v1.4.2")
        .split(/\s+/)
        .slice(2),
    );
}

describe("examples/github-actions: the workflow", () => {
  it("runs only progressive commands and flags that exist, each parsed as the CLI would", () => {
    const lines = progressiveLines(fs.readFileSync(WORKFLOW, "utf8"));
    assert.ok(lines.length >= 3, `the workflow runs ${lines.length} progressive commands`);
    for (const argv of lines) {
      const parsed = parseCommandLine(argv);
      assert.notEqual(parsed.command, "help", argv.join(" "));
    }
    assert.deepEqual(
      lines.map((l) => l[0]),
      ["plan", "release", "status"],
    );
  });

  it("reads the step outputs the driver writes", () => {
    const text = fs.readFileSync(WORKFLOW, "utf8");
    const used = [...text.matchAll(/steps\.release\.outputs\.([a-z-]+)/g)].map((m) => m[1]);
    const r: ReleaseResult = {
      releaseId: "20261206T150000Z-ab12cd",
      outcome: "reverted",
      reason: "analysis failed at step 3",
      traffic: { stableVersion: "v1", candidateWeight: 0 },
    };
    const written = stepOutputs(r, 3)
      .split("\n")
      .map((l) => l.split("=")[0]);
    for (const name of used) assert.ok(written.includes(name as string), `the driver writes ${name}`);
  });
});

describe("cli: GitHub Actions outputs", () => {
  it("appends step outputs and the report to the job summary, only under GitHub Actions", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-gha-"));
    try {
      const report = path.join(dir, "r.md");
      fs.writeFileSync(report, "# Release r1\n\npromoted\n");
      const env = {
        GITHUB_ACTIONS: "true",
        GITHUB_OUTPUT: path.join(dir, "out"),
        GITHUB_STEP_SUMMARY: path.join(dir, "summary"),
      };
      const r: ReleaseResult = {
        releaseId: "r1",
        outcome: "promoted",
        traffic: { stableVersion: "v2", candidateWeight: 0 },
        reports: { markdown: report },
      };
      reportToCi(r, 0, env);
      assert.equal(
        fs.readFileSync(env.GITHUB_OUTPUT, "utf8"),
        `outcome=promoted\nrelease-id=r1\nversion=v2\nexit-code=0\nreport=${report}\n`,
      );
      assert.equal(fs.readFileSync(env.GITHUB_STEP_SUMMARY, "utf8"), "# Release r1\n\npromoted\n\n");
      reportToCi(r, 0, { ...env, GITHUB_ACTIONS: "false", GITHUB_OUTPUT: path.join(dir, "none") });
      assert.equal(fs.existsSync(path.join(dir, "none")), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
