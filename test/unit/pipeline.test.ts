// Promotion pipelines without an engine: the file's validation (every problem with its field, value
// and fix), the command line, the state document's compare-and-swap, and status from a document.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCommandLine } from "../../automation/cli/args";
import { pipelineStatusLines } from "../../automation/cli/pipeline";
import { ReleaseError } from "../../automation/driver/errors";
import {
  beginPromote,
  loadPipeline,
  type PipelineDocument,
  PipelineState,
  parsePipeline,
  pipelineStatus,
} from "../../automation/pipeline";
import { withEvent, withStack, withStage } from "../../automation/pipeline/document";
import { objectLeases } from "../../automation/store/leases";
import { MemoryObjectStore } from "../../automation/store/memory";
import { ValidationError } from "../../components/core";

const good = {
  stages: [
    { name: "dev", stacks: ["dev"] },
    { name: "staging", stacks: ["staging"], soak: "30m" },
    { name: "prod", stacks: ["prod-a", "prod-b", "prod-c"], maxParallel: 2, approval: true },
  ],
};

function problems(raw: unknown): string {
  try {
    parsePipeline(raw, "proj");
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.message;
  }
  assert.fail("expected a ValidationError");
}

describe("pipeline file: validation", () => {
  it("resolves every default", () => {
    const p = parsePipeline(good, "proj");
    assert.equal(p.name, "proj");
    assert.deepEqual(p.stages[0], {
      name: "dev",
      stacks: ["dev"],
      maxParallel: 1,
      soakSeconds: 0,
      approval: false,
      onFailure: "rollback",
    });
    assert.equal(p.stages[1]?.soakSeconds, 1800);
    assert.equal(p.stages[2]?.maxParallel, 2);
    assert.equal(p.stages[2]?.approval, true);
  });

  it("names the field, the value and the fix of each problem, all at once", () => {
    const text = problems({
      name: "bad name!",
      stages: [
        {
          name: "dev",
          stacks: ["dev"],
          soak: "ten minutes",
          maxParallel: 0,
          onFailure: "panic",
          aproval: true,
        },
        { name: "dev", stacks: ["dev", "x y"], approval: "yes", services: [] },
      ],
    });
    assert.match(text, /name \("bad name!"\): is not a pipeline name/);
    assert.match(text, /stages\[0\]\.soak \("ten minutes"\): is not a duration; use a number of seconds/);
    assert.match(text, /stages\[0\]\.maxParallel \(0\): must be a whole number of 1 or more; use e\.g\. 2/);
    assert.match(text, /stages\[0\]\.onFailure \("panic"\): must be rollback or keep/);
    assert.match(text, /stages\[0\]\.aproval \(true\): is not a known field; remove it or fix its spelling/);
    assert.match(text, /stages\[1\]\.stacks\[1\] \("x y"\): is not a valid name/);
    assert.match(text, /stages\[1\]\.approval \("yes"\): must be true or false/);
    assert.match(text, /stages\[1\]\.services \(\[\]\): must be a non-empty list/);
  });

  it("refuses a stage name or a stack given twice", () => {
    const text = problems({
      stages: [
        { name: "a", stacks: ["dev"] },
        { name: "a", stacks: ["prod"] },
        { name: "b", stacks: ["dev", "dev"] },
      ],
    });
    assert.match(text, /stages\[1\]\.name \("a"\): names another stage too/);
    assert.match(text, /stages\[2\]\.stacks\[1\] \("dev"\): is listed twice/);
    assert.match(
      problems({
        stages: [
          { name: "a", stacks: ["x"] },
          { name: "b", stacks: ["x"] },
        ],
      }),
      /already in stage a/,
    );
  });

  it("refuses a file without stages, and says where the file goes when there is none", () => {
    assert.match(problems({ stages: [] }), /stages \(\[\]\): must be a non-empty list/);
    assert.match(problems("stages"), /must be a map with stages/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-unit-"));
    try {
      assert.throws(
        () => loadPipeline(dir, "proj"),
        /does not exist; write progressive\.pipeline\.yaml beside Pulumi\.yaml/,
      );
      fs.writeFileSync(path.join(dir, "progressive.pipeline.yaml"), "stages: [\n");
      assert.throws(() => loadPipeline(dir, "proj"), /is not valid YAML/);
      fs.writeFileSync(
        path.join(dir, "progressive.pipeline.yaml"),
        "name: web\nstages:\n  - name: dev\n    stacks: [dev]\n    soak: 5s\n",
      );
      assert.equal(loadPipeline(dir, "proj").stages[0]?.soakSeconds, 5);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("pipeline command line", () => {
  it("parses each action", () => {
    assert.deepEqual(parseCommandLine(["pipeline", "promote", "v2", "--cwd", "infra"]), {
      command: "pipeline",
      action: "promote",
      version: "v2",
      workDir: "infra",
      json: false,
      quiet: false,
    });
    assert.deepEqual(parseCommandLine(["pipeline", "approve", "v2", "--stage", "prod", "--json"]), {
      command: "pipeline",
      action: "approve",
      version: "v2",
      stage: "prod",
      json: true,
      quiet: false,
    });
    const r = parseCommandLine(["pipeline", "reject", "v3", "--reason", "broken"]);
    assert.equal(r.command === "pipeline" && r.reason, "broken");
  });

  it("refuses what an action does not take, naming the fix", () => {
    const usage = (argv: string[], re: RegExp) =>
      assert.throws(
        () => parseCommandLine(argv),
        (e: unknown) => e instanceof ReleaseError && e.kind === "usage" && re.test(e.message),
      );
    usage(["pipeline", "launch", "v2"], /one of promote, status, approve, reject; got "launch"/);
    usage(["pipeline", "promote"], /pipeline promote needs a version/);
    usage(["pipeline", "status", "v2"], /pipeline status takes no version/);
    usage(["pipeline", "approve", "v2"], /pipeline approve needs --stage <name>/);
    usage(["pipeline", "promote", "v2", "--reason", "x"], /--reason is for pipeline reject/);
    usage(["pipeline", "promote", "v2", "--stack", "dev"], /pipeline does not take --stack/);
  });
});

describe("pipeline state: the document in the store", () => {
  it("writes with a compare-and-swap: a concurrent change is re-read, never overwritten", async () => {
    // A store where another runner's write lands between this writer's read and its write, once.
    class Racing extends MemoryObjectStore {
      race: (() => Promise<unknown>) | undefined;
      conflicts = 0;
      override async put(...args: Parameters<MemoryObjectStore["put"]>) {
        const other = this.race;
        this.race = undefined;
        if (other) await other();
        const r = await super.put(...args);
        if (typeof r !== "object") this.conflicts++;
        return r;
      }
    }
    const objects = new Racing();
    const a = new PipelineState(objects, "proj", "web");
    await a.update((d) => withEvent(d, { type: "approved", version: "v1", stage: "prod" }));
    objects.race = async () => {
      const now = await objects.get(a.key);
      const doc = JSON.parse(now?.body ?? "{}") as PipelineDocument;
      const rejected = { v9: { by: "op", at: "t", reason: "bad" } };
      await MemoryObjectStore.prototype.put.call(objects, a.key, JSON.stringify({ ...doc, rejected }), {
        ifVersion: now?.version as string,
      });
    };
    await a.update((d) => withEvent(d, { type: "approved", version: "v2", stage: "prod" }));
    assert.equal(objects.conflicts, 1, "the first write lost the swap");
    const read = await a.read();
    assert.deepEqual(
      read.events.map((e) => e.version),
      ["v1", "v2"],
    );
    assert.ok(read.rejected.v9, "the other runner's rejection is kept");
  });

  it("refuses a document that is not a pipeline's, naming the key", async () => {
    const objects = new MemoryObjectStore();
    const s = new PipelineState(objects, "proj", "web");
    await objects.put(s.key, JSON.stringify({ v: 9 }));
    await assert.rejects(s.read(), /pipelines\/proj\/web\.json is not a pipeline document/);
  });
});

describe("pipeline promote: one at a time, never a rejected version", () => {
  it("refuses a second promote while the first holds the pipeline's lease, naming its holder (exit 5)", async () => {
    const objects = new MemoryObjectStore();
    const state = new PipelineState(objects, "proj", "web");
    const leases = objectLeases(objects);
    const first = await beginPromote(state, leases, "v2");
    try {
      await assert.rejects(
        beginPromote(state, leases, "v2"),
        (e: unknown) =>
          e instanceof ReleaseError &&
          e.exitCode === 5 &&
          /pipeline web is held by pipeline promote v2 of web \(driver pid \d+/.test(e.message),
      );
    } finally {
      await first.lease.release();
    }
    const again = await beginPromote(state, leases, "v2");
    await again.lease.release();
  });

  it("refuses a rejected version (exit 7) with who rejected it and why, and gives the lease back", async () => {
    const objects = new MemoryObjectStore();
    const state = new PipelineState(objects, "proj", "web");
    const leases = objectLeases(objects);
    await state.update((d) => ({
      ...d,
      rejected: { v3: { by: "alice", at: "2026-12-07T01:00:00Z", reason: "5xx in checkout" } },
    }));
    await assert.rejects(
      beginPromote(state, leases, "v3"),
      (e: unknown) =>
        e instanceof ReleaseError &&
        e.kind === "rejected" &&
        e.exitCode === 7 &&
        /version v3 was rejected by alice at .*: 5xx in checkout; no stage takes it again/.test(e.message),
    );
    const other = await beginPromote(state, leases, "v4");
    await other.lease.release();
  });
});

describe("pipeline status from the document", () => {
  const spec = parsePipeline(
    {
      stages: [
        { name: "dev", stacks: ["dev"], soak: "10m" },
        { name: "prod", stacks: ["p1", "p2"], approval: true },
      ],
    },
    "proj",
  );
  const t0 = "2026-12-07T01:00:00.000Z";
  let d: PipelineDocument = {
    v: 1,
    project: "proj",
    pipeline: "proj",
    runs: {},
    approvals: {},
    rejected: {},
    events: [],
  };
  d = withStack(d, "v2", "dev", "dev", () => ({
    status: "promoted",
    startedAt: t0,
    endedAt: t0,
    services: { web: { outcome: "promoted", releaseId: "r1" } },
  }));
  d = withStage(d, "v2", "dev", (s) => ({
    ...(s as NonNullable<typeof s>),
    status: "promoted",
    endedAt: t0,
  }));
  d = { ...d, rejected: { v3: { by: "pipeline", at: t0, reason: "reverted by its checks on p2" } } };

  it("shows each stage's version, the soak left, what waits for approval and the rejected versions", () => {
    const s = pipelineStatus(spec, d, new Date(Date.parse(t0) + 4 * 60_000));
    assert.equal(s.stages[0]?.version, "v2");
    assert.equal(s.stages[0]?.soakLeftSeconds, 360);
    assert.deepEqual(s.stages[1]?.awaitingApproval, ["v2"]);
    assert.equal(s.stages[1]?.version, undefined);
    assert.equal(s.stages[0]?.stacks[0]?.version, "v2");
    const lines = pipelineStatusLines({ ...s, project: "proj", store: "memory://x" }).join("\n");
    assert.match(lines, /stage dev: v2; soaking, 360s left/);
    assert.match(lines, /waits for approval: v2 \(progressive pipeline approve v2 --stage prod\)/);
    assert.match(lines, /web: v2 promoted \(release r1\)/);
    assert.match(lines, /rejected v3: reverted by its checks on p2/);
  });

  it("no soak is left once the time is up", () => {
    const s = pipelineStatus(spec, d, new Date(Date.parse(t0) + 11 * 60_000));
    assert.equal(s.stages[0]?.soakLeftSeconds, undefined);
  });
});
