// The default plan must not revert a healthy version: the same build released under a new label
// is promoted by the default steps and checks (their conditions, counts and limits) on the local
// platform, under steady outside traffic, and with no outside traffic at all thanks to the load
// step; a bad build is still reverted. The repo's own program with its default strategy, where
// only the checks' interval is shortened (60 s -> 5 s, through the public `interval` field of each
// default check), so the 20-minute plan takes about two.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { releaseCommand } from "../../automation/driver/commands";
import type { CheckMeasurement, DriverEvent } from "../../automation/driver/events";
import type { ReleaseResult } from "../../automation/driver/release";
import { DEFAULT_CANARY_CHECKS } from "../../components/core";
import { configJson } from "../../harness/demo-config";
import { LoadGenerator } from "../../harness/load";
import { tempStateDir } from "../../harness/local";
import { type EngineInfo, openTestStack, requireEngine, type TestStack } from "../support/engine";

const root = path.resolve(__dirname, "..", "..");
const PROJECT = "progressive-delivery";
/** The compression: every default check measures every 5 s instead of every 60 s. */
const INTERVAL = "5s";

/** The program's config: the default canary strategy with the default checks at INTERVAL. */
function values(release: Record<string, unknown> = {}): Parameters<typeof configJson>[1] {
  return JSON.parse(
    JSON.stringify({
      service: { replicas: 2, versionEnv: { bad: { ERROR_RATE: "0.5" } } },
      strategy: { kind: "canary", checks: DEFAULT_CANARY_CHECKS.map((c) => ({ ...c, interval: INTERVAL })) },
      "progressive:release": release,
    }),
  );
}

/** The worst value/baseline of each check over a release, for the log. */
function worst(measurements: readonly CheckMeasurement[]): string {
  const by = new Map<string, number>();
  for (const m of measurements) {
    if (m.value === undefined || !m.baseline) continue;
    const ratio = m.value / m.baseline;
    const prior = by.get(m.check);
    const worse = m.check === "throughput-drop" ? Math.min : Math.max;
    by.set(m.check, prior === undefined ? ratio : worse(prior, ratio));
  }
  return [...by].map(([check, r]) => `${check} ${r.toFixed(2)}x`).join(", ");
}

interface Run {
  readonly result: ReleaseResult;
  readonly events: DriverEvent[];
  readonly measurements: CheckMeasurement[];
}

async function releaseOf(t: TestStack, env: Record<string, string>, version: string): Promise<Run> {
  const events: DriverEvent[] = [];
  const result = await releaseCommand(
    { workDir: t.stack.workspace.workDir, stackName: t.stack.name, env },
    version,
    { stateDir: env.PROGRESSIVE_STATE_DIR, onEvent: (e) => events.push(e) },
  );
  const measurements = events.flatMap((e) => (e.type === "checkResult" ? [e.measurement] : []));
  return { result, events, measurements };
}

/** Every analysis of the default plan ended Successful on 5 measurements of each of the 5 checks. */
function assertDefaultPlanPassed(run: Run): void {
  assert.equal(run.result.outcome, "promoted", `${run.result.reason}; ${worst(run.measurements)}`);
  const analyses = run.events.filter((e) => e.type === "analysisDone");
  assert.deepEqual(
    analyses.map((e) => e.type === "analysisDone" && e.outcome),
    ["Successful", "Successful", "Successful", "Successful"],
    "an analysis after 5, 10, 25 and 50 %",
  );
  const weights = run.events.flatMap((e) => (e.type === "trafficApplied" ? [e.effectiveWeight] : []));
  assert.deepEqual(weights.slice(0, 5), [0, 5, 10, 25, 50]);
  const counted = new Map<string, number>();
  for (const m of run.measurements)
    if (m.outcome === "Successful") counted.set(m.check, (counted.get(m.check) ?? 0) + 1);
  assert.deepEqual(
    [...counted].sort(),
    DEFAULT_CANARY_CHECKS.map((c) => [c.name, 20]).sort(),
    "each check measured 5 windows in each of the 4 analyses",
  );
}

/** Where a release's time went: its steps' `up`s, its analyses, the rest (preflight, verification). */
function timing(run: Run): string {
  const ms = (e: DriverEvent | undefined) => e?.at.getTime() ?? 0;
  const total = ms(run.events.at(-1)) - ms(run.events[0]);
  const ups = run.events.reduce((sum, e) => sum + (e.type === "trafficApplied" ? e.upMs : 0), 0);
  return `${(total / 1000).toFixed(0)} s, of which ${(ups / 1000).toFixed(0)} s in ups`;
}

describe("default checks (engine tier, local platform)", function () {
  this.timeout(600_000);
  let engine: EngineInfo;
  let t: TestStack | undefined;
  let env: Record<string, string>;
  let endpoint: string;
  let stateDir: string | undefined;
  const release = (version: string) => releaseOf(t as TestStack, env, version);

  before(async function () {
    engine = requireEngine(this);
    stateDir = tempStateDir("default-checks");
    t = await openTestStack(engine, {
      workDir: root,
      stackName: "defaults",
      env: { PROGRESSIVE_STATE_DIR: stateDir, PROGRESSIVE_LOCAL_DIR: stateDir },
    });
    env = { ...t.backend.envVars };
    await t.stack.workspace.setAllConfigJson(t.stack.name, configJson(PROJECT, values()));
    endpoint = String((await t.stack.up()).outputs.endpoint?.value);
  });

  after(async () => {
    try {
      await t?.dispose();
    } finally {
      if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("promote the same build under a new label through the default plan under steady outside traffic", async () => {
    // 40 requests/s, 2/s to the candidate at 5 %; the load step is off.
    const outside = new LoadGenerator(endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
    let v2: Run;
    try {
      v2 = await release("v2");
    } finally {
      await outside.stop();
    }
    console.log(`      v2, same build, outside traffic (${timing(v2)}): worst ${worst(v2.measurements)}`);
    assertDefaultPlanPassed(v2);
    assert.equal(outside.failed, 0, outside.summary());
    assert.ok(!v2.events.some((e) => e.type === "load"), "no load step when it is off");
  });

  it("promote the same build with no outside traffic at all, thanks to the load step", async () => {
    // The rate cap is raised to 80/s so the 5-s windows get the 20 candidate requests at 5 % that
    // the default 60-s windows get at 6.7/s.
    await (t as TestStack).stack.setConfig("progressive:release", {
      value: JSON.stringify({ load: { rate: 80 } }),
    });
    const v3 = await release("v3");
    const loads = v3.events.flatMap((e) => (e.type === "load" && e.phase === "done" ? [e] : []));
    console.log(
      `      v3, same build, load step only (${timing(v3)}): worst ${worst(v3.measurements)}; load ${loads.map((l) => `${l.sent}/${l.failed}`).join(", ")} requests/failed`,
    );
    assertDefaultPlanPassed(v3);
    assert.equal(loads.length, 4, "one load run per analysis");
    assert.ok(
      loads.every((l) => l.sent > 0 && l.failed === 0 && l.stoppedBy === "analysis"),
      JSON.stringify(loads),
    );
  });

  it("still revert a bad build (half its answers 500) at 5 %, the load step stopping first", async () => {
    const bad = await release("bad");
    assert.equal(bad.result.outcome, "reverted", JSON.stringify(bad.result));
    assert.match(bad.result.reason ?? "", /analysis failed at step 3/);
    const weights = bad.events.flatMap((e) => (e.type === "trafficApplied" ? [e.effectiveWeight] : []));
    assert.deepEqual(weights.slice(0, 2), [0, 5], "the first analysis, at 5 %");
    const order = bad.events
      .filter((e) => (e.type === "load" && e.phase === "done") || e.type === "reverting")
      .map((e) => e.type);
    assert.deepEqual(order, ["load", "reverting"], "the load stopped before the revert");
    const load = bad.events.find((e) => e.type === "load" && e.phase === "done");
    assert.ok(load?.type === "load" && load.phase === "done" && load.failed > 0, JSON.stringify(load));
    console.log(`      bad (${timing(bad)}): ${bad.result.reason}; load ${load.sent}/${load.failed}`);
  });
});
