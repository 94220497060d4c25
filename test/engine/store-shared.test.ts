// Release state shared by two "machines": two drivers with their own HOME, state folder and host
// name (PROGRESSIVE_HOST), one release store, one stack of a local canary and a flag, under load.
// A pauses and B promotes; A is killed mid-analysis and B takes over once its lease runs out
// (resume, then abort); four drivers on two machines start at once and exactly one runs; B reads
// A's history and report; B's kill switch stops the flag rollout A runs; no secret in the store.
// The store is a folder both machines name with file:// (a volume several machines mount); the
// same scenarios on S3 and Kubernetes run in store-*.test.ts beside this one.
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { LoadGenerator } from "../../harness/load";
import { killGroup, spawnCli } from "../support/cli";
import {
  createBackend,
  type EngineInfo,
  requireEngine,
  shadowProject,
  type TestBackend,
} from "../support/engine";

const FIXTURE = path.join(__dirname, "fixtures", "shared-store");
const PROJECT = "engine-shared-store";
const APP_SECRET = "app-secret-must-not-reach-the-store-7e1f";
const HOOK_SECRET = "hooks.example/T0KEN-must-not-reach-the-store-93c2";

const check = (name: string, query: string, cond: Record<string, string>, count = 2) => ({
  kind: "metric",
  name,
  provider: "builtin",
  query,
  ...cond,
  interval: "1s",
  count,
});
const checks = (count = 2) => [
  check("error-rate", "errorRate", { successCondition: "< 110% of baseline" }, count),
  check("http-5xx-rate", "http5xxRate", { failureCondition: "> 0.05" }, count),
];
const PAUSED = {
  kind: "canary",
  checks: checks(),
  steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { analysis: {} }, { setWeight: 100 }],
};
const LONG = {
  kind: "canary",
  checks: checks(15),
  steps: [{ setWeight: 20 }, { analysis: {} }, { setWeight: 100 }],
};
const QUICK = {
  kind: "canary",
  checks: checks(),
  steps: [{ setWeight: 50 }, { analysis: {} }, { setWeight: 100 }],
};
const FLAG = {
  kind: "canary",
  headerRoute: false,
  steps: [{ setWeight: 20 }, { pause: { duration: "90s" } }, { pause: {} }, { setWeight: 100 }],
};

interface Run {
  readonly code: number | null;
  readonly out: string;
}

describe("release state shared by two machines (engine tier, folder store)", function () {
  this.timeout(1_800_000);
  let engine: EngineInfo;
  let backend: TestBackend;
  let project: ReturnType<typeof shadowProject>;
  let dir: string;
  let storeDir: string;
  let stack: Stack;
  let endpoint: string;
  let flagFile: string;
  const stackName = `shared-${Math.random().toString(36).slice(2, 8)}`;
  const machines: Record<"a" | "b", Record<string, string>> = { a: {}, b: {} };

  const journal = (service: string) => {
    const file = path.join(storeDir, "releases", PROJECT, stackName, `${service}.json`);
    return fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, "utf8")) as {
          releaseId: string;
          phase: string;
          stepIndex: number;
          applied?: { candidateWeight: number };
          owner: { host: string };
        })
      : undefined;
  };
  const start = (
    m: "a" | "b",
    ...args: string[]
  ): ChildProcess & { out: () => string; done: Promise<Run> } => {
    const child = spawnCli(
      [...args, "--stack", stackName, "--cwd", project.workDir],
      machines[m],
      true,
      "pipe",
    );
    let out = "";
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
    });
    const done = new Promise<Run>((resolve) => child.once("exit", (code) => resolve({ code, out })));
    return Object.assign(child, { out: () => out, done });
  };
  const cli = (m: "a" | "b", ...args: string[]): Promise<Run> => start(m, ...args).done;
  const waitFor = async (what: string, cond: () => boolean, child?: ChildProcess, ms = 240_000) => {
    const until = Date.now() + ms;
    while (!cond()) {
      if (child && child.exitCode !== null)
        throw new Error(`the driver exited (${child.exitCode}) before ${what}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const strategy = async (value: object) => {
    await stack.setConfig(`${PROJECT}:strategy`, { value: JSON.stringify(value) });
    await stack.up();
  };

  before(async function () {
    engine = requireEngine(this);
    backend = createBackend(engine);
    project = shadowProject(FIXTURE);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-shared-"));
    storeDir = path.join(dir, "shared-store");
    fs.mkdirSync(storeDir);
    const local = path.join(dir, "local-processes");
    for (const m of ["a", "b"] as const) {
      fs.mkdirSync(path.join(dir, `${m}-home`));
      machines[m] = {
        ...backend.envVars,
        HOME: path.join(dir, `${m}-home`),
        PROGRESSIVE_HOST: `machine-${m}`,
        PROGRESSIVE_STATE_STORE: `file://${storeDir}`,
        // Each machine's own folder, which must not be where anything shared lives.
        PROGRESSIVE_STATE_DIR: path.join(dir, `${m}-state`),
        // One physical machine runs the local platform's processes for both.
        PROGRESSIVE_LOCAL_DIR: local,
        PROGRESSIVE_LEASE_SECONDS: "8",
        USER: `operator-${m}`,
      };
    }
    const pulumiCommand = await PulumiCommand.get({
      root: path.dirname(path.dirname(engine.pulumi)),
      skipVersionCheck: true,
    });
    stack = await LocalWorkspace.createStack(
      { stackName, workDir: project.workDir },
      { envVars: machines.a, pulumiCommand },
    );
    await stack.setAllConfig({
      [`${PROJECT}:strategy`]: { value: JSON.stringify(PAUSED) },
      [`${PROJECT}:flagStrategy`]: { value: JSON.stringify(FLAG) },
      [`${PROJECT}:badVersion`]: { value: "bad" },
      [`${PROJECT}:appSecret`]: { value: APP_SECRET, secret: true },
      "progressive:webhookUrl": { value: `http://127.0.0.1:9/${HOOK_SECRET}`, secret: true },
    });
    const up = await stack.up();
    endpoint = String(up.outputs.endpoint?.value);
    flagFile = String(up.outputs.flagFile?.value);
  });

  after(async () => {
    try {
      await stack?.destroy();
      await stack?.workspace.removeStack(stackName);
    } finally {
      backend?.dispose();
      project?.dispose();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("A pauses at 10 %, B sees it and is refused a new release naming A, and B's promote finishes it", async () => {
    const load = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
    try {
      const paused = await cli("a", "release", "v2", "--service", "web");
      assert.equal(paused.code, 0, paused.out);
      assert.match(paused.out, /paused: run `progressive promote`/);
      const status = await cli("b", "status", "--service", "web");
      assert.equal(status.code, 0, status.out);
      assert.match(
        status.out,
        new RegExp(`release store file://${storeDir} \\(shared; from \\$PROGRESSIVE_STATE_STORE\\)`),
      );
      assert.match(status.out, /router \(verified, read back\): 10% to the candidate/);
      assert.match(status.out, /v2 paused at step 3.*started by operator-a from machine-a/);
      const refused = await cli("b", "release", "v3", "--service", "web");
      assert.equal(refused.code, 5, refused.out);
      assert.match(refused.out, /is paused for a decision.*started by operator-a from machine-a/);
      const promoted = await cli("b", "promote", "--service", "web");
      assert.equal(promoted.code, 0, promoted.out);
      assert.match(promoted.out, /promoted v2/);
    } finally {
      await load.stop();
    }
    console.log(`      A paused, B promoted: ${load.summary()}`);
    assert.equal(load.failed, 0, load.summary());
    assert.equal(journal("web")?.phase, "succeeded");
  });

  it("A killed mid-analysis: B is refused while A's lease lives, then resume promotes and abort reverts, 0 failed requests", async () => {
    await strategy(LONG);
    for (const [version, finish, expected] of [
      ["v3", "resume", 0],
      ["v4", "abort", 3],
    ] as const) {
      const a = start("a", "release", version, "--service", "web");
      await waitFor(
        `A's analysis at 20 % (${version})`,
        () => journal("web")?.applied?.candidateWeight === 20 && journal("web")?.stepIndex === 1,
        a,
      );
      await killGroup(a);
      const load = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
      try {
        const early = await cli("b", finish, "--service", "web");
        assert.equal(early.code, 5, early.out);
        assert.match(early.out, /is held by release .* \(driver pid \d+ on machine-a, run r-/);
        assert.match(early.out, /its lease runs until /);
        await new Promise((r) => setTimeout(r, 9_000));
        const taken = await cli("b", finish, "--service", "web");
        assert.equal(taken.code, expected, taken.out);
        assert.match(taken.out, /took over the lease of release .* on machine-a/);
      } finally {
        await load.stop();
      }
      console.log(`      ${version}: A killed, B ${finish}: ${load.summary()}`);
      assert.equal(load.failed, 0, `no request failed after the kill: ${load.summary()}`);
    }
    const probe = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 60_000 });
    assert.deepEqual(await probe.probe(20), { v3: 20 }, "v3 resumed and promoted, v4 aborted");
  });

  it("four drivers on two machines at the same instant: exactly one runs, the others exit 5 with nothing written", async () => {
    await strategy(QUICK);
    const load = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
    try {
      for (const version of ["v5", "v6", "v7"]) {
        const before = journal("web")?.releaseId;
        const runs = await Promise.all(
          (["a", "a", "b", "b"] as const).map((m) => cli(m, "release", version, "--service", "web")),
        );
        const codes = runs.map((r) => r.code).sort();
        assert.deepEqual(codes, [0, 5, 5, 5], runs.map((r) => r.out).join("\n---\n"));
        for (const r of runs.filter((x) => x.code === 5))
          assert.match(
            r.out,
            /service web of stack .* is held by release v\d of web \(driver pid \d+ on machine-[ab]/,
          );
        const after = journal("web");
        assert.notEqual(after?.releaseId, before);
        assert.equal(after?.phase, "succeeded");
      }
    } finally {
      await load.stop();
    }
    const history = await cli("b", "history", "--json");
    const started = (JSON.parse(history.out) as { releases: { version: string }[] }).releases.filter((r) =>
      ["v5", "v6", "v7"].includes(r.version),
    );
    assert.equal(started.length, 3, "one release each, from the one driver that ran it");
  });

  it("B's history and figures hold A's releases, and A's report reads from B", async () => {
    const h = await cli("b", "history", "--json");
    assert.equal(h.code, 0, h.out);
    const { releases, summary } = JSON.parse(h.out) as {
      releases: { id: string; version: string; outcome: string; actor: string }[];
      summary: { releases: number };
    };
    const fromA = releases.filter((r) => r.actor === "operator-a");
    assert.ok(
      fromA.some((r) => r.version === "v2"),
      "A's release of v2 is in B's history",
    );
    assert.ok(summary.releases >= 6, `figures count every machine's releases: ${summary.releases}`);
    const v2 = fromA.find((r) => r.version === "v2");
    const report = await cli("b", "report", v2?.id ?? "");
    assert.equal(report.code, 0, report.out);
    assert.match(report.out, /promoted/);
  });

  it("B's kill switch stops the flag rollout A's driver runs, and no secret is in the store", async () => {
    const a = start("a", "release-flag", "checkout");
    await waitFor("A's flag rollout at 20 %", () => journal("checkout")?.applied?.candidateWeight === 20, a);
    const off = await cli("b", "flag", "off", "checkout");
    assert.equal(off.code, 0, off.out);
    assert.match(off.out, /flag checkout off: everyone gets off, on taken away/);
    const ended = await a.done;
    assert.equal(ended.code, 3, `A's driver reverted its rollout: ${ended.out}`);
    assert.match(ended.out, /aborted by operator-b \(from machine-b\)/);
    const doc = JSON.parse(fs.readFileSync(flagFile, "utf8")) as {
      flags: Record<string, { defaultVariant: string; targeting?: unknown }>;
    };
    assert.equal(doc.flags.checkout?.defaultVariant, "off");
    assert.equal(doc.flags.checkout?.targeting, undefined, "no split left");

    const leaks: string[] = [];
    const scan = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) scan(p);
        else {
          const text = fs.readFileSync(p, "utf8");
          if (text.includes(APP_SECRET) || text.includes("T0KEN-must-not"))
            leaks.push(path.relative(storeDir, p));
        }
      }
    };
    scan(storeDir);
    assert.deepEqual(leaks, [], "no object of the store holds a secret");
    assert.equal(
      fs.existsSync(machines.a.PROGRESSIVE_STATE_DIR as string),
      false,
      "A kept nothing in its own folder",
    );
    assert.equal(
      fs.existsSync(machines.b.PROGRESSIVE_STATE_DIR as string),
      false,
      "B kept nothing in its own folder",
    );
  });
});
