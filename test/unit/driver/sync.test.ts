// `progressive sync`'s decisions and what it prints: which declared versions are released, which
// reverted one is not tried again, the exit code of a run, and the CLI lines of sync, status and
// history.
import * as assert from "node:assert/strict";
import { exitCodeOf, formatEvent, historyLines, statusLines, syncLines } from "../../../automation/cli";
import type { StatusReport } from "../../../automation/driver/commands";
import { ReleaseError } from "../../../automation/driver/errors";
import type { ReleaseResult } from "../../../automation/driver/release";
import { revertedDeclared, type SyncResult, syncExitCode } from "../../../automation/driver/sync";
import type { Release } from "../../../automation/history";

const release = (id: string, service: string, version: string, outcome: Release["outcome"]): Release => ({
  id,
  stack: "shop/dev",
  service,
  version,
  actor: "ci",
  startedAt: `2026-12-0${id}T10:00:00.000Z`,
  ...(outcome === "unfinished" ? {} : { finishedAt: `2026-12-0${id}T10:05:00.000Z` }),
  outcome,
  ...(outcome === "reverted" ? { reason: "analysis failed at step 3: http-5xx-rate" } : {}),
  steps: [],
});

describe("sync: a reverted declared version is not tried again", () => {
  it("skips the declared version when the service's newest finished release of it was reverted or aborted", () => {
    const releases = [release("3", "web", "v2", "reverted"), release("2", "web", "v1", "promoted")];
    assert.equal(revertedDeclared(releases, "web", "v2")?.id, "3");
    const aborted = [release("3", "web", "v2", "aborted")];
    assert.equal(revertedDeclared(aborted, "web", "v2")?.id, "3");
  });

  it("releases it when the program declares another version, or something else was released since", () => {
    const releases = [release("3", "web", "v2", "reverted")];
    assert.equal(revertedDeclared(releases, "web", "v3"), undefined, "the declared version changed");
    const since = [release("4", "web", "v3", "promoted"), release("3", "web", "v2", "reverted")];
    assert.equal(revertedDeclared(since, "web", "v2"), undefined, "v3 was released after v2's revert");
  });

  it("looks at the service's own releases only, and ignores failed or unfinished ones", () => {
    const other = [release("3", "api", "v2", "reverted")];
    assert.equal(revertedDeclared(other, "web", "v2"), undefined);
    const failed = [release("3", "web", "v2", "failed")];
    assert.equal(
      revertedDeclared(failed, "web", "v2"),
      undefined,
      "a preflight or engine failure is retried",
    );
    const running = [release("4", "web", "v2", "unfinished"), release("3", "web", "v2", "reverted")];
    assert.equal(revertedDeclared(running, "web", "v2")?.id, "3");
  });
});

const result = (outcome: ReleaseResult["outcome"]): ReleaseResult => ({
  releaseId: "r1",
  outcome,
  traffic: { stableVersion: "v2", candidateWeight: 0 },
  ...(outcome === "reverted" ? { reason: "analysis failed" } : {}),
});

describe("sync: exit code and output", () => {
  const base = { service: "web", running: "v1", declared: "v2" };

  it("is 0 with nothing to do and says so in one line", () => {
    const r: SyncResult = {
      stack: "dev",
      items: [{ service: "web", running: "v2", declared: "v2", action: "upToDate" }],
    };
    assert.equal(syncExitCode(r), 0);
    assert.deepEqual(syncLines(r), [
      "stack dev: every service runs the version the program declares; nothing to release",
      "  = web: declared v2, running v2: up to date",
    ]);
  });

  it("is 7 when a reverted declared version was skipped, and names the command that retries it", () => {
    const r: SyncResult = {
      stack: "dev",
      items: [
        {
          ...base,
          action: "skippedReverted",
          releaseId: "r9",
          at: "2026-12-06T10:00:00Z",
          reason: "analysis failed",
        },
        { service: "api", running: "v5", declared: "v6", action: "released", result: result("promoted") },
      ],
    };
    assert.equal(syncExitCode(r), 7);
    const lines = syncLines(r);
    assert.equal(
      lines[1],
      "  ↩ web: declared v2, running v1: not released: v2 was reverted at 2026-12-06T10:00:00Z (release r9: analysis failed); progressive sync --retry releases it again, or declare another version",
    );
    assert.equal(lines[2], "  ✔ api: v6 promoted");
  });

  it("takes the worst outcome: an error's own code over a revert (3) over a skip (7)", () => {
    const reverted: SyncResult = {
      stack: "dev",
      items: [
        { ...base, action: "released", result: result("reverted") },
        { ...base, service: "api", action: "skippedReverted", releaseId: "r", at: "t", reason: "x" },
      ],
    };
    assert.equal(syncExitCode(reverted), 3);
    const locked: SyncResult = {
      stack: "dev",
      items: [
        { ...base, action: "released", result: result("reverted") },
        { ...base, service: "api", action: "error", error: new ReleaseError("inProgress", "held") },
      ],
    };
    assert.equal(syncExitCode(locked), 5);
  });
});

describe("cli: exit codes and tables", () => {
  it("exits 130 after an interrupt, whatever the revert did", () => {
    assert.equal(exitCodeOf(result("reverted"), true), 130);
    assert.equal(exitCodeOf(result("reverted"), false), 3);
    assert.equal(exitCodeOf(result("promoted"), false), 0);
    assert.equal(exitCodeOf(result("failed"), false), 6);
  });

  it("history has a service column", () => {
    const lines = historyLines([
      release("3", "web", "v2", "reverted"),
      release("2", "api", "v1", "promoted"),
    ]);
    assert.match(lines[0] as string, /^started\s+stack\s+service\s+version\s+outcome\s+actor\s+reason$/);
    assert.match(lines[1] as string, /shop\/dev\s+web\s+v2\s+reverted\s+ci\s+analysis failed at step 3/);
    assert.match(lines[2] as string, /shop\/dev\s+api\s+v1\s+promoted\s+ci$/);
    assert.deepEqual(historyLines([]), []);
  });

  it("status shows the declared and running versions side by side and the release's step counted from 1", () => {
    const report = {
      project: "shop",
      stack: "dev",
      pendingOperations: 0,
      locks: [],
      services: [
        {
          name: "web",
          type: "progressive:local:CanaryService",
          platform: "local",
          kind: "canary",
          endpoint: "http://127.0.0.1:8080",
          traffic: { stableVersion: "v1", candidateWeight: 0 },
          declaredVersion: "v2",
          router: { verified: true, candidateWeight: 0 },
          journal: {
            releaseId: "r1",
            version: "v3",
            phase: "reverted",
            stepIndex: 2,
            reason: "analysis failed at step 3: x",
            actor: "someone",
            owner: { pid: 1, host: "h", startedAt: "t" },
          },
          driverAlive: false,
        },
      ],
    } as unknown as StatusReport;
    const lines = statusLines(report);
    assert.equal(
      lines[2],
      "    declared v2 (the program's version, as of the last up), running v1: progressive sync --stack dev releases v2",
    );
    assert.equal(
      lines[4],
      "    release r1: v3 reverted: analysis failed at step 3: x (started by someone from h)",
    );
  });
});

describe("cli: a check's line says which condition it is", () => {
  it("shows a failure condition as what fails, beside a value that passes", () => {
    const line = formatEvent({
      type: "checkResult",
      step: 2,
      at: new Date(),
      releaseId: "r1",
      measurement: {
        check: "http-5xx-rate",
        outcome: "Successful",
        reason: "ok",
        value: 0,
        baseline: 0,
        condition: "fail if > 0.05",
      },
    });
    assert.equal(line, "        ✓ http-5xx-rate: 0 (stable 0) fail if > 0.05 → Successful");
  });
});
