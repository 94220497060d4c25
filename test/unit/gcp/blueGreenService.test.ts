import * as assert from "node:assert/strict";
import { Strategy, type TrafficState } from "../../../components/core";
import { BlueGreenService, type BlueGreenServiceArgs } from "../../../components/gcp";
import { nextDeploy, promiseOf, serviceOf, setTrafficConfig, settle, useGcpMocks } from "./harness";

const BASE: BlueGreenServiceArgs = {
  location: "us-central1",
  image: "us-docker.pkg.dev/acme/shop/api",
  invokers: ["serviceAccount:frontend@acme.iam.gserviceaccount.com"],
};
const T = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";

async function deploy(args: Partial<BlueGreenServiceArgs> = {}): Promise<BlueGreenService> {
  const c = new BlueGreenService("api", { ...BASE, ...args });
  await promiseOf(c.release);
  await settle();
  return c;
}

/** Deploys the next state of the same stack (the live service carries the last deploy's ledger). */
async function step(state: TrafficState): Promise<BlueGreenService> {
  await nextDeploy("api");
  setTrafficConfig({ api: state });
  return deploy();
}

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON
const inputs = (): any => serviceOf("api").inputs;

describe("gcp BlueGreenService", () => {
  beforeEach(useGcpMocks);
  afterEach(() => setTrafficConfig(undefined));

  it("first deploy: both colour tags on the one revision, all traffic on blue", async () => {
    const c = await deploy({ version: "v1" });
    const rev = inputs().template.revision;
    assert.match(rev, /^api-v1-[0-9a-f]{6}$/);
    assert.deepEqual(inputs().traffics, [
      { type: T, revision: rev, percent: 100, tag: "blue" },
      { type: T, revision: rev, percent: 0, tag: "green" },
    ]);
    assert.deepEqual(await promiseOf(c.colorRevisions), { blue: rev, green: rev });
    assert.equal(await promiseOf(c.previewEndpoint), "https://green---api-abc123-ew.a.run.app");
    const release = await promiseOf(c.release);
    assert.equal(release.kind, "blueGreen");
    assert.equal(release.traffic.activeColor, "blue");
    assert.deepEqual(release.router, {
      kind: "gcp-cloud-run",
      project: "acme-prod",
      location: "us-central1",
      service: "api",
      revisions: { v1: rev },
    });
  });

  it("deploys the candidate on the idle colour, switches and switches back by traffic only", async () => {
    await deploy({ version: "v1" });
    const v1 = inputs().template.revision;

    const preview = await step({
      stableVersion: "v1",
      candidateVersion: "v2",
      candidateWeight: 0,
      activeColor: "blue",
    });
    const deployed = inputs().template;
    const v2 = deployed.revision;
    assert.match(v2, /^api-v2-/);
    assert.deepEqual(inputs().traffics, [
      { type: T, revision: v1, percent: 100, tag: "blue" },
      { type: T, revision: v2, percent: 0, tag: "green" },
    ]);
    assert.equal(await promiseOf(preview.previewEndpoint), "https://green---api-abc123-ew.a.run.app");

    // The switch (core switchColors): green becomes active with v2, blue keeps v1.
    const switched = await step({
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "green",
    });
    assert.deepEqual(inputs().template, deployed);
    assert.deepEqual(inputs().traffics, [
      { type: T, revision: v1, percent: 0, tag: "blue" },
      { type: T, revision: v2, percent: 100, tag: "green" },
    ]);
    assert.equal(await promiseOf(switched.previewEndpoint), "https://blue---api-abc123-ew.a.run.app");

    // Switch back after promotion: traffic only, the template stays on v2.
    await step({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0, activeColor: "blue" });
    assert.deepEqual(inputs().template, deployed);
    assert.deepEqual(inputs().traffics, [
      { type: T, revision: v1, percent: 100, tag: "blue" },
      { type: T, revision: v2, percent: 0, tag: "green" },
    ]);

    // The revert's last state drops the candidate: still no template change.
    await step({ stableVersion: "v1", candidateWeight: 0, activeColor: "blue" });
    assert.deepEqual(inputs().template, deployed);
    assert.deepEqual(inputs().traffics, [
      { type: T, revision: v1, percent: 100, tag: "blue" },
      { type: T, revision: v1, percent: 0, tag: "green" },
    ]);
  });

  it("the next release builds a new revision on the idle colour after a retired one", async () => {
    await deploy({ version: "v1" });
    await step({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0, activeColor: "blue" });
    await step({ stableVersion: "v2", candidateVersion: "v1", candidateWeight: 0, activeColor: "green" });
    await step({ stableVersion: "v2", candidateWeight: 0, activeColor: "green" });
    const v2 = inputs().template.revision;
    await step({ stableVersion: "v2", candidateVersion: "v3", candidateWeight: 0, activeColor: "green" });
    const v3 = inputs().template.revision;
    assert.match(v3, /^api-v3-/);
    assert.deepEqual(inputs().traffics, [
      { type: T, revision: v3, percent: 0, tag: "blue" },
      { type: T, revision: v2, percent: 100, tag: "green" },
    ]);
  });

  it("has no preview endpoint when the preview is off", async () => {
    const c = await deploy({ version: "v1", strategy: Strategy.blueGreen({ previewService: false }) });
    assert.equal(await promiseOf(c.previewEndpoint), undefined);
  });
});
