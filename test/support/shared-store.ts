// Release state shared by two "machines", for any release store: two drivers with their own HOME,
// state folder and host name (PROGRESSIVE_HOST), one store, one stack of a local canary and a flag
// (test/engine/fixtures/shared-store), under load. The scenarios of issue 30, each run on the store
// a suite opens: A pauses and B promotes; A is killed mid-analysis and B takes over once its lease
// runs out (resume, then abort); four drivers on two machines start at once and exactly one runs;
// B reads A's history and report; B's kill switch stops the flag rollout A runs, and no secret is
// in the store; the store stops answering mid-release and the next driver finishes the release.
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { Journal } from "../../automation/driver/journal";
import { StackState } from "../../automation/driver/state";
import { openBackend } from "../../automation/store/open";
import { sharedStore } from "../../automation/store/release-store";
import { LoadGenerator } from "../../harness/load";
import { killGroup, spawnCli } from "./cli";
import { createBackend, type EngineInfo, requireEngine, shadowProject, type TestBackend } from "./engine";

const FIXTURE = path.join(__dirname, "..", "engine", "fixtures", "shared-store");
const PROJECT = "engine-shared-store";
const APP_SECRET = "app-secret-must-not-reach-the-store-7e1f";
const HOOK_SECRET = "T0KEN-must-not-reach-the-store-93c2";
const LEASE_SECONDS = 8;

/** A shared store for a suite: its URL and what a driver needs to reach it. */
export interface SharedStore {
  readonly url: string;
  /** Credentials, endpoints: added to both machines' environment (and this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Makes the store stop answering, then answer again (the outage scenario). */
  readonly cut?: () => Promise<void>;
  readonly restore?: () => Promise<void>;
  readonly stop: () => Promise<void>;
}

export type Scenario = "pause" | "kill" | "race" | "history" | "flag" | "outage";

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

/** The scenarios on the store `open` gives (only those named in `scenarios`). */
export function describeSharedStore(
  title: string,
  open: (ctx: Mocha.Context) => Promise<SharedStore>,
  scenarios: readonly Scenario[],
): void {
  describe(title, function () {
    this.timeout(1_800_000);
    let engine: EngineInfo;
    let store: SharedStore;
    let state: StackState;
    let backend: TestBackend;
    let project: ReturnType<typeof shadowProject>;
    let dir: string;
    let stack: Stack;
    let endpoint: string;
    let flagFile: string;
    const saved: Record<string, string | undefined> = {};
    const stackName = `shared-${Math.random().toString(36).slice(2, 8)}`;
    const machines: Record<"a" | "b", Record<string, string>> = { a: {}, b: {} };
    // A scenario this store does not run is not registered at all (it is not a test that could not
    // run: the suite runs it on the stores listed in its call).
    const only = (s: Scenario) =>
      scenarios.includes(s) ? it : (_title: string, _fn: () => Promise<void>) => undefined;

    const journal = async (service: string): Promise<Journal | undefined> =>
      (await state.journal(service).catch(() => undefined))?.journal;
    const start = (m: "a" | "b", ...args: string[]) => {
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
      return Object.assign(child, { done });
    };
    const cli = (m: "a" | "b", ...args: string[]): Promise<Run> => start(m, ...args).done;
    const waitFor = async (what: string, cond: () => Promise<boolean>, child?: ChildProcess) => {
      const until = Date.now() + 240_000;
      while (!(await cond())) {
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
    /** A release by A killed (with its process group) once its analysis at 20 % runs. */
    const killedInAnalysis = async (version: string) => {
      const a = start("a", "release", version, "--service", "web");
      await waitFor(
        `A's analysis at 20 % (${version})`,
        async () => {
          const j = await journal("web");
          return j?.version === version && j.applied?.candidateWeight === 20 && j.stepIndex === 2;
        },
        a,
      );
      return a;
    };

    before(async function () {
      engine = requireEngine(this);
      store = await open(this);
      for (const [k, v] of Object.entries(store.env ?? {})) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      state = new StackState(sharedStore(await openBackend(store.url)), PROJECT, stackName);
      backend = createBackend(engine);
      project = shadowProject(FIXTURE);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-shared-"));
      const local = path.join(dir, "local-processes");
      for (const m of ["a", "b"] as const) {
        fs.mkdirSync(path.join(dir, `${m}-home`));
        machines[m] = {
          ...backend.envVars,
          ...store.env,
          HOME: path.join(dir, `${m}-home`),
          PROGRESSIVE_HOST: `machine-${m}`,
          PROGRESSIVE_STATE_STORE: store.url,
          // Each machine's own folder, which must not be where anything shared lives.
          PROGRESSIVE_STATE_DIR: path.join(dir, `${m}-state`),
          // One physical machine runs the local platform's processes for both.
          PROGRESSIVE_LOCAL_DIR: local,
          PROGRESSIVE_LEASE_SECONDS: String(LEASE_SECONDS),
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
        "progressive:webhookUrl": { value: `http://127.0.0.1:9/hooks/${HOOK_SECRET}`, secret: true },
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
        await store?.stop();
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        backend?.dispose();
        project?.dispose();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    only("pause")(
      "A pauses at 10 %, B sees it and is refused a new release naming A, and B's promote finishes it",
      async () => {
        const load = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
        try {
          const paused = await cli("a", "release", "v2", "--service", "web");
          assert.equal(paused.code, 0, paused.out);
          assert.match(paused.out, /paused: run `progressive promote`/);
          const status = await cli("b", "status", "--service", "web");
          assert.equal(status.code, 0, status.out);
          assert.ok(
            status.out.includes(`release store ${state.store.url} (shared; from $PROGRESSIVE_STATE_STORE)`),
            status.out,
          );
          assert.match(status.out, /router \(verified, read back\): 10% to the candidate/);
          assert.match(status.out, /v2 paused at step 3 \(started by operator-a from machine-a\)/);
          const refused = await cli("b", "release", "v3", "--service", "web");
          assert.equal(refused.code, 5, refused.out);
          assert.match(
            refused.out,
            /\(started by operator-a from machine-a\) is paused for a decision on service web/,
          );
          const promoted = await cli("b", "promote", "--service", "web");
          assert.equal(promoted.code, 0, promoted.out);
          assert.match(promoted.out, /promoted v2/);
        } finally {
          await load.stop();
        }
        console.log(`      A paused, B promoted: ${load.summary()}`);
        assert.equal(load.failed, 0, load.summary());
        assert.equal((await journal("web"))?.phase, "succeeded");
      },
    );

    only("kill")(
      "A killed mid-analysis: B's resume is refused while A's lease lives, then promotes; B's abort asks A, waits out its lease and reverts; 0 failed requests",
      async () => {
        await strategy(LONG);
        for (const [version, finish] of [
          ["v3", "resume"],
          ["v4", "abort"],
        ] as const) {
          // Under load from the start: the builtin checks need requests to measure.
          const load = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
          let failedAtKill = 0;
          try {
            await killGroup(await killedInAnalysis(version));
            failedAtKill = load.failed;
            if (finish === "resume") {
              // Resuming is a second driver: refused while the first one's lease lives.
              const early = await cli("b", "resume", "--service", "web");
              assert.equal(early.code, 5, early.out);
              assert.match(early.out, /is held by release v\d of web \(driver pid \d+ on machine-a, run r-/);
              assert.match(early.out, /its lease runs until /);
              await new Promise((r) => setTimeout(r, (LEASE_SECONDS + 1) * 1000));
              const taken = await cli("b", "resume", "--service", "web");
              assert.equal(taken.code, 0, taken.out);
              assert.match(
                taken.out,
                /took over the lease of release v\d of web \(driver pid \d+ on machine-a/,
              );
            } else {
              // An abort is a request the running driver answers; nobody answers a killed one, so
              // B waits for its lease to run out and reverts itself.
              const aborted = await cli("b", "abort", "--service", "web");
              assert.equal(aborted.code, 3, aborted.out);
              assert.match(
                aborted.out,
                /asked the running driver \(release v\d of web \(driver pid \d+ on machine-a/,
              );
              assert.match(
                aborted.out,
                /took over the lease of release v\d of web \(driver pid \d+ on machine-a/,
              );
              assert.match(aborted.out, /reverted/);
            }
          } finally {
            await load.stop();
          }
          console.log(`      ${version}: A killed, B ${finish}: ${load.summary()}`);
          assert.equal(load.failed - failedAtKill, 0, `no request failed after the kill: ${load.summary()}`);
        }
        const probe = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 60_000 });
        assert.deepEqual(await probe.probe(20), { v3: 20 }, "v3 resumed and promoted, v4 aborted");
      },
    );

    only("race")(
      "four drivers on two machines at the same instant: exactly one runs, the others exit 5 with nothing written",
      async () => {
        await strategy(QUICK);
        const load = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
        try {
          for (const version of ["v5", "v6", "v7"]) {
            const before = (await journal("web"))?.releaseId;
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
            const after = await journal("web");
            assert.notEqual(after?.releaseId, before);
            assert.equal(after?.phase, "succeeded");
          }
        } finally {
          await load.stop();
        }
        const history = await cli("b", "history", "--json");
        const released = (JSON.parse(history.out) as { releases: { version: string }[] }).releases.filter(
          (r) => ["v5", "v6", "v7"].includes(r.version),
        );
        assert.equal(released.length, 3, "one release each, from the one driver that ran it");
      },
    );

    only("history")("B's history and figures hold A's releases, and A's report reads from B", async () => {
      const h = await cli("b", "history", "--json");
      assert.equal(h.code, 0, h.out);
      const { releases, summary } = JSON.parse(h.out) as {
        releases: { id: string; version: string; actor: string; outcome: string }[];
        summary: { releases: number };
      };
      const fromA = releases.filter((r) => r.actor === "operator-a");
      assert.ok(fromA.length > 0, "A's releases are in B's history");
      assert.equal(summary.releases, releases.length, "the figures count every machine's releases");
      const report = await cli("b", "report", fromA[0]?.id ?? "");
      assert.equal(report.code, 0, report.out);
      assert.match(report.out, new RegExp(fromA[0]?.outcome ?? "promoted"));
    });

    only("flag")(
      "B's kill switch stops the flag rollout A's driver runs, and no secret is in the store",
      async () => {
        const a = start("a", "release-flag", "checkout");
        await waitFor(
          "A's flag rollout at 20 %",
          async () => (await journal("checkout"))?.applied?.candidateWeight === 20,
          a,
        );
        const off = await cli("b", "flag", "off", "checkout");
        const ended = await a.done;
        assert.equal(off.code, 0, `${off.out}\n--- A:\n${ended.out}`);
        assert.match(off.out, /flag checkout off: everyone gets off, on taken away/);
        assert.equal(ended.code, 3, `A's driver reverted its rollout: ${ended.out}`);
        assert.match(ended.out, /aborted by operator-b \(from machine-b\)/);
        const doc = JSON.parse(fs.readFileSync(flagFile, "utf8")) as {
          flags: Record<string, { defaultVariant: string; targeting?: unknown }>;
        };
        assert.equal(doc.flags.checkout?.defaultVariant, "off");
        assert.equal(doc.flags.checkout?.targeting, undefined, "no split left");

        const leaks: string[] = [];
        for (const key of await state.store.objects.list("")) {
          const o = await state.store.objects.get(key);
          if (o && (o.body.includes(APP_SECRET) || o.body.includes(HOOK_SECRET))) leaks.push(key);
        }
        assert.deepEqual(leaks, [], "no object of the store holds a secret");
        for (const m of ["a", "b"] as const)
          assert.equal(
            fs.existsSync(machines[m].PROGRESSIVE_STATE_DIR as string),
            false,
            `${m} kept nothing in its own folder`,
          );
      },
    );

    only("outage")(
      "the store stops answering mid-release: the driver says where traffic is, and once it is back the next driver finishes",
      async () => {
        await strategy(LONG);
        const load = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
        try {
          const a = await killedInAnalysis("v8");
          await store.cut?.();
          const ended = await a.done;
          await store.restore?.();
          assert.equal(ended.code, 6, ended.out);
          // Whichever write meets the outage first stops the driver: the lease's renewal or
          // the journal's next measurement. Both must say where traffic is.
          assert.match(
            ended.out,
            /lease on web was lost: not renewed|the release store .* did not take the journal/,
          );
          assert.match(ended.out, /traffic stays where it was last verified: 20% to v8, the rest on v\d/);
          const status = await cli("b", "status", "--service", "web");
          assert.match(status.out, /v8 stepping at step 3/);
          assert.match(status.out, /router \(verified, read back\): 20% to the candidate/);
          await new Promise((r) => setTimeout(r, (LEASE_SECONDS + 1) * 1000));
          const resumed = await cli("b", "resume", "--service", "web");
          assert.equal(resumed.code, 0, resumed.out);
          assert.match(resumed.out, /promoted v8/);
        } finally {
          await load.stop();
        }
      },
    );
  });
}
