// The driver's ECS-managed release (automation/driver/ecs-native.ts) against a fake ECS and ELBv2
// (fake-ecs.ts) and a fake stack whose `up` starts ECS deployments. The checks are a fake round
// runner, so each test decides when a check fails; the target they are given is asserted.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { UpResult } from "@pulumi/pulumi/automation";
import type { AnalysisResult, runAnalysis } from "../../../automation/driver/analysis";
import { ReleaseError } from "../../../automation/driver/errors";
import type { DriverEvent, DriverEventInput } from "../../../automation/driver/events";
import { type Journal, journalFile, readJournal, writeJournal } from "../../../automation/driver/journal";
import { buildPlan } from "../../../automation/driver/plan";
import { Recorder } from "../../../automation/driver/recorder";
import type { ReleaseResult } from "../../../automation/driver/release";
import { parseSettings } from "../../../automation/driver/settings";
import type { StackService, TrafficEntry } from "../../../automation/driver/stack";
import { EcsNativeRelease, type EcsReleaseOptions } from "../../../automation/platforms/aws/ecs-release";
import {
  candidateRoleOf,
  checksFor,
  deploymentMetrics,
  trafficWindow,
} from "../../../automation/platforms/aws/ecs-windows";
import { acquireLease } from "../../../automation/store/leases";
import { folderStore } from "../../../automation/store/release-store";
import {
  type BlueGreenStrategy,
  type CanaryStrategy,
  type MetricsDescriptor,
  type ReleaseOutputs,
  resolveStrategy,
} from "../../../components/core";
import { CLUSTER, DESCRIPTOR, deploymentArn, FakeAws, type Frame, frame, SERVICE } from "./fake-ecs";

const STRATEGY = resolveStrategy(
  {
    kind: "canary",
    steps: [{ setWeight: 10 }, { pause: { duration: "1m" } }, { analysis: {} }, { setWeight: 100 }],
    checks: [
      {
        kind: "metric",
        name: "errors",
        provider: "builtin",
        query: "errorRate",
        failureCondition: "> 0.01",
        interval: "1m",
        count: 3,
      },
    ],
  },
  "strategy",
  [],
) as CanaryStrategy;

const METRICS: MetricsDescriptor = {
  kind: "cloudwatch-alb",
  region: "eu-west-1",
  loadBalancer: "app/web-alb/50dc6c495c0c9188",
  targetGroups: {
    primary: "targetgroup/web-primary/0123456789abcdef",
    alternate: "targetgroup/web-alternate/fedcba9876543210",
  },
};

function releaseOf(traffic: TrafficEntry): ReleaseOutputs {
  return {
    contract: 1,
    platform: "aws",
    type: "progressive:aws:CanaryService",
    name: "web",
    service: "web",
    kind: "canary",
    strategy: STRATEGY,
    traffic,
    trafficSource: "config",
    endpoint: "http://web.example.com",
    router: DESCRIPTOR,
    metrics: METRICS,
    trafficUrns: [],
  };
}

/** A stack whose `up` hands the entry to the component and, through `onUp`, starts ECS deployments. */
class FakeStack {
  readonly name = "dev";
  readonly workDir = os.tmpdir();
  entries: Record<string, TrafficEntry> = { web: { stableVersion: "v1", candidateWeight: 0 } };
  ups = 0;
  /** Whether `up` changes resources (a new task definition). */
  changes = true;
  onUp?: (n: number) => void;

  async writeTraffic(entries: Readonly<Record<string, TrafficEntry>>): Promise<void> {
    Object.assign(this.entries, entries);
  }

  async up(): Promise<{ result: UpResult; outputs: Record<string, unknown> }> {
    this.ups++;
    this.onUp?.(this.ups);
    const resourceChanges = this.changes ? { same: 8, replace: 1, update: 1 } : { same: 10 };
    return { result: { summary: { resourceChanges } } as unknown as UpResult, outputs: {} };
  }

  async service(name: string): Promise<StackService> {
    return {
      urn: `urn:pulumi:dev::acme::progressive:aws:CanaryService::${name}`,
      secrets: {},
      release: releaseOf(this.entries[name] as TrafficEntry),
    };
  }
}

interface AnalysisCall {
  readonly checks: string[];
  readonly target: Parameters<typeof runAnalysis>[1];
}

/** Rounds of checks that run until stopped (the deployment left their window). */
function pendingChecks(calls: AnalysisCall[]): typeof runAnalysis {
  return (checks, target, o = {}) => {
    calls.push({ checks: checks.map((c) => c.name), target });
    return new Promise((_, reject) => {
      o.signal?.addEventListener("abort", () => reject(o.signal?.reason), { once: true });
    });
  };
}

/** The first round fails. */
function failingChecks(calls: AnalysisCall[]): typeof runAnalysis {
  return async (checks, target) => {
    calls.push({ checks: checks.map((c) => c.name), target });
    const r: AnalysisResult = {
      outcome: "Failed",
      reason: "errors: 3 failed measurements (limit 0); last: 0.2 > 0.01",
      measurements: [{ check: "errors", outcome: "Failed", value: 0.2, reason: "0.2 > 0.01" }],
      firstFailureAt: new Date(),
    };
    return r;
  };
}

interface World {
  readonly aws: FakeAws;
  readonly stack: FakeStack;
  readonly events: DriverEvent[];
  readonly calls: AnalysisCall[];
  journal(): Journal;
  release(o?: Partial<EcsReleaseOptions>, signal?: AbortSignal): EcsNativeRelease;
}

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function world(initial?: Partial<Journal>): World {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ecs-native-"));
  dirs.push(stateDir);
  const aws = new FakeAws();
  const stack = new FakeStack();
  const events: DriverEvent[] = [];
  const calls: AnalysisCall[] = [];
  const file = journalFile(stateDir, "acme", "dev", "web");
  const now = new Date().toISOString();
  let journal: Journal = {
    v: 1,
    releaseId: "r-ecs-1",
    project: "acme",
    stack: "dev",
    service: "web",
    version: "v2",
    previousVersion: "v1",
    strategy: "canary",
    actor: "test",
    phase: "starting",
    stepIndex: 0,
    lastGood: { stableVersion: "v1", candidateWeight: 0 },
    owner: { pid: process.pid, host: os.hostname(), startedAt: now },
    startedAt: now,
    updatedAt: now,
    ...initial,
  };
  if (initial?.ecsDeployment?.arn) stack.entries.web = { stableVersion: "v2", candidateWeight: 0 };
  const store = folderStore(stateDir);
  const recorder = new Recorder({
    store,
    releaseId: journal.releaseId,
    stack: "acme/dev",
    service: "web",
    version: "v2",
    previousVersion: "v1",
    actor: "test",
    strategy: "canary",
    notifiers: [],
    log: () => undefined,
  });
  const stepLease = "releases/acme/dev/stack-step.mutex";
  const host = {
    journal: () => journal,
    save: async (patch: Partial<Journal>) => {
      journal = { ...journal, ...patch, updatedAt: new Date().toISOString() };
      writeJournal(file, journal);
    },
    emit: (e: DriverEventInput) =>
      events.push({ ...e, at: new Date(), releaseId: journal.releaseId } as DriverEvent),
    recorder,
    withStepLease: async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const got = await acquireLease(store.leases, stepLease, what);
      if (!("lease" in got)) throw new Error(`step lease held by ${got.heldBy.holder.what}`);
      try {
        return await fn();
      } finally {
        await got.lease.release();
      }
    },
  };
  const plan = buildPlan("dev/web", STRATEGY, { stableVersion: "v1", candidateWeight: 0 }, "v2");
  return {
    aws,
    stack,
    events,
    calls,
    journal: () => readJournal(file) ?? journal,
    release: (o = {}, signal) =>
      new EcsNativeRelease(
        {
          stack,
          service: { urn: "urn:web", secrets: {}, release: releaseOf(stack.entries.web as TrafficEntry) },
          settings: parseSettings({}, "dev"),
        },
        plan,
        signal ? { stateDir, signal } : { stateDir },
        host,
        {
          client: aws.ecs,
          elbClient: aws.elb,
          pollMs: 1,
          findTimeoutMs: 100,
          runAnalysis: pendingChecks(calls),
          ...o,
        },
      ),
  };
}

const SHIFT: Frame[] = [
  frame("PENDING", "PRE_SCALE_UP", undefined, [100, 0]),
  frame("IN_PROGRESS", "SCALE_UP", undefined, [100, 0]),
  frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10]),
  frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10]),
  frame("IN_PROGRESS", "BAKE_TIME", 100, [0, 100]),
];
const SETTLE: Frame[] = [
  frame("IN_PROGRESS", "SCALE_UP", undefined, [100, 0]),
  frame("SUCCESSFUL", "CLEAN_UP", 100, [0, 100]),
];

const stops = (aws: FakeAws) =>
  aws.requests.filter((r) => r.op === "StopServiceDeployment").map((r) => r.input);
const logs = (events: DriverEvent[]) => events.flatMap((e) => (e.type === "log" ? [e.message] : []));

describe("aws: ECS-managed release (controller ecs)", () => {
  it("deploys with one up, watches the deployment, runs the checks on the new target group, and promotes on SUCCESSFUL", async () => {
    const w = world();
    w.stack.onUp = () => w.aws.start("d1", [...SHIFT, frame("SUCCESSFUL", "CLEAN_UP", 100, [0, 100])]);
    const result: ReleaseResult = await w.release().run();

    assert.equal(result.outcome, "promoted");
    assert.deepEqual(result.traffic, { stableVersion: "v2", candidateWeight: 0 });
    assert.deepEqual(w.stack.entries.web, { stableVersion: "v2", candidateWeight: 0 });
    assert.equal(w.stack.ups, 1);
    // The deployment is the newest of this service created after the up began.
    const list = w.aws.requests.find((r) => r.op === "ListServiceDeployments");
    assert.ok(list?.op === "ListServiceDeployments");
    assert.equal(list.input.cluster, CLUSTER);
    assert.equal(list.input.service, SERVICE);
    assert.ok(list.input.createdAt?.after instanceof Date);
    assert.deepEqual(Object.keys(list.input).sort(), ["cluster", "createdAt", "service"]);
    for (const r of w.aws.requests.filter((x) => x.op === "DescribeServiceDeployments"))
      assert.deepEqual(r.input, { serviceDeploymentArns: [deploymentArn("d1")] });
    assert.deepEqual(stops(w.aws), []);
    // The checks ran once the new revision had production traffic, reading its own target group.
    assert.ok(w.calls.length >= 1);
    const first = w.calls[0] as AnalysisCall;
    assert.deepEqual(first.checks, ["errors"]);
    assert.deepEqual(first.target.release.metrics, {
      ...METRICS,
      targetGroups: {
        canary: "targetgroup/web-alternate/fedcba9876543210",
        stable: "targetgroup/web-primary/0123456789abcdef",
      },
    });
    assert.equal(first.target.candidateWeight, 10);
    assert.deepEqual(first.target.candidateHeader, { name: "X-Canary", value: "true" });
    // Each weight ECS asked for was read back from the production rule.
    const applied = w.events.flatMap((e) =>
      e.type === "trafficApplied" && e.verified ? [e.effectiveWeight] : [],
    );
    assert.deepEqual(applied, [10, 100]);
    assert.ok(
      logs(w.events).some((m) =>
        /ECS deployment d1 SUCCESSFUL, stage CLEAN_UP.*\(read back from ECS\)$/.test(m),
      ),
    );
    const j = w.journal();
    assert.equal(j.phase, "succeeded");
    assert.equal(j.ecsDeployment?.arn, deploymentArn("d1"));
    assert.equal(j.ecsDeployment?.candidateRole, "alternate");
    assert.equal(j.ecsDeployment?.status, "SUCCESSFUL");
  });

  it("stops the deployment with ROLLBACK on a failed check, waits for ROLLBACK_SUCCESSFUL, then records the stable version with up", async () => {
    const w = world();
    w.stack.onUp = (n) => {
      if (n === 1) {
        const arn = w.aws.start("d1", [
          frame("PENDING", "PRE_SCALE_UP", undefined, [100, 0]),
          frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10]),
        ]);
        w.aws.rollbackFrames.set(arn, [
          frame("ROLLBACK_IN_PROGRESS", undefined, 0, [100, 0]),
          frame("ROLLBACK_IN_PROGRESS", undefined, 0, [100, 0]),
          frame("ROLLBACK_SUCCESSFUL", undefined, 0, [100, 0]),
        ]);
      } else w.aws.start("d2", SETTLE);
    };
    const result = await w.release({ runAnalysis: failingChecks(w.calls) }).run();

    assert.equal(result.outcome, "reverted");
    assert.match(
      result.reason ?? "",
      /^analysis failed during the ECS deployment: errors: 3 failed measurements/,
    );
    assert.deepEqual(stops(w.aws), [{ serviceDeploymentArn: deploymentArn("d1"), stopType: "ROLLBACK" }]);
    // Read until ECS said ROLLBACK_SUCCESSFUL, then the stable version recorded again and `up` run.
    const afterStop = w.aws.ops().slice(w.aws.ops().indexOf("StopServiceDeployment"));
    assert.ok(afterStop.filter((op) => op === "DescribeServiceDeployments").length >= 3);
    assert.deepEqual(w.stack.entries.web, { stableVersion: "v1", candidateWeight: 0 });
    assert.equal(w.stack.ups, 2);
    assert.deepEqual(result.traffic, { stableVersion: "v1", candidateWeight: 0 });
    assert.ok(typeof result.timeToRevertMs === "number");
    const messages = logs(w.events);
    assert.ok(
      messages.some((m) =>
        /^StopServiceDeployment \(ROLLBACK\) sent for ECS deployment d1 IN_PROGRESS/.test(m),
      ),
    );
    assert.ok(
      messages.some((m) =>
        /ECS deployment d1 ROLLBACK_SUCCESSFUL.*: traffic is back on v1 \(read back from ECS\)$/.test(m),
      ),
    );
    assert.ok(
      messages.some((m) =>
        /the revert's up re-registered v1's task definition; ECS deploys it \(old code on both sides\): ECS deployment d2/.test(
          m,
        ),
      ),
    );
    const j = w.journal();
    assert.equal(j.phase, "reverted");
    assert.ok(j.ecsDeployment?.stopRequestedAt);
    assert.ok(j.ecsDeployment?.settleStartedAt);
  });

  it("reports ECS's own rollback (alarms, circuit breaker) as reverted by ECS, without a stop", async () => {
    const w = world();
    w.stack.onUp = (n) => {
      if (n === 1)
        w.aws.start("d1", [
          frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10]),
          frame("ROLLBACK_IN_PROGRESS", undefined, 0, [100, 0], {
            rollback: { reason: "CloudWatch alarm web-5xx in ALARM" },
            alarms: { triggeredAlarmNames: ["web-5xx"] },
          }),
          frame("ROLLBACK_SUCCESSFUL", undefined, 0, [100, 0], {
            rollback: { reason: "CloudWatch alarm web-5xx in ALARM" },
          }),
        ]);
      else w.aws.start("d2", SETTLE);
    };
    const result = await w.release().run();
    assert.equal(result.outcome, "reverted");
    assert.equal(result.reason, "reverted by ECS (ROLLBACK_SUCCESSFUL): CloudWatch alarm web-5xx in ALARM");
    assert.deepEqual(stops(w.aws), []);
    assert.deepEqual(w.stack.entries.web, { stableVersion: "v1", candidateWeight: 0 });
    assert.ok(logs(w.events).some((m) => /alarms: web-5xx/.test(m)));
  });

  it("says clearly when the up started no deployment, naming the service", async () => {
    const w = world();
    await assert.rejects(w.release({ findTimeoutMs: 20 }).run(), (err: unknown) => {
      assert.ok(err instanceof ReleaseError);
      assert.match(
        err.message,
        /^no ECS deployment of ECS service web \(cluster main\) started after the up at .* within 0 s; check the service's events/,
      );
      return true;
    });
    const unchanged = world();
    unchanged.stack.changes = false;
    await assert.rejects(
      unchanged.release().run(),
      /^ReleaseError: the up changed no resource, so ECS has nothing to deploy to ECS service web \(cluster main\)/,
    );
  });

  it("resumes the watch of the deployment in progress without a new up", async () => {
    const upStartedAt = new Date(Date.now() - 60_000).toISOString();
    const w = world({
      phase: "stepping",
      stepIndex: 1,
      applied: { stableVersion: "v2", candidateWeight: 0 },
      ecsDeployment: {
        upStartedAt,
        arn: deploymentArn("d1"),
        candidateRole: "alternate",
        status: "IN_PROGRESS",
      },
    });
    w.aws.start("d1", [
      frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10]),
      frame("SUCCESSFUL", "CLEAN_UP", 100, [0, 100]),
    ]);
    const result = await w.release().run();
    assert.equal(result.outcome, "promoted");
    assert.equal(w.stack.ups, 0);
    assert.equal(w.aws.ops()[0], "DescribeServiceDeployments");
    assert.ok(!w.aws.ops().includes("ListServiceDeployments"));
    assert.equal(w.calls[0]?.target.release.metrics.kind, "cloudwatch-alb");
    assert.ok(logs(w.events)[0]?.startsWith("resuming the watch of ECS deployment d1 IN_PROGRESS"));
  });

  it("resumes a driver stopped after its up: finds the deployment that up started", async () => {
    const upStartedAt = new Date(Date.now() - 5_000).toISOString();
    const w = world({
      phase: "deploying",
      intended: { stableVersion: "v2", candidateWeight: 0 },
      ecsDeployment: { upStartedAt },
    });
    w.aws.start("d1", [
      frame("IN_PROGRESS", "SCALE_UP", undefined, [100, 0]),
      frame("SUCCESSFUL", "CLEAN_UP", 100, [0, 100]),
    ]);
    const result = await w.release().run();
    assert.equal(result.outcome, "promoted");
    assert.equal(w.stack.ups, 0);
    assert.equal(w.journal().ecsDeployment?.arn, deploymentArn("d1"));
  });

  it("times out a deployment that does not finish, and the revert stops it", async () => {
    const w = world();
    w.stack.onUp = (n) => {
      if (n === 1) w.aws.start("d1", [frame("IN_PROGRESS", "SCALE_UP", undefined, [100, 0])]);
      else w.aws.start("d2", SETTLE);
    };
    const run = w.release({ deploymentTimeoutMs: 20 });
    await assert.rejects(
      run.run(),
      /ECS deployment d1 IN_PROGRESS, stage SCALE_UP.*: still not finished after 0 min .*; stopping it with rollback$/,
    );
    const result = await run.revert("timed out", new Date());
    assert.equal(result.outcome, "reverted");
    assert.deepEqual(stops(w.aws), [{ serviceDeploymentArn: deploymentArn("d1"), stopType: "ROLLBACK" }]);
  });

  it("still rolls back after the abort signal (Ctrl-C) fired", async () => {
    const w = world();
    const controller = new AbortController();
    w.stack.onUp = (n) => {
      if (n === 1) w.aws.start("d1", [frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10])]);
      else w.aws.start("d2", SETTLE);
    };
    const checks = pendingChecks(w.calls);
    const run = w.release(
      {
        runAnalysis: (c, t, o) => {
          setImmediate(() => controller.abort(new Error("interrupted")));
          return checks(c, t, o);
        },
      },
      controller.signal,
    );
    await assert.rejects(run.run(), /interrupted/);
    const result = await run.revert("aborted: interrupted", new Date());
    assert.equal(result.outcome, "reverted");
    assert.equal(stops(w.aws).length, 1);
    assert.deepEqual(w.stack.entries.web, { stableVersion: "v1", candidateWeight: 0 });
  });

  it("fails the revert with a clear message when ECS cannot roll back, and does not redo it", async () => {
    const w = world();
    w.stack.onUp = () => {
      const arn = w.aws.start("d1", [frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10])]);
      w.aws.rollbackFrames.set(arn, [
        frame("ROLLBACK_FAILED", undefined, 10, [90, 10], { statusReason: "tasks failed to start" }),
      ]);
    };
    const run = w.release({ runAnalysis: failingChecks(w.calls) });
    await assert.rejects(
      run.run(),
      /revert did not complete: ECS deployment d1 ROLLBACK_FAILED.*: ECS could not roll the deployment back/,
    );
    await assert.rejects(run.revert("again", new Date()), /revert did not complete/);
    assert.equal(stops(w.aws).length, 1);
    assert.equal(w.journal().phase, "failed");
  });
});

describe("aws: ECS-managed release, pure parts", () => {
  it("runs checks while the new revision has test or production traffic", () => {
    assert.equal(trafficWindow(frame("IN_PROGRESS", "SCALE_UP", undefined, [100, 0]).deployment), undefined);
    assert.equal(trafficWindow(frame("IN_PROGRESS", "TEST_TRAFFIC_SHIFT", 0, [100, 0]).deployment), "test");
    assert.equal(
      trafficWindow(frame("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 10, [90, 10]).deployment),
      "production",
    );
    assert.equal(trafficWindow(frame("IN_PROGRESS", "BAKE_TIME", 100, [0, 100]).deployment), "production");
    assert.equal(
      trafficWindow(frame("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 100, [0, 100]).deployment),
      undefined,
    );
    assert.deepEqual(checksFor(STRATEGY, "test").checks, []);
    assert.deepEqual(
      checksFor(STRATEGY, "production").checks.map((c) => c.name),
      ["errors"],
    );
    const bg = resolveStrategy(
      {
        kind: "blueGreen",
        autoPromote: true,
        prePromotionChecks: [{ kind: "http", name: "smoke", path: "/" }],
        postPromotionChecks: [{ kind: "http", name: "live", path: "/" }],
      },
      "strategy",
      [],
    ) as BlueGreenStrategy;
    assert.deepEqual(
      checksFor(bg, "test").checks.map((c) => c.name),
      ["smoke"],
    );
    assert.equal(checksFor(bg, "test").target, "candidate");
    assert.deepEqual(
      checksFor(bg, "production").checks.map((c) => c.name),
      ["live"],
    );
    assert.equal(checksFor(bg, "production").target, "active");
  });

  it("tells the new revision's target group from the production rule", () => {
    const dep = frame("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, [90, 10]).deployment;
    assert.equal(candidateRoleOf({ primary: 100, alternate: 0 }, dep), "alternate");
    assert.equal(candidateRoleOf({ primary: 0, alternate: 100 }, dep), "primary");
    assert.equal(candidateRoleOf({ primary: 90, alternate: 10 }, dep), "alternate");
    assert.equal(
      candidateRoleOf(
        { primary: 50, alternate: 50 },
        { ...dep, targetServiceRevision: { requestedProductionTrafficWeight: 50 } },
      ),
      undefined,
    );
    assert.deepEqual(deploymentMetrics(METRICS, undefined), { ...METRICS, targetGroups: {} });
    assert.deepEqual(deploymentMetrics(METRICS, "primary"), {
      ...METRICS,
      targetGroups: {
        canary: "targetgroup/web-primary/0123456789abcdef",
        stable: "targetgroup/web-alternate/fedcba9876543210",
      },
    });
  });
});
