import * as assert from "node:assert/strict";
import { Strategy, ValidationError } from "../../../components/core";
import { RollingService, type RollingServiceArgs } from "../../../components/gcp";
import { nextDeploy, promiseOf, serviceOf, setTrafficConfig, settle, useGcpMocks } from "./harness";

const BASE: RollingServiceArgs = {
  location: "asia-northeast1",
  image: (version) => `asia-docker.pkg.dev/acme/jobs/worker@sha256:${version.padEnd(64, "0")}`,
  invokers: [],
};
const T = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";

async function deploy(args: Partial<RollingServiceArgs> = {}): Promise<RollingService> {
  const c = new RollingService("worker", { ...BASE, ...args });
  await promiseOf(c.release);
  await settle();
  return c;
}

describe("gcp RollingService", () => {
  beforeEach(useGcpMocks);
  afterEach(() => setTrafficConfig(undefined));

  it("registers the traffic steps its rolling options generate for the driver to walk", async () => {
    const c = await deploy({ version: "a1" });
    const release = await promiseOf(c.release);
    assert.equal(release.kind, "rolling");
    assert.deepEqual(release.strategy, {
      kind: "canary",
      steps: [
        { kind: "setWeight", weight: 25 },
        { kind: "pause", durationSeconds: 30 },
        { kind: "setWeight", weight: 50 },
        { kind: "pause", durationSeconds: 30 },
        { kind: "setWeight", weight: 75 },
        { kind: "pause", durationSeconds: 30 },
        { kind: "setWeight", weight: 100 },
      ],
      checks: [],
      progressDeadlineSeconds: 300,
    });
    assert.deepEqual(await promiseOf(c.strategy), {
      kind: "rolling",
      maxSurge: "25%",
      maxUnavailable: "25%",
      readinessDelaySeconds: 30,
      progressDeadlineSeconds: 300,
    });
    assert.equal(
      serviceOf("worker").inputs.template.containers[0].image.endsWith("a1".padEnd(64, "0")),
      true,
    );
  });

  it("accepts the driver's stepped states and splits traffic between the two revisions", async () => {
    await deploy({ version: "a1" });
    const a1 = serviceOf("worker").inputs.template.revision;
    await nextDeploy("worker");
    setTrafficConfig({ worker: { stableVersion: "a1", candidateVersion: "a2", candidateWeight: 50 } });
    const c = await deploy({ strategy: Strategy.rolling({ maxSurge: "50%", readinessDelay: "1m" }) });
    const a2 = serviceOf("worker").inputs.template.revision;
    assert.deepEqual(serviceOf("worker").inputs.traffics, [
      { type: T, revision: a1, percent: 50 },
      { type: T, revision: a2, percent: 50, tag: "candidate" },
    ]);
    const release = await promiseOf(c.release);
    assert.deepEqual(release.traffic, { stableVersion: "a1", candidateVersion: "a2", candidateWeight: 50 });
    assert.equal(release.trafficSource, "config");
    assert.deepEqual(
      release.strategy.kind === "canary" ? release.strategy.steps.filter((s) => s.kind === "setWeight") : [],
      [
        { kind: "setWeight", weight: 50 },
        { kind: "setWeight", weight: 100 },
      ],
    );
  });

  it("recreate: 100 % to the new revision at once, and no weight in between", async () => {
    await deploy({ version: "a1", strategy: Strategy.recreate() });
    await nextDeploy("worker");
    setTrafficConfig({ worker: { stableVersion: "a2", candidateWeight: 0 } });
    const c = await deploy({ strategy: Strategy.recreate() });
    const a2 = serviceOf("worker").inputs.template.revision;
    assert.match(a2, /^worker-a2-/);
    assert.deepEqual(serviceOf("worker").inputs.traffics, [{ type: T, revision: a2, percent: 100 }]);
    assert.deepEqual((await promiseOf(c.release)).strategy, {
      kind: "recreate",
      progressDeadlineSeconds: 300,
    });

    setTrafficConfig({ worker: { stableVersion: "a2", candidateVersion: "a3", candidateWeight: 50 } });
    await useGcpMocks();
    assert.throws(
      () => new RollingService("worker", { ...BASE, strategy: Strategy.recreate() }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message ===
          'invalid RollingService "worker": progressive:traffic.worker.candidateWeight (50): must be 0 for a recreate strategy; set stableVersion to the new version and candidateWeight to 0',
    );
  });

  it("refuses instance counts: Cloud Run moves traffic by percent", () => {
    assert.throws(
      () =>
        new RollingService("worker", {
          ...BASE,
          version: "a1",
          strategy: Strategy.rolling({ maxSurge: 1, maxUnavailable: 0 }),
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message ===
          'invalid RollingService "worker": strategy.maxSurge (1): is a count of instances, but Cloud Run moves traffic between revisions by percent; use a percentage such as "25%" (each step moves that share of traffic)',
    );
  });

  it("needs a version on the first deploy", () => {
    assert.throws(
      () => new RollingService("worker", BASE),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message.startsWith(
          'invalid RollingService "worker": version (not set): is required on the first deploy',
        ),
    );
  });
});
