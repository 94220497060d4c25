// The release driver end to end: the repo's own program on the local platform, a real engine on
// a temporary file backend, real processes and real HTTP traffic.
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import {
  abortCommand,
  planCommand,
  promoteCommand,
  releaseCommand,
  resumeCommand,
  rollbackCommand,
  statusCommand,
} from "../../automation/driver/commands";
import { ReleaseError } from "../../automation/driver/errors";
import type { DriverEvent } from "../../automation/driver/events";
import { currentOwner, journalFile, readJournal, writeJournal } from "../../automation/driver/journal";
import { StackHandle } from "../../automation/driver/stack";
import { ReleaseHistory } from "../../automation/history";
import { routerControl } from "../../automation/routers";
import { isAlive, processRef, readState } from "../../components/local/runtime";
import { configJson, fastCanaryValues } from "../../harness/demo-config";
import { LoadGenerator } from "../../harness/load";
import { spawnCli, waitForDriver } from "../support/cli";
import { PROJECT, withDriverStack } from "../support/driver-stack";
import { createBackend, type EngineInfo, requireEngine } from "../support/engine";

const root = path.resolve(__dirname, "..", "..");
function collect(): { events: DriverEvent[]; onEvent: (e: DriverEvent) => void } {
  const events: DriverEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

describe("release driver (engine tier, local platform)", function () {
  this.timeout(900_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("promotes a good release and reverts a bad one, ending with every request on stable", async () => {
    // A webhook receiver that always fails: the release must go on, and its secret URL path must
    // never be printed.
    const failing = http.createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((r) => failing.listen(0, "127.0.0.1", r));
    const hookUrl = `http://127.0.0.1:${(failing.address() as { port: number }).port}/hooks/s3cr3t-path-123`;
    try {
      await withDriverStack(engine, {}, async (s) => {
        await s.stack.setConfig("progressive:webhookUrl", { value: hookUrl, secret: true });
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
        load.start();
        try {
          const good = collect();
          const r1 = await releaseCommand(s.target, "v2", { stateDir: s.stateDir, onEvent: good.onEvent });
          assert.equal(r1.outcome, "promoted", JSON.stringify(r1));
          assert.equal(load.failed, 0, `no request failed while v2 was released: ${load.summary()}`);
          assert.deepEqual(r1.traffic, { stableVersion: "v2", candidateWeight: 0 });
          const applied = good.events
            .filter((e) => e.type === "trafficApplied")
            .map((e) => (e.type === "trafficApplied" ? e.effectiveWeight : -1));
          assert.deepEqual(applied, [0, 10, 50, 100, 100, 0], "each weight verified after its up");
          assert.ok(
            good.events.every((e) => e.type !== "trafficApplied" || e.verified),
            "the local proxy reads every weight back: every step verified",
          );
          const warnings = good.events
            .filter((e) => e.type === "log" && e.level === "warn")
            .map((e) => (e.type === "log" ? e.message : ""));
          assert.ok(
            warnings.some((w) => /webhook/.test(w)),
            `the failing webhook is reported: ${warnings.join(" | ")}`,
          );
          assert.ok(
            !JSON.stringify(good.events).includes("s3cr3t-path-123"),
            "the webhook URL's secret path is never shown",
          );

          const bad = collect();
          const r2 = await releaseCommand(s.target, "v3", { stateDir: s.stateDir, onEvent: bad.onEvent });
          assert.equal(r2.outcome, "reverted", JSON.stringify(r2));
          assert.match(r2.reason ?? "", /analysis failed at step 3/);
          assert.ok((r2.timeToRevertMs ?? 0) > 0);
          assert.deepEqual(r2.traffic, { stableVersion: "v2", candidateWeight: 0 });
          assert.ok(bad.events.some((e) => e.type === "checkResult" && e.measurement.outcome === "Failed"));

          // Verified by requests, not only by config: everything answers v2.
          const probe = await load.probe(100);
          assert.deepEqual(probe, { v2: 100 });
          assert.ok(r2.reports?.markdown && fs.existsSync(r2.reports.markdown), "a report was written");

          const releases = (
            await new ReleaseHistory({ stateDir: s.stateDir }).listReleases(`${PROJECT}/${s.name}`)
          ).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
          assert.deepEqual(
            releases.map((r) => [r.version, r.outcome]),
            [
              ["v2", "promoted"],
              ["v3", "reverted"],
            ],
          );

          // Rollback to the earlier good version from history, under the same load.
          await assert.rejects(
            rollbackCommand(s.target, { stateDir: s.stateDir, to: "v3" }),
            /no earlier good version named v3/,
          );
          const failedBeforeRollback = load.failed;
          const back = await rollbackCommand(s.target, { stateDir: s.stateDir });
          assert.equal(back.outcome, "promoted");
          assert.deepEqual(back.traffic, { stableVersion: "v1", candidateWeight: 0 });
          assert.deepEqual(await load.probe(50), { v1: 50 });
          assert.equal(load.failed, failedBeforeRollback, "no request failed during the rollback");
        } finally {
          await load.stop();
        }
        assert.equal(load.byVersion.v3 !== undefined, true, "the bad version did receive canary traffic");
      });
    } finally {
      failing.close();
    }
  });

  it("rejects bad input with clear messages", async () => {
    const empty = createBackend(engine);
    try {
      await assert.rejects(
        planCommand({ workDir: root, stackName: "no-such-stack", env: empty.envVars }, "v2"),
        (e: unknown) =>
          e instanceof ReleaseError &&
          e.kind === "unknownStack" &&
          /stack "no-such-stack" does not exist/.test(e.message),
      );
    } finally {
      empty.dispose();
    }
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { analysis: {} }, { setWeight: 100 }] },
      async (s) => {
        // The version that already runs.
        await assert.rejects(
          releaseCommand(s.target, "v1", { stateDir: s.stateDir }),
          /version v1 already serves stack/,
        );

        // A second release while one is in progress (a live driver holds the journal).
        const holder = spawn("sleep", ["30"]);
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        try {
          const now = new Date().toISOString();
          writeJournal(file, {
            v: 1,
            releaseId: "other",
            project: PROJECT,
            stack: s.name,
            service: "web",
            version: "v9",
            previousVersion: "v1",
            strategy: "canary",
            actor: "someone",
            phase: "stepping",
            stepIndex: 1,
            lastGood: { stableVersion: "v1", candidateWeight: 0 },
            // The holder as a driver records itself: its pid and that process's start time.
            owner: { ...currentOwner(), ...processRef(holder.pid as number) },
            startedAt: now,
            updatedAt: now,
          });
          await assert.rejects(
            releaseCommand(s.target, "v2", { stateDir: s.stateDir }),
            (e: unknown) =>
              e instanceof ReleaseError &&
              e.kind === "inProgress" &&
              /release other of v9 is in progress/.test(e.message),
          );
        } finally {
          holder.kill();
          fs.rmSync(file, { force: true });
        }

        // Checks that name a provider the stack does not have.
        await s.stack.workspace.setAllConfigJson(
          s.name,
          configJson(PROJECT, {
            strategy: {
              kind: "canary",
              checks: [
                { kind: "metric", name: "dd", provider: "datadog", query: "q", failureCondition: "> 1" },
              ],
            },
          }),
        );
        // The driver plans from the strategy the component registered: deploy the change first.
        await s.stack.up();
        await assert.rejects(
          planCommand(s.target, "v2"),
          /check "dd": provider \("datadog"\) is not a metric provider a check can name; known providers: "builtin"/,
        );

        // A failed pre-traffic hook stops the release before any traffic moves.
        const hook = {
          name: "migrate",
          command: ["sh", "-c", "echo migration failed >&2; exit 3"],
          timeoutSeconds: 10,
        };
        await s.stack.workspace.setAllConfigJson(
          s.name,
          configJson(
            PROJECT,
            fastCanaryValues({
              extra: { "progressive:release": { drift: "off", hooks: { preTraffic: [hook] } } },
            }),
          ),
        );
        await s.stack.up();
        await assert.rejects(
          releaseCommand(s.target, "v2", { stateDir: s.stateDir }),
          (e: unknown) =>
            e instanceof ReleaseError &&
            e.kind === "hook" &&
            /pre-traffic hook migrate failed: sh -c .* exited with 3: migration failed; no traffic moved/.test(
              e.message,
            ),
        );
        const afterHook = await statusCommand(s.target, { stateDir: s.stateDir });
        assert.equal(afterHook.services[0]?.traffic.stableVersion, "v1");
        assert.equal(
          afterHook.services[0]?.traffic.candidateVersion,
          undefined,
          "the candidate was never deployed",
        );

        // The policy pack runs in preflight; a plain secret-looking env value is refused.
        await s.stack.workspace.setAllConfigJson(
          s.name,
          configJson(
            PROJECT,
            fastCanaryValues({
              extra: {
                "progressive:release": { drift: "off", policyPack: "policies" },
                service: { replicas: 2, env: { API_TOKEN: "plain-token-value" } },
              },
            }),
          ),
        );
        await assert.rejects(
          releaseCommand(s.target, "v2", { stateDir: s.stateDir }),
          (e: unknown) =>
            e instanceof ReleaseError &&
            e.kind === "preflight" &&
            /policy pack policies rejected the stack: .*no-plaintext-secrets/.test(e.message),
        );
      },
    );
  });

  it("treats an unreachable metrics endpoint as an Error outcome and reverts, never as success", async () => {
    const prometheusCheck = {
      kind: "metric",
      name: "prom-errors",
      provider: "prometheus",
      query: 'sum(rate(x{version="{{version}}"}[1m]))',
      failureCondition: "> 0.05",
      interval: "1s",
      count: 2,
      consecutiveErrorLimit: 0,
    };
    await withDriverStack(
      engine,
      {
        steps: [{ setWeight: 20 }, { analysis: { checks: ["prom-errors"] } }, { setWeight: 100 }],
        extraChecks: [prometheusCheck],
        metrics: { prometheus: { url: "http://127.0.0.1:9/" } },
      },
      async (s) => {
        const r = await releaseCommand(s.target, "v2", { stateDir: s.stateDir });
        assert.equal(r.outcome, "reverted");
        assert.match(r.reason ?? "", /analysis error at step 3: prom-errors: 1 query errors in a row/);
        const st = await statusCommand(s.target, { stateDir: s.stateDir });
        assert.equal(st.services[0]?.traffic.stableVersion, "v1");
        const router = st.services[0]?.router;
        assert.equal(router?.verified && router.candidateWeight, 0, JSON.stringify(router));
      },
    );
  });

  it("keeps a failed promotion open: resume completes it, abort goes back to the pre-release version", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 30 }, { pause: { duration: "1s" } }, { setWeight: 100 }] },
      async (s) => {
        const lockDir = path.join(
          s.backend.dir,
          "state",
          ".pulumi",
          "locks",
          "organization",
          PROJECT,
          s.name,
        );
        /** Another process holds the stack (a live pid on this host) once all traffic is on the candidate. */
        const holders: ChildProcess[] = [];
        const lockAtPromotion = (file: string) => {
          const holder = spawn("sleep", ["120"]);
          holders.push(holder);
          // Listened for from the start: a slow release may outlive the sleep, and an exit already
          // past would never be heard by a listener added after it.
          const exited = new Promise((r) => holder.once("exit", r));
          const timer = setInterval(() => {
            const j = readJournal(file);
            if (j?.applied?.candidateWeight === 100) {
              clearInterval(timer);
              fs.mkdirSync(lockDir, { recursive: true });
              fs.writeFileSync(
                path.join(lockDir, "held-by-test.json"),
                JSON.stringify({
                  pid: holder.pid,
                  username: "test",
                  hostname: os.hostname(),
                  timestamp: new Date().toISOString(),
                }),
              );
            }
          }, 50);
          return { holder, exited, stop: () => clearInterval(timer) };
        };
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
        load.start();
        try {
          // Run 1: promotion fails, then resume (the holder gone) completes it.
          let lock = lockAtPromotion(file);
          const failed = await releaseCommand(s.target, "v2", { stateDir: s.stateDir });
          lock.stop();
          assert.equal(failed.outcome, "failed", JSON.stringify(failed));
          assert.match(failed.reason ?? "", /promotion failed: .*locked.*progressive resume --service web/);
          assert.equal(readJournal(file)?.phase, "promotionFailed");
          await assert.rejects(
            releaseCommand(s.target, "v3", { stateDir: s.stateDir }),
            /the promotion of release .* failed on service web: .*run progressive resume --service web to retry it or progressive abort --service web to go back to v1/,
          );
          lock.holder.kill();
          await lock.exited;
          const resumed = await resumeCommand(s.target, { stateDir: s.stateDir });
          assert.equal(resumed.outcome, "promoted", JSON.stringify(resumed));
          assert.deepEqual(await load.probe(40), { v2: 40 });

          // Run 2: promotion fails, then abort goes back to v2, the version stable before it.
          lock = lockAtPromotion(file);
          const failedAgain = await releaseCommand(s.target, "v4", { stateDir: s.stateDir });
          lock.stop();
          assert.equal(failedAgain.outcome, "failed");
          lock.holder.kill();
          await lock.exited;
          const aborted = await abortCommand(s.target, { stateDir: s.stateDir, actor: "tester" });
          assert.equal(aborted.outcome, "reverted", JSON.stringify(aborted));
          assert.deepEqual(aborted.traffic, { stableVersion: "v2", candidateWeight: 0 });
          assert.deepEqual(await load.probe(40), { v2: 40 });
        } finally {
          await load.stop();
          for (const h of holders) h.kill();
          fs.rmSync(path.join(lockDir, "held-by-test.json"), { force: true });
        }
        console.log(`      load through both failed promotions: ${load.summary()}`);
        assert.equal(load.failed, 0, "no request failed while the promotions failed and were settled");
      },
    );
  });

  it("leaves no orphan when the driver, its pulumi and the program are killed while the candidate is created", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { analysis: {} }, { setWeight: 100 }] },
      async (s) => {
        const serviceDir = path.join(s.stateDir, PROJECT, s.name, "web");
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
        load.start();
        try {
          const killDuringCreate = async (version: string) => {
            const child = spawnCli(
              ["release", version, "--stack", s.name, "--state-dir", s.stateDir, "--cwd", s.target.workDir],
              s.env,
              true,
            );
            // The candidate's supervisor has started, but the create has not been recorded yet.
            await waitForDriver(
              () =>
                readJournal(file)?.phase === "deploying" &&
                runningSupervisors(serviceDir).some((x) => x.dir.includes(`-${version}-`)),
              240_000,
              child,
            );
            process.kill(-(child.pid as number), "SIGKILL");
            await new Promise((r) => child.once("exit", r));
          };

          await killDuringCreate("v2");
          const aborted = await abortCommand(s.target, { stateDir: s.stateDir, actor: "tester" });
          assert.equal(aborted.outcome, "reverted", JSON.stringify(aborted));
          const left = runningSupervisors(serviceDir);
          assert.ok(
            left.every((x) => !x.dir.includes("-v2-")),
            `no process of v2 runs after abort: ${JSON.stringify(left)}`,
          );
          const configs = fs
            .readdirSync(serviceDir)
            .filter(
              (d) => d.includes("-v2-") && fs.existsSync(path.join(serviceDir, d, "supervisor.config.json")),
            );
          assert.deepEqual(configs, [], "no config file of a stopped v2 remains");
          assert.deepEqual(await load.probe(40), { v1: 40 });

          await killDuringCreate("v4");
          const resumed = await resumeCommand(s.target, { stateDir: s.stateDir });
          assert.equal(resumed.outcome, "promoted", JSON.stringify(resumed));
          const after = runningSupervisors(serviceDir).map((x) => x.dir);
          assert.ok(
            after.every((d) => d.includes("-v4-")),
            `only v4 runs after the resumed release promoted it: ${JSON.stringify(after)}`,
          );
          assert.deepEqual(await load.probe(40), { v4: 40 });
        } finally {
          await load.stop();
        }
        console.log(`      load through two kills during create: ${load.summary()}`);
      },
    );
  });

  it("killed in a weight step's up, in an analysis and in a promotion: resume or abort leave nothing orphaned and the state a fresh up gives", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { analysis: {} }, { setWeight: 100 }], intervalSeconds: 3 },
      async (s) => {
        const serviceDir = path.join(s.stateDir, PROJECT, s.name, "web");
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        const locks = path.join(s.backend.dir, "state", ".pulumi", "locks");
        const upRunning = (): boolean =>
          fs.existsSync(locks) &&
          fs.readdirSync(locks, { recursive: true }).some((f) => String(f).endsWith(".json"));
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
        load.start();
        const kill = async (version: string, when: () => boolean): Promise<number> => {
          const child = spawnCli(
            ["release", version, "--stack", s.name, "--state-dir", s.stateDir, "--cwd", s.target.workDir],
            s.env,
            true,
          );
          await waitForDriver(when, 240_000, child);
          process.kill(-(child.pid as number), "SIGKILL");
          await new Promise((r) => child.once("exit", r));
          return load.failed;
        };
        /** After resume or abort: only `version`'s processes run, no config of a stopped one stays, and `up` has nothing to do. */
        const settled = async (version: string) => {
          const running = runningSupervisors(serviceDir).map((x) => x.dir);
          assert.ok(
            running.length > 0 && running.every((d) => d.includes(`-${version}-`)),
            `only ${version} runs: ${JSON.stringify(running)}`,
          );
          const stale = fs
            .readdirSync(serviceDir)
            .filter(
              (d) =>
                d !== "proxy" &&
                !running.includes(d) &&
                fs.existsSync(path.join(serviceDir, d, "supervisor.config.json")),
            );
          assert.deepEqual(stale, [], "no config file of a stopped process remains");
          const preview = await s.stack.preview();
          const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
          assert.deepEqual(changes, [], "a fresh up would change nothing");
          assert.deepEqual(await load.probe(40), { [version]: 40 });
          // The killed engine's plugins (language host, dynamic provider) live in process groups of
          // their own: they must notice the engine is gone and exit.
          let plugins = enginePlugins(s.target.workDir);
          for (let i = 0; i < 20 && plugins.length > 0; i++) {
            await new Promise((r) => setTimeout(r, 250));
            plugins = enginePlugins(s.target.workDir);
          }
          assert.deepEqual(plugins, [], "no plugin of a killed engine runs on");
        };
        const figures: string[] = [];
        try {
          // 1. In the weight step: 20 % is being applied and its `up` holds the stack.
          let before = await kill(
            "v2",
            () =>
              readJournal(file)?.intended?.candidateWeight === 20 &&
              readJournal(file)?.applied?.candidateWeight === 0 &&
              upRunning(),
          );
          const resumed = await resumeCommand(s.target, { stateDir: s.stateDir });
          assert.equal(resumed.outcome, "promoted", JSON.stringify(resumed));
          await settled("v2");
          figures.push(`weight step + resume: ${load.failed - before} failed`);

          // 2. In the analysis at 20 % (step 2 of deploy, 20 %, analysis, promotion).
          before = await kill(
            "v4",
            () =>
              readJournal(file)?.applied?.candidateWeight === 20 &&
              readJournal(file)?.stepIndex === 2 &&
              !upRunning(),
          );
          const aborted = await abortCommand(s.target, { stateDir: s.stateDir, actor: "tester" });
          assert.equal(aborted.outcome, "reverted", JSON.stringify(aborted));
          assert.deepEqual(aborted.traffic, { stableVersion: "v2", candidateWeight: 0 });
          await settled("v2");
          figures.push(`analysis + abort: ${load.failed - before} failed`);

          // 3. In the promotion: its first `up` (all traffic to v5) running.
          before = await kill("v5", () => readJournal(file)?.phase === "promoting" && upRunning());
          const promoted = await resumeCommand(s.target, { stateDir: s.stateDir });
          assert.equal(promoted.outcome, "promoted", JSON.stringify(promoted));
          await settled("v5");
          figures.push(`promotion + resume: ${load.failed - before} failed`);
        } finally {
          await load.stop();
        }
        console.log(`      ${figures.join("; ")}; load: ${load.summary()}`);
        assert.equal(load.failed, 0, "no request failed through three kills");
      },
    );
  });

  it("a proxy killed mid-release: its worker is back within 2 s with its table; the whole proxy killed reads unreachable until the next step starts it", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { pause: { duration: "12s" } }, { setWeight: 100 }] },
      async (s) => {
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        const proxyState = path.join(s.stateDir, PROJECT, s.name, "web", "proxy", "proxy.state.json");
        const readProxy = () =>
          JSON.parse(fs.readFileSync(proxyState, "utf8")) as { pid: number; workerPid: number | null };
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
        load.start();
        const release = releaseCommand(s.target, "v2", { stateDir: s.stateDir });
        release.catch(() => undefined);
        try {
          const inPause = () =>
            readJournal(file)?.applied?.candidateWeight === 20 && readJournal(file)?.phase === "stepping";
          for (let i = 0; i < 1200 && !inPause(); i++) await new Promise((r) => setTimeout(r, 100));
          assert.ok(inPause(), "the release reached its pause at 20 %");
          const handle = await StackHandle.open(s.target);
          const web = await handle.service("web");
          const router = routerControl(web.release.router, web.secrets);
          const at20 = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 };

          // 1. The worker (what serves) killed: the keeper starts it again on the same ports, and
          // it reloads its last table.
          const failedBefore = load.failed;
          const worker = readProxy().workerPid as number;
          const killedAt = Date.now();
          process.kill(worker, "SIGKILL");
          const readings: string[] = [];
          let backMs = -1;
          while (Date.now() - killedAt < 5_000) {
            const r = await router.read(at20);
            readings.push(r.verified ? `verified ${r.candidateWeight}` : r.reason);
            if (r.verified) {
              backMs = Date.now() - killedAt;
              assert.equal(r.candidateWeight, 20, "the restarted worker serves the last table");
              break;
            }
            await new Promise((res) => setTimeout(res, 25));
          }
          assert.ok(
            backMs >= 0 && backMs < 2_000,
            `back within 2 s (took ${backMs} ms): ${readings.join(" | ")}`,
          );
          assert.ok(
            readings.some((r) => /router unreachable/.test(r)),
            `read as unreachable meanwhile: ${readings.join(" | ")}`,
          );
          assert.notEqual(readProxy().workerPid, worker);
          console.log(
            `      worker killed: back with its table after ${backMs} ms, ${readings.length - 1} reading(s) unreachable, ${load.failed - failedBefore} request(s) failed`,
          );

          // 2. The whole proxy (keeper and worker) killed: status says so; the release's next step
          // (its `up`) starts a new proxy, and the release goes on to promote.
          const failedBefore2 = load.failed;
          const { pid: keeper, workerPid } = readProxy();
          // Both stopped first: a worker whose keeper dies starts a new keeper, which a pause of
          // the machine between the two kills would give it time to do.
          process.kill(keeper, "SIGSTOP");
          if (workerPid) process.kill(workerPid, "SIGSTOP");
          process.kill(keeper, "SIGKILL");
          if (workerPid) process.kill(workerPid, "SIGKILL");
          const st = await statusCommand(s.target, { stateDir: s.stateDir });
          const reading = st.services[0]?.router;
          assert.equal(reading?.verified, false);
          assert.match(reading && !reading.verified ? reading.reason : "", /router unreachable/);
          const result = await release;
          assert.equal(result.outcome, "promoted", JSON.stringify(result));
          assert.deepEqual(await load.probe(40), { v2: 40 });
          console.log(
            `      whole proxy killed: status read "router unreachable"; ${load.failed - failedBefore2} request(s) failed until the next step started a new proxy`,
          );
        } finally {
          await release.catch(() => undefined);
          await load.stop();
        }
        console.log(`      load: ${load.summary()}`);
      },
    );
  });

  it("finishes a revert whose driver was killed in the middle of it: status, then resume or abort", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { analysis: {} }, { setWeight: 100 }] },
      async (s) => {
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
        load.start();
        try {
          const killDuringRevert = async () => {
            const child = spawnCli(
              ["release", "v3", "--stack", s.name, "--state-dir", s.stateDir, "--cwd", s.target.workDir],
              s.env,
              true,
            );
            await waitForDriver(() => readJournal(file)?.phase === "reverting", 240_000, child);
            process.kill(-(child.pid as number), "SIGKILL");
            await new Promise((r) => child.once("exit", r));
          };
          // v3 is the bad version of the demo config: its analysis fails and the driver reverts.
          await killDuringRevert();
          const st = await statusCommand(s.target, { stateDir: s.stateDir });
          const web = st.services[0];
          assert.equal(web?.journal?.phase, "reverting");
          const failedAt = load.failed;
          const resumed = await resumeCommand(s.target, { stateDir: s.stateDir });
          assert.equal(resumed.outcome, "reverted", JSON.stringify(resumed));
          assert.deepEqual(resumed.traffic, { stableVersion: "v1", candidateWeight: 0 });
          assert.deepEqual(await load.probe(40), { v1: 40 });
          // The brake usually lands before the kill; if the kill came first, v3 answered until resume.
          console.log(`      failed requests while resume finished the revert: ${load.failed - failedAt}`);

          await killDuringRevert();
          const aborted = await abortCommand(s.target, { stateDir: s.stateDir, actor: "tester" });
          assert.equal(aborted.outcome, "reverted", JSON.stringify(aborted));
          const after = await statusCommand(s.target, { stateDir: s.stateDir });
          assert.equal(after.pendingOperations, 0);
          assert.deepEqual(after.services[0]?.traffic, { stableVersion: "v1", candidateWeight: 0 });
          assert.deepEqual(await load.probe(40), { v1: 40 });
        } finally {
          await load.stop();
        }
        console.log(`      load through two kills during a revert: ${load.summary()}`);
      },
    );
  });

  it("Ctrl-C reverts, reads every step back with a deadline of its own, reports it honestly and exits 130", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { pause: { duration: "60s" } }, { setWeight: 100 }] },
      async (s) => {
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        const child = spawnCli(
          ["release", "v2", "--stack", s.name, "--state-dir", s.stateDir, "--cwd", s.target.workDir],
          s.env,
          false,
          "pipe",
        );
        let out = "";
        child.stdout?.on("data", (b: Buffer) => {
          out += b.toString();
        });
        await waitForDriver(
          () => readJournal(file)?.applied?.candidateWeight === 20 && readJournal(file)?.phase === "stepping",
          240_000,
          child,
        );
        child.kill("SIGINT");
        const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
        console.log(
          `      after Ctrl-C: exit ${code}; ${out.split("\n").filter((l) => /reverted|traffic:/.test(l)).length} lines`,
        );
        assert.equal(code, 130, out);
        assert.match(out, /! interrupted \(SIGINT\): reverting; press Ctrl-C again to stop at once/);
        assert.doesNotMatch(
          out,
          /aborted by the caller/,
          "the revert's read-backs do not use the cancelled signal",
        );
        assert.match(
          out,
          /↩ reverted in .* \(first failed check to all traffic on stable, read back from the router\)/,
        );
        const journal = readJournal(file);
        assert.equal(journal?.phase, "reverted");
        assert.equal(
          journal?.reason,
          "aborted: interrupted (SIGINT)",
          "the stored reason says what happened, not what to press",
        );
        assert.deepEqual(await new LoadGenerator(s.endpoint).probe(20), { v1: 20 });
      },
    );
  });

  it("a paused release is promoted or aborted from another process while the one that paused it still runs", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }] },
      async (s) => {
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        // The process that paused it lives on (an MCP server, a dashboard, a program that called
        // release()): the journal names a live process of this host as its owner.
        const pauseBy = async (version: string, owner: ChildProcess) => {
          const r = await releaseCommand(s.target, version, { stateDir: s.stateDir });
          assert.equal(r.outcome, "paused", JSON.stringify(r));
          const j = readJournal(file);
          assert.ok(j);
          writeJournal(file, { ...j, owner: { ...currentOwner(), ...processRef(owner.pid as number) } });
        };
        const owner = spawn("sleep", ["600"]);
        try {
          await pauseBy("v2", owner);
          const aborted = await abortCommand(s.target, { stateDir: s.stateDir });
          assert.equal(aborted.outcome, "reverted", JSON.stringify(aborted));
          assert.deepEqual(await new LoadGenerator(s.endpoint).probe(10), { v1: 10 });
          await pauseBy("v2", owner);
          const promoted = await promoteCommand(s.target, { stateDir: s.stateDir });
          assert.equal(promoted.outcome, "promoted", JSON.stringify(promoted));
          assert.deepEqual(await new LoadGenerator(s.endpoint).probe(10), { v2: 10 });
          assert.ok(isAlive(owner.pid as number), "the owner still ran throughout");
        } finally {
          owner.kill();
        }
      },
    );
  });

  it("survives the driver being killed mid-release: status, then resume or abort", async () => {
    await withDriverStack(
      engine,
      { steps: [{ setWeight: 20 }, { pause: { duration: "6s" } }, { setWeight: 100 }] },
      async (s) => {
        const file = journalFile(s.stateDir, PROJECT, s.name, "web");
        const killDuringPause = async (version: string) => {
          const child = spawnCli(
            ["release", version, "--stack", s.name, "--state-dir", s.stateDir, "--cwd", s.target.workDir],
            s.env,
          );
          await waitForDriver(
            () =>
              readJournal(file)?.applied?.candidateWeight === 20 && readJournal(file)?.phase === "stepping",
            240_000,
            child,
          );
          child.kill("SIGKILL");
          await new Promise((r) => child.once("exit", r));
        };

        await killDuringPause("v2");
        const st = await statusCommand(s.target, { stateDir: s.stateDir });
        const web = st.services[0];
        assert.equal(web?.journal?.phase, "stepping");
        assert.equal(web?.driverAlive, false);
        assert.equal(
          web?.router.verified && web.router.candidateWeight,
          20,
          "status reads where traffic really is from the router",
        );
        assert.equal(st.pendingOperations, 0);
        // The 20 % step changed only the weight, so its `up` was targeted at the resources that
        // hold it: the state must still be what a full `up` gives.
        const preview = await s.stack.preview();
        const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
        assert.deepEqual(changes, [], "a full up after the targeted step changes nothing");
        const resumed = await resumeCommand(s.target, { stateDir: s.stateDir });
        assert.equal(resumed.outcome, "promoted");
        assert.deepEqual(await new LoadGenerator(s.endpoint).probe(40), { v2: 40 });

        await killDuringPause("v4");
        const aborted = await abortCommand(s.target, { stateDir: s.stateDir, actor: "tester" });
        assert.equal(aborted.outcome, "reverted");
        assert.match(aborted.reason ?? "", /aborted by tester/);
        const after = await statusCommand(s.target, { stateDir: s.stateDir });
        assert.equal(after.services[0]?.journal?.phase, "reverted");
        assert.equal(after.pendingOperations, 0);
        assert.deepEqual(after.services[0]?.traffic, { stableVersion: "v2", candidateWeight: 0 });
        assert.deepEqual(await new LoadGenerator(s.endpoint).probe(40), { v2: 40 });
      },
    );
  });
});

/** Engine plugins (language host, dynamic provider) running in `workDir`, with no engine running. */
function enginePlugins(workDir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/cwd`) !== workDir) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (/dynamic-provider|language-host|pulumi-language-nodejs/.test(cmd)) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Supervisors running under a service's state folder, by version folder. */
function runningSupervisors(serviceDir: string): { dir: string; pid: number }[] {
  if (!fs.existsSync(serviceDir)) return [];
  return fs
    .readdirSync(serviceDir)
    .filter((d) => d !== "proxy")
    .flatMap((d) => {
      const state = readState(path.join(serviceDir, d, "supervisor.state.json"));
      return state && isAlive(state.pid) ? [{ dir: d, pid: state.pid }] : [];
    });
}
