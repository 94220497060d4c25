// Feature flags released like canaries, end to end on the local platform: a FeatureFlag on a real
// engine writes a flagd flag file; the sample app (examples/local-app, the real OpenFeature SDK with
// the flagd provider in in-process mode reading that file) answers each user with a variant and
// exports per-variant counters that a real Prometheus scrapes; the driver steps the flag, measures
// the variants through Prometheus, reverts a failing variant, and the kill switch takes effect
// within one second. Every figure is printed.
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { abortCommand, promoteCommand } from "../../automation/driver/commands";
import type { DriverEvent } from "../../automation/driver/events";
import { flagOffCommand, releaseFlagCommand } from "../../automation/driver/flags";
import { createPrometheusProvider } from "../../automation/metrics";
import { get, LoadGenerator } from "../../harness/load";
import { freePort, waitFor } from "../../harness/net";
import { createBackend, requireEngine, shadowProject } from "../support/engine";
import { requirePrometheus } from "../support/prometheus";

const FIXTURE = path.join(__dirname, "fixtures", "local-flag");
const APP = path.resolve(__dirname, "..", "..", "examples", "local-app", "server.js");
const FLAG = "new-checkout";

/** Stops a child by its pid (SIGTERM, then SIGKILL after 5 s) and waits for it. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

/** The sample app on `port`, reading the flag file; resolves once it answers. */
async function startApp(
  port: number,
  flagFile: string,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [APP], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      FLAG_FILE: flagFile,
      FLAG_KEY: FLAG,
      FLAG_POLL_MS: "100",
      SERVICE_VERSION: "v1",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (c: Buffer) => {
    log = (log + c.toString()).slice(-2000);
  });
  await waitFor("the sample app", 20_000, async () => {
    if (child.exitCode !== null) throw new Error(`the sample app exited with ${child.exitCode}: ${log}`);
    return (await get(port, { path: "/health", timeoutMs: 500 })).status === 200 ? true : undefined;
  });
  return child;
}

/** One request as user `user`: the variant the app served and its status. */
async function ask(
  port: number,
  user: string,
  agent: http.Agent,
): Promise<{ variant: string; status: number }> {
  const r = await get(port, { path: `/?user=${encodeURIComponent(user)}`, agent, timeoutMs: 5000 });
  return { variant: String(r.headers["x-flag-variant"] ?? "none"), status: r.status };
}

/** Asks every user once (8 at a time); the variant each got. */
async function measure(port: number, users: readonly string[]): Promise<Map<string, string>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const out = new Map<string, string>();
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < users.length) {
          const user = users[next++] as string;
          out.set(user, (await ask(port, user, agent)).variant);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return out;
}

const share = (m: Map<string, string>, variant: string) =>
  [...m.values()].filter((v) => v === variant).length / Math.max(1, m.size);
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

describe("engine: feature flags released like canaries (local flag file, OpenFeature flagd in-process)", function () {
  this.timeout(900_000);

  it("steps a flag to 10 % and 25 % with sticky users, kills it within a second, reverts a failing variant on a Prometheus check, and promotes a healthy one", async function () {
    const engine = requireEngine(this);
    const prometheus = requirePrometheus(this, "flag engine test");
    const backend = createBackend(engine);
    const project = shadowProject(FIXTURE);
    const stateDir = path.join(backend.dir, "progressive");
    const flagFile = path.join(backend.dir, "flags", "flags.flagd.json");
    const env = { ...backend.envVars, PROGRESSIVE_STATE_DIR: stateDir, PROGRESSIVE_LOCAL_DIR: stateDir };
    const stackName = `flag-${Math.random().toString(36).slice(2, 8)}`;
    const target = { workDir: project.workDir, stackName, env };
    const appPort = await freePort();
    const promPort = await freePort();
    let stack: Stack | undefined;
    let app: ChildProcess | undefined;
    let prom: ChildProcess | undefined;
    let load: LoadGenerator | undefined;
    const events: DriverEvent[] = [];
    const onEvent = (e: DriverEvent) => {
      events.push(e);
      if (e.type === "checkResult")
        console.log(
          `        check ${e.measurement.check}: ${e.measurement.value ?? "no value"} (baseline ${e.measurement.baseline ?? "none"}) -> ${e.measurement.outcome}`,
        );
    };
    try {
      // Prometheus scrapes the app's per-variant counters every second.
      fs.writeFileSync(
        path.join(backend.dir, "prometheus.yml"),
        [
          "global:",
          "  scrape_interval: 1s",
          "  scrape_timeout: 1s",
          "scrape_configs:",
          "  - job_name: app",
          "    static_configs:",
          `      - targets: ["127.0.0.1:${appPort}"]`,
          "",
        ].join("\n"),
      );
      console.log(`      ${prometheus.version}`);
      prom = spawn(
        prometheus.binary,
        [
          `--config.file=${path.join(backend.dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${path.join(backend.dir, "prom-data")}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          "--log.level=warn",
        ],
        { stdio: ["ignore", "ignore", "ignore"] },
      );
      const promUrl = `http://127.0.0.1:${promPort}`;

      const pulumiCommand = await PulumiCommand.get({
        root: path.dirname(path.dirname(engine.pulumi)),
        skipVersionCheck: true,
      });
      stack = await LocalWorkspace.createStack(
        { stackName, workDir: project.workDir },
        { envVars: env, pulumiCommand },
      );
      const check = {
        kind: "metric",
        name: "error-rate",
        provider: "builtin",
        query: "errorRate",
        failureCondition: "> 0.05",
        interval: "4s",
        count: 2,
      };
      await stack.setAllConfig({
        flagFile: { value: flagFile },
        stateDir: { value: stateDir },
        strategy: {
          value: JSON.stringify({
            kind: "canary",
            steps: [
              { setWeight: 10 },
              { pause: {} },
              { setWeight: 25 },
              { analysis: {} },
              { pause: {} },
              { setWeight: 50 },
              { analysis: {} },
              { setWeight: 100 },
            ],
            checks: [check],
          }),
        },
        "progressive:metrics": { value: JSON.stringify({ prometheus: { url: promUrl } }) },
      });
      const t0 = performance.now();
      await stack.up();
      console.log(`      first up (flag at 0 %) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const initial = JSON.parse(fs.readFileSync(flagFile, "utf8"));
      assert.deepEqual(initial.flags[FLAG], {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "off",
      });

      app = await startApp(appPort, flagFile);
      // Background traffic with fresh users (about 40 requests a second) until stopped.
      load = new LoadGenerator(appPort, {
        concurrency: 2,
        intervalMs: 50,
        pathFor: (n) => `/?user=bg-${n}`,
      }).start();
      const provider = createPrometheusProvider({ name: "prom", url: promUrl, timeoutMs: 5000 });
      await waitFor("Prometheus scraping the app", 60_000, async () => {
        const m = await provider.query({ query: `sum(flag_requests_total{flag="${FLAG}"})` });
        return m.kind === "noData" ? undefined : true;
      });

      // 1. Step to 10 % (the strategy pauses there), measure 2,000 distinct users.
      const users = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
      const at10 = await releaseFlagCommand(target, FLAG, { stateDir, onEvent });
      assert.equal(at10.outcome, "paused", JSON.stringify(at10));
      assert.equal(at10.traffic.candidateWeight, 10);
      const file10 = JSON.parse(fs.readFileSync(flagFile, "utf8"));
      assert.deepEqual(file10.flags[FLAG].targeting, {
        fractional: [
          ["on", 10],
          ["off", 90],
        ],
      });
      const v10 = await measure(appPort, users);
      const share10 = share(v10, "on");
      console.log(`      at 10 %: ${pct(share10)} of ${v10.size} users got "on"`);
      assert.ok(Math.abs(share10 - 0.1) <= 0.02, `share of "on" at 10 % is ${pct(share10)}`);

      // 2. On to 25 % (an analysis against Prometheus passes, then a pause): users keep "on".
      const at25 = await promoteCommand(target, { stateDir, onEvent });
      assert.equal(at25.outcome, "paused", JSON.stringify(at25));
      assert.equal(at25.traffic.candidateWeight, 25);
      // The variant's error rate carries the requests behind it, counted by Prometheus' increase().
      const counted = events.flatMap((e) =>
        e.type === "checkResult" && e.measurement.check === "error-rate" ? [e.measurement.requests ?? 0] : [],
      );
      assert.ok(
        counted.length > 0 && counted.every((n) => Number.isInteger(n) && n > 0),
        `requests per measurement: ${counted.join(", ")}`,
      );
      const v25 = await measure(appPort, users);
      const share25 = share(v25, "on");
      const on10 = users.filter((u) => v10.get(u) === "on");
      const kept = on10.filter((u) => v25.get(u) === "on");
      console.log(
        `      at 25 %: ${pct(share25)} of ${v25.size} users got "on"; ${kept.length} of the ${on10.length} users who had "on" at 10 % still have it`,
      );
      assert.ok(Math.abs(share25 - 0.25) <= 0.02, `share of "on" at 25 % is ${pct(share25)}`);
      assert.equal(kept.length, on10.length, "every user who had on at 10 % keeps it at 25 %");

      // 3. The kill switch while the rollout is paused at 25 %: probes as users who have "on".
      const probeUsers = users.filter((u) => v25.get(u) === "on").slice(0, 20);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      let probing = true;
      let lastOnAt = 0;
      let probes = 0;
      // Whole rounds (every probed user once), begun after the command returned, with no "on".
      let returnedAt: number | undefined;
      let offRounds = 0;
      const killStarted = performance.now();
      const prober = (async () => {
        while (probing) {
          const roundStarted = performance.now();
          let on = false;
          for (const u of probeUsers) {
            const r = await ask(appPort, u, agent);
            probes++;
            if (r.variant === "on") {
              lastOnAt = performance.now();
              on = true;
            }
          }
          if (!on && returnedAt !== undefined && roundStarted >= returnedAt) offRounds++;
        }
      })();
      const off = await flagOffCommand(target, FLAG, { stateDir, onEvent });
      returnedAt = performance.now();
      const recordedMs = returnedAt - killStarted;
      // The event the kill switch promises, rather than a fixed wait: every probed user gets "off".
      await waitFor("a whole round of probes after the command answered off", 10_000, async () =>
        offRounds > 0 ? true : undefined,
      );
      probing = false;
      await prober;
      agent.destroy();
      const effectMs = lastOnAt === 0 ? 0 : lastOnAt - killStarted;
      console.log(
        `      kill switch: store at 0 % after ${off.brakeMs.toFixed(0)} ms, last "on" answer ${effectMs.toFixed(0)} ms after the command started (${probes} probes); recorded (${off.result?.outcome}) after ${(recordedMs / 1000).toFixed(1)} s`,
      );
      assert.ok(off.brake.applied, `brake: ${off.brake.reason}`);
      assert.ok(effectMs < 1000, `the kill switch took ${effectMs.toFixed(0)} ms to take effect`);
      assert.equal(off.result?.outcome, "reverted", JSON.stringify(off.result));
      const afterKill = await measure(appPort, users.slice(0, 500));
      assert.equal(share(afterKill, "on"), 0, "no user gets on after the kill switch");
      const entry = (await stack.getAllConfig())["progressive:traffic"];
      assert.deepEqual(JSON.parse(String(entry?.value)), {
        [FLAG]: { stableVersion: "off", candidateWeight: 0 },
      });

      // 4. A failing "on" variant: the analysis at 25 % (errors through Prometheus) reverts to 0 %.
      await stop(app);
      app = await startApp(appPort, flagFile, { FLAG_FAIL_VARIANT: "on" });
      const failing = await releaseFlagCommand(target, FLAG, { stateDir, onEvent });
      assert.equal(failing.outcome, "paused");
      const failed = await promoteCommand(target, { stateDir, onEvent });
      console.log(
        `      failing variant: ${failed.outcome} (${failed.reason}); time to revert ${failed.timeToRevertMs} ms`,
      );
      assert.equal(failed.outcome, "reverted", JSON.stringify(failed));
      assert.match(String(failed.reason), /analysis failed/);
      assert.deepEqual(failed.traffic, { stableVersion: "off", candidateWeight: 0 });
      const afterRevert = await measure(appPort, users);
      const statuses = afterRevert.size;
      console.log(`      after the revert: ${pct(share(afterRevert, "on"))} of ${statuses} users got "on"`);
      assert.equal(share(afterRevert, "on"), 0, "no user gets on after the revert");

      // 5. A healthy variant all the way: 10, 25, 50 % with analyses, then "on" is the default.
      await stop(app);
      app = await startApp(appPort, flagFile);
      assert.equal((await releaseFlagCommand(target, FLAG, { stateDir, onEvent })).outcome, "paused");
      assert.equal((await promoteCommand(target, { stateDir, onEvent })).outcome, "paused");
      const promoted = await promoteCommand(target, { stateDir, onEvent });
      assert.equal(promoted.outcome, "promoted", JSON.stringify(promoted));
      assert.deepEqual(promoted.traffic, { stableVersion: "on", candidateWeight: 0 });
      assert.deepEqual(JSON.parse(fs.readFileSync(flagFile, "utf8")).flags[FLAG], {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "on",
      });
      const afterPromotion = await measure(appPort, users.slice(0, 500));
      console.log(
        `      promoted: ${pct(share(afterPromotion, "on"))} of ${afterPromotion.size} users got "on"`,
      );
      assert.equal(share(afterPromotion, "on"), 1);

      // 6. The kill switch after the promotion: "on" is taken back, everyone gets the off variant.
      const offAfter = await flagOffCommand(target, FLAG, { stateDir, onEvent });
      assert.ok(offAfter.brake.applied, `brake: ${offAfter.brake.reason}`);
      assert.equal(offAfter.variant, "off");
      assert.equal(offAfter.killed, "on");
      assert.equal(offAfter.result?.outcome, "reverted", JSON.stringify(offAfter.result));
      assert.equal(JSON.parse(fs.readFileSync(flagFile, "utf8")).flags[FLAG].defaultVariant, "off");
      const afterLateKill = await measure(appPort, users.slice(0, 500));
      console.log(
        `      kill switch after the promotion: ${pct(share(afterLateKill, "on"))} of ${afterLateKill.size} users got "on"; recorded ${offAfter.result?.outcome}`,
      );
      assert.equal(share(afterLateKill, "on"), 0, "no user gets on after the kill switch");
      assert.deepEqual(JSON.parse(String((await stack.getAllConfig())["progressive:traffic"]?.value)), {
        [FLAG]: { stableVersion: "off", candidateWeight: 0 },
      });
      // 7. Once more: everyone already gets "off", nothing to switch off and nothing recorded.
      const again = await flagOffCommand(target, FLAG, { stateDir, onEvent });
      assert.equal(again.alreadyOff, true);
      assert.equal(again.result, undefined);
      console.log(`      background requests: ${load.sent}`);
    } finally {
      try {
        await load?.stop();
        await stop(app);
        await stop(prom);
        if (stack) {
          await abortCommand({ ...target, service: FLAG }, { stateDir }).catch(() => undefined);
          await stack.destroy();
          await stack.workspace.removeStack(stackName);
        }
      } finally {
        backend.dispose();
        project.dispose();
      }
    }
  });
});
