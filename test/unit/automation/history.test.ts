import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  defaultStateDir,
  type FinishedRecord,
  newReleaseId,
  parseHistory,
  type Release,
  ReleaseHistory,
  type StartedRecord,
  type StepRecord,
  summarize,
} from "../../../automation/history";

const started = (releaseId: string, at: string, version: string, stack = "prod"): StartedRecord => ({
  v: 1,
  type: "started",
  releaseId,
  stack,
  service: "web",
  version,
  previousVersion: "v1",
  actor: "alice",
  strategy: "canary",
  at,
});
const step = (
  releaseId: string,
  index: number,
  weight: number,
  value: number | null,
  stack = "prod",
): StepRecord => ({
  v: 1,
  type: "step",
  releaseId,
  stack,
  index,
  action: "setWeight",
  weight,
  startedAt: `2025-01-01T00:0${index}:00.000Z`,
  endedAt: `2025-01-01T00:0${index}:30.000Z`,
  checks: [
    {
      name: "error-rate",
      provider: "prometheus",
      value,
      condition: "< 0.05",
      outcome: value === null ? "Inconclusive" : value < 0.05 ? "Successful" : "Failed",
    },
  ],
  outcome: value !== null && value < 0.05 ? "passed" : "failed",
});
const finished = (
  releaseId: string,
  at: string,
  outcome: FinishedRecord["outcome"],
  extra: Partial<FinishedRecord> = {},
  stack = "prod",
): FinishedRecord => ({
  v: 1,
  type: "finished",
  releaseId,
  stack,
  outcome,
  at,
  ...extra,
});

describe("automation/history", () => {
  let dir: string;
  let history: ReleaseHistory;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-history-"));
    history = new ReleaseHistory({ stateDir: dir });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("defaults the state directory to ~/.local/state/pulumi-progressive-delivery, or $PROGRESSIVE_STATE_DIR", () => {
    assert.equal(
      defaultStateDir({ HOME: "/home/ada" }, "/repo"),
      "/home/ada/.local/state/pulumi-progressive-delivery",
    );
    assert.equal(defaultStateDir({ PROGRESSIVE_STATE_DIR: "/var/lib/pd" }, "/repo"), "/var/lib/pd");
    assert.match(newReleaseId(new Date("2025-01-02T03:04:05.678Z")), /^20250102T030405Z-[0-9a-f]{6}$/);
  });

  it("appends one JSON line per record to a file per stack, and folds them into releases", async () => {
    await history.append(started("r1", "2025-01-01T00:00:00.000Z", "v2"));
    await history.append(step("r1", 0, 10, 0.01));
    await history.append(step("r1", 1, 50, 0.02));
    await history.append(
      finished("r1", "2025-01-01T00:10:00.000Z", "promoted", { config: { "web:activeVersion": "v2" } }),
    );
    await history.append(started("s1", "2025-01-01T00:00:00.000Z", "v9", "org/proj/staging"));
    const file = path.join(dir, "history", "prod.jsonl");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    assert.equal(lines.length, 5, "four lines and a final newline");
    assert.equal(JSON.parse(lines[0] ?? "").type, "started");
    assert.ok(fs.existsSync(path.join(dir, "history", "org%2Fproj%2Fstaging.jsonl")));
    assert.deepEqual((await history.stacks()).sort(), ["org/proj/staging", "prod"]);

    const [r] = await history.listReleases("prod");
    assert.equal(r?.outcome, "promoted");
    assert.deepEqual(
      r?.steps.map((s) => [s.weight, s.checks[0]?.value]),
      [
        [10, 0.01],
        [50, 0.02],
      ],
    );
    assert.equal((await history.listReleases()).length, 2);
  });

  it("latestGood is the newest promoted release, not a later reverted one", async () => {
    await history.append(started("r1", "2025-01-01T00:00:00.000Z", "v2"));
    await history.append(
      finished("r1", "2025-01-01T00:10:00.000Z", "promoted", { config: { weight: "100" } }),
    );
    await history.append(started("r2", "2025-01-02T00:00:00.000Z", "v3"));
    await history.append(step("r2", 0, 10, 0.2));
    await history.append(
      finished("r2", "2025-01-02T00:01:00.000Z", "reverted", { timeToRevertMs: 3000, reason: "error-rate" }),
    );
    await history.append(started("r3", "2025-01-03T00:00:00.000Z", "v4"));
    assert.deepEqual(await history.latestGood("prod"), {
      releaseId: "r1",
      version: "v2",
      at: "2025-01-01T00:10:00.000Z",
      config: { weight: "100" },
    });
    const releases = await history.listReleases("prod");
    assert.deepEqual(
      releases.map((x) => [x.id, x.outcome]),
      [
        ["r3", "unfinished"],
        ["r2", "reverted"],
        ["r1", "promoted"],
      ],
    );
    assert.equal(await history.latestGood("dev"), undefined);
  });

  it("recovers from a torn write: skips the torn line, keeps appending on a fresh line", async () => {
    await history.append(started("r1", "2025-01-01T00:00:00.000Z", "v2"));
    await history.append(step("r1", 0, 10, 0.01));
    // The driver died in the middle of writing the next record.
    const file = history.fileFor("prod");
    const torn = JSON.stringify(step("r1", 1, 50, 0.02)).slice(0, 40);
    fs.appendFileSync(file, torn);
    let read = await history.read("prod");
    assert.equal(read.tornTail, true);
    assert.equal(read.records.length, 2);
    assert.deepEqual(read.skipped, [{ line: 3, reason: "incomplete last line (torn write)" }]);
    assert.equal((await history.listReleases("prod"))[0]?.outcome, "unfinished");

    // The next run records the revert; the record must not be glued to the torn fragment.
    await history.append(finished("r1", "2025-01-01T00:02:00.000Z", "reverted", { timeToRevertMs: 1500 }));
    read = await history.read("prod");
    assert.equal(read.tornTail, false);
    assert.deepEqual(read.skipped, [{ line: 3, reason: "not JSON" }]);
    assert.equal(read.records.length, 3);
    const [r] = await history.listReleases("prod");
    assert.deepEqual([r?.outcome, r?.timeToRevertMs, r?.steps.length], ["reverted", 1500, 1]);
  });

  it("parseHistory skips unknown formats and records without a start", () => {
    const text = [
      JSON.stringify({ v: 2, type: "started" }),
      JSON.stringify(finished("orphan", "2025-01-01T00:00:00.000Z", "promoted")),
      "",
      JSON.stringify(started("r1", "2025-01-01T00:00:00.000Z", "v2")),
    ].join("\n");
    const read = parseHistory(`${text}\n`);
    assert.deepEqual(read.skipped, [{ line: 1, reason: "format v=2 is not 1" }]);
    assert.equal(read.records.length, 2);
  });

  it("rejects an invalid record before writing", async () => {
    await assert.rejects(
      history.append({ ...started("r1", "x", "v2"), actor: "" }),
      /record started of r1 is invalid: started without version, actor or at/,
    );
    assert.equal(fs.existsSync(history.fileFor("prod")), false);
  });

  it("serialises concurrent appends to one stack", async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        history.append(started(`r${i}`, "2025-01-01T00:00:00.000Z", `v${i}`)),
      ),
    );
    const read = await history.read("prod");
    assert.equal(read.records.length, 50);
    assert.equal(read.skipped.length, 0);
  });
});

describe("automation/history summary", () => {
  const rel = (
    id: string,
    startedAt: string,
    outcome: Release["outcome"],
    timeToRevertMs?: number,
  ): Release => ({
    id,
    stack: "prod",
    version: id,
    actor: "a",
    startedAt,
    outcome,
    steps: [],
    ...(timeToRevertMs !== undefined ? { timeToRevertMs } : {}),
  });

  it("computes success rate, mean time to revert and releases per day", () => {
    const now = new Date("2025-01-11T00:00:00.000Z");
    const s = summarize(
      [
        rel("a", "2025-01-01T00:00:00.000Z", "promoted"),
        rel("b", "2025-01-02T00:00:00.000Z", "promoted"),
        rel("c", "2025-01-03T00:00:00.000Z", "reverted", 2000),
        rel("d", "2025-01-04T00:00:00.000Z", "reverted", 4000),
        rel("e", "2025-01-05T00:00:00.000Z", "aborted"),
        rel("f", "2025-01-10T00:00:00.000Z", "unfinished"),
        rel("old", "2024-01-01T00:00:00.000Z", "failed"),
      ],
      { now, periodDays: 30 },
    );
    assert.deepEqual(s, {
      releases: 6,
      promoted: 2,
      reverted: 2,
      failed: 0,
      aborted: 1,
      unfinished: 1,
      successRate: 0.5,
      meanTimeToRevertMs: 3000,
      releasesPerDay: 0.6,
      periodDays: 30,
    });
  });

  it("has no rates without judged releases and counts at least one day", () => {
    const now = new Date("2025-01-01T12:00:00.000Z");
    const s = summarize(
      [rel("a", "2025-01-01T11:00:00.000Z", "unfinished"), rel("b", "2025-01-01T11:30:00.000Z", "aborted")],
      { now },
    );
    assert.equal(s.successRate, undefined);
    assert.equal(s.meanTimeToRevertMs, undefined);
    assert.equal(s.releasesPerDay, 2);
    assert.equal(summarize([], { now }).releasesPerDay, 0);
    assert.throws(
      () => summarize([], { periodDays: 0 }),
      /periodDays \(0\) must be more than 0; use e\.g\. 30/,
    );
  });
});
