import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { TrafficLayer } from "../../../components/azure";
import {
  groupsPerStep,
  RollingService,
  type RollingServiceArgs,
  rollLayout,
  rollPhases,
  rollSteps,
} from "../../../components/azure/containerInstances";
import { RELEASE_CONTRACT, Strategy, type TrafficState, ValidationError } from "../../../components/core";
import {
  all,
  CONTAINER_GROUP,
  deployed,
  FD_ORIGIN,
  find,
  groupFqdn,
  promiseOf,
  registeredOutputs,
  SUBSCRIPTION,
  TM_ENDPOINT,
  TM_PROFILE,
  useAzureMocks,
} from "./harness";

const BASE = { resourceGroupName: "rg", location: "westeurope", image: "acme.azurecr.io/web" } as const;

const options = new Map<string, pulumi.CustomResourceOptions>();
const record: pulumi.ResourceTransformation = (a) => {
  options.set(a.name, a.opts);
  return undefined;
};

async function rolling(traffic: TrafficState, extra: Partial<RollingServiceArgs> = {}) {
  await useAzureMocks();
  options.clear();
  return deployed(new RollingService("web", { ...BASE, traffic, ...extra }, { transformations: [record] }));
}

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
const groups = (): Record<string, any> =>
  Object.fromEntries(all(CONTAINER_GROUP).map((g) => [g.name, g.inputs]));
/** Image tag of each group by index. */
const images = () =>
  Object.entries(groups())
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => String(g.containers[0].image).split(":")[1]);
const endpoints = () =>
  Object.fromEntries(
    all(TM_ENDPOINT).map((e) => [e.inputs.endpointName, [e.inputs.weight, e.inputs.endpointStatus]]),
  );

/** The names of the resources a child's dependsOn resolves to. */
async function dependsOnNames(name: string): Promise<string[]> {
  const given = options.get(name)?.dependsOn;
  const deps =
    given === undefined ? [] : await promiseOf(pulumi.output(given as pulumi.Input<pulumi.Resource[]>));
  const urns = await Promise.all([deps].flat().map((d) => promiseOf(d.urn)));
  return urns.map((u) => u.split("::").pop() as string).sort();
}

/** v1 to v2 at a weight of the roll; `null` for no candidate. */
const state = (candidateWeight: number, candidateVersion: string | null = "v2"): TrafficState => ({
  stableVersion: "v1",
  candidateWeight,
  ...(candidateVersion ? { candidateVersion } : {}),
});

describe("azure container instances: RollingService maths", () => {
  it("replaces maxSurge groups per step (rounded up), else maxUnavailable (rounded down); 1 to groups - 1", () => {
    const table: [string | number, string | number, number, number][] = [
      ["25%", "25%", 2, 1],
      ["25%", "25%", 4, 1],
      ["25%", "25%", 10, 3],
      [0, "50%", 4, 2],
      [0, 1, 3, 1],
      ["100%", 0, 4, 3],
      [2, 0, 5, 2],
    ];
    for (const [maxSurge, maxUnavailable, n, expected] of table) {
      assert.equal(
        groupsPerStep({ maxSurge, maxUnavailable } as never, n),
        expected,
        `${maxSurge}/${maxUnavailable} of ${n}`,
      );
    }
  });

  it("names each drain and replace state by a weight: 0 first, 100 last, real shares strictly increasing between", () => {
    const show = (n: number, b: number) =>
      rollPhases(n, b).map((p) => `${p.kind} ${p.batch}: ${p.replaced} new, ${p.drained} out @${p.weight}`);
    assert.deepEqual(show(2, 1), [
      "drain 1: 0 new, 1 out @0",
      "replace 1: 1 new, 0 out @50",
      "drain 2: 1 new, 1 out @99", // serves only the new group (100 %), shown below the last replace
      "replace 2: 2 new, 0 out @100",
    ]);
    assert.deepEqual(
      rollPhases(4, 1).map((p) => p.weight),
      [0, 25, 33, 50, 67, 75, 99, 100],
    );
    assert.deepEqual(
      rollPhases(5, 2).map((p) => p.weight),
      [0, 40, 67, 80, 99, 100],
    );
    assert.deepEqual(show(3, 3), ["drain 1: 0 new, 3 out @0", "replace 1: 3 new, 0 out @100"], "recreate");
    const many = rollPhases(100, 2).map((p) => p.weight);
    assert.ok(
      many.every((w, i) => i === 0 || w > (many[i - 1] as number)),
      "50 batches still fit",
    );
  });

  it("lays out versions and layer states by group index; a weight that is no state has no layout", () => {
    assert.deepEqual(rollLayout(state(33), 4, 1), [
      { version: "v2", enabled: true },
      { version: "v1", enabled: false },
      { version: "v1", enabled: true },
      { version: "v1", enabled: true },
    ]);
    assert.deepEqual(
      rollLayout({ stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 }, 2, 1),
      [
        { version: "v2", enabled: true },
        { version: "v2", enabled: true },
      ],
    );
    assert.equal(rollLayout(state(40), 4, 1), undefined);
  });

  it("walks drain pause, replace, bake pause, ... and ends at weight 100", () => {
    assert.deepEqual(rollSteps(2, 1, 330, 30, 300), {
      kind: "canary",
      steps: [
        { pause: { duration: 330 } },
        { setWeight: 50 },
        { pause: { duration: 30 } },
        { setWeight: 99 },
        { pause: { duration: 330 } },
        { setWeight: 100 },
      ],
      checks: [],
      headerRoute: false,
      progressDeadline: 300,
    });
  });
});

describe("azure container instances: RollingService", () => {
  beforeEach(() => useAzureMocks());

  it("first deploy: one group per replica behind equally weighted Traffic Manager endpoints, and the release outputs", async () => {
    const service = await rolling(
      { stableVersion: "v1", candidateWeight: 0 },
      { replicas: 3, health: { readiness: { path: "/ready" } } },
    );
    assert.deepEqual(Object.keys(groups()).sort(), ["web-0", "web-1", "web-2"]);
    assert.deepEqual(images(), ["v1", "v1", "v1"]);
    assert.deepEqual(groups()["web-1"].tags, {
      "progressive-strategy": "rolling",
      "progressive-role": "1",
      "progressive-version": "v1",
    });
    assert.deepEqual(find(TM_ENDPOINT, "web-2-endpoint").inputs, {
      resourceGroupName: "rg",
      profileName: "web-tm",
      endpointType: "ExternalEndpoints",
      endpointName: "web-2",
      target: groupFqdn(groups()["web-2"]),
      weight: 333,
      endpointStatus: "Enabled",
    });
    assert.deepEqual(endpoints(), {
      "web-0": [333, "Enabled"],
      "web-1": [333, "Enabled"],
      "web-2": [333, "Enabled"],
    });
    const outputs = await registeredOutputs(service);
    const release = outputs.release as Record<string, unknown>;
    assert.equal(release.contract, RELEASE_CONTRACT);
    assert.equal(release.type, "progressive:azure:ContainerInstancesRollingService");
    assert.equal(release.kind, "rolling");
    assert.equal(release.service, "web");
    assert.equal(release.endpoint, "http://web-55df33.trafficmanager.net:8080");
    assert.equal(release.previewEndpoint, undefined);
    assert.deepEqual(release.traffic, { stableVersion: "v1", candidateWeight: 0 });
    assert.deepEqual(release.router, {
      kind: "azure-traffic-manager",
      subscriptionId: SUBSCRIPTION,
      resourceGroup: "rg",
      profile: "web-tm",
      endpoints: { "0": "web-0", "1": "web-1", "2": "web-2" },
    });
    assert.deepEqual(release.metrics, {
      kind: "azure-monitor-traffic-layer",
      resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/trafficManagerProfiles/web-tm`,
      targets: { v1: "web-0" },
    });
    assert.equal((release.trafficUrns as string[]).length, 3);
    // 3 groups, 1 per step (25 % of 3, rounded up); drain = TTL 30 + 300 s, bake = readinessDelay 30 s.
    assert.deepEqual(release.strategy, {
      kind: "canary",
      steps: [
        { kind: "pause", durationSeconds: 330 },
        { kind: "setWeight", weight: 33 },
        { kind: "pause", durationSeconds: 30 },
        { kind: "setWeight", weight: 50 },
        { kind: "pause", durationSeconds: 330 },
        { kind: "setWeight", weight: 67 },
        { kind: "pause", durationSeconds: 30 },
        { kind: "setWeight", weight: 99 },
        { kind: "pause", durationSeconds: 330 },
        { kind: "setWeight", weight: 100 },
      ],
      checks: [],
      progressDeadlineSeconds: 300,
    });
    assert.equal(outputs.groupsPerStep, 1);
    assert.deepEqual(outputs.rollingStrategy, {
      kind: "rolling",
      maxSurge: "25%",
      maxUnavailable: "25%",
      readinessDelaySeconds: 30,
      progressDeadlineSeconds: 300,
    });
    assert.deepEqual(await promiseOf(service.groups), [
      { version: "v1", enabled: true },
      { version: "v1", enabled: true },
      { version: "v1", enabled: true },
    ]);
  });

  it("mid-roll: replaced groups run the new version, the next batch is out of the layer on the old one", async () => {
    await rolling(state(33), { replicas: 4 });
    assert.deepEqual(images(), ["v2", "v1", "v1", "v1"]);
    assert.deepEqual(endpoints(), {
      "web-0": [333, "Enabled"],
      "web-2": [333, "Enabled"],
      "web-3": [333, "Enabled"],
      "web-1": [1, "Disabled"],
    });
    const service = await rolling(state(50), { replicas: 4 });
    assert.deepEqual(images(), ["v2", "v2", "v1", "v1"]);
    assert.deepEqual(Object.values(endpoints()), [
      [250, "Enabled"],
      [250, "Enabled"],
      [250, "Enabled"],
      [250, "Enabled"],
    ]);
    const release = await promiseOf(service.release);
    assert.deepEqual(release.metrics, {
      kind: "azure-monitor-traffic-layer",
      resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/trafficManagerProfiles/web-tm`,
      targets: { v2: "web-0", v1: "web-2" },
    });
  });

  it("finished: every group runs the new version, all enabled, after promotion and after the candidate is dropped", async () => {
    for (const done of [
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 100 },
      { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
      { stableVersion: "v2", candidateWeight: 0 },
    ]) {
      await rolling(done);
      assert.deepEqual(images(), ["v2", "v2"], JSON.stringify(done));
      assert.deepEqual(endpoints(), { "web-0": [500, "Enabled"], "web-1": [500, "Enabled"] });
    }
  });

  it("never changes a live group in place: a group changes only while its endpoint was disabled by the previous state", async () => {
    // The states the driver applies for 4 groups, 1 per step; then an abort from the middle.
    const walks: TrafficState[][] = [
      [
        state(0, null),
        ...rollPhases(4, 1).map((p) => state(p.weight)),
        { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
        { stableVersion: "v2", candidateWeight: 0 },
      ],
    ];
    for (const walk of walks) {
      let before: Record<string, unknown> = {};
      let statusBefore: Record<string, string> = {};
      let replaced = 0;
      for (const s of walk) {
        await rolling(s, { replicas: 4 });
        const now = groups();
        const status = Object.fromEntries(
          Object.entries(endpoints()).map(([e, pair]) => [e, (pair as unknown[])[1] as string]),
        );
        for (const [group, inputs] of Object.entries(now)) {
          if (!(group in before) || JSON.stringify(before[group]) === JSON.stringify(inputs)) continue;
          replaced++;
          assert.equal(
            statusBefore[group],
            "Disabled",
            `${group} changed at ${JSON.stringify(s)} while it served`,
          );
          assert.equal(status[group], "Enabled", `${group} is back once its replacement exists`);
        }
        before = now;
        statusBefore = status;
      }
      assert.equal(replaced, 4, "each group replaced once");
    }
    for (const group of ["web-0", "web-1", "web-2", "web-3"]) {
      const o = options.get(group);
      assert.deepEqual([o?.replaceOnChanges, o?.deleteBeforeReplace], [["*"], false], `${group} is replaced`);
    }
  });

  it("a revert from mid-roll replaces the new groups with the old version in one up, then puts batch 1 back", async () => {
    await rolling(state(50), { replicas: 4 });
    const mid = groups();
    // The driver's abort state is weight 0, which is "drain batch 1": every group back on v1.
    await rolling(state(0), { replicas: 4 });
    assert.deepEqual(images(), ["v1", "v1", "v1", "v1"]);
    assert.deepEqual(endpoints(), {
      "web-1": [333, "Enabled"],
      "web-2": [333, "Enabled"],
      "web-3": [333, "Enabled"],
      "web-0": [1, "Disabled"],
    });
    assert.deepEqual(groups()["web-2"], mid["web-2"], "groups already on v1 are untouched");
    await rolling(state(0, null), { replicas: 4 });
    assert.deepEqual(images(), ["v1", "v1", "v1", "v1"]);
    assert.deepEqual(endpoints(), {
      "web-0": [250, "Enabled"],
      "web-1": [250, "Enabled"],
      "web-2": [250, "Enabled"],
      "web-3": [250, "Enabled"],
    });
  });

  it("orders each batch after the previous batch's endpoints, and each endpoint after its group (dependsOn)", async () => {
    await rolling(state(0, null), {
      replicas: 4,
      strategy: Strategy.rolling({ maxSurge: 2, maxUnavailable: 2 }),
    });
    assert.deepEqual(await dependsOnNames("web-0"), []);
    assert.deepEqual(await dependsOnNames("web-1"), []);
    assert.deepEqual(await dependsOnNames("web-2"), ["web-0-endpoint", "web-1-endpoint"]);
    assert.deepEqual(await dependsOnNames("web-3"), ["web-0-endpoint", "web-1-endpoint"]);
    assert.deepEqual(await dependsOnNames("web-2-endpoint"), ["web-2", "web-traffic-manager"]);
    assert.equal(find(TM_PROFILE, "web-traffic-manager").inputs.profileName, "web-tm");
  });

  it("rolls behind Front Door origins the same way, disabling the draining origin", async () => {
    const service = await rolling(state(99), { trafficLayer: TrafficLayer.frontDoor() });
    const origins = Object.fromEntries(
      all(FD_ORIGIN).map((o) => [o.inputs.originName, [o.inputs.weight, o.inputs.enabledState]]),
    );
    assert.deepEqual(origins, { "web-0": [1000, "Enabled"], "web-1": [1, "Disabled"] });
    assert.deepEqual(images(), ["v2", "v1"]);
    const release = await promiseOf(service.release);
    assert.deepEqual(release.router, {
      kind: "azure-front-door",
      subscriptionId: SUBSCRIPTION,
      resourceGroup: "rg",
      profile: "web-fd",
      originGroup: "web-origins",
      origins: { "0": "web-0", "1": "web-1" },
    });
    // Front Door drain defaults to 300 s (configuration reaches the edges in minutes).
    assert.deepEqual(release.strategy.kind === "canary" && release.strategy.steps[0], {
      kind: "pause",
      durationSeconds: 300,
    });
  });

  it("takes the drain and bake from drainDelay and readinessDelay", async () => {
    const service = await rolling(state(0, null), {
      drainDelay: "2m",
      strategy: Strategy.rolling({ readinessDelay: "45s" }),
    });
    const strategy = await promiseOf(service.strategy);
    assert.deepEqual(strategy.steps, [
      { kind: "pause", durationSeconds: 120 },
      { kind: "setWeight", weight: 50 },
      { kind: "pause", durationSeconds: 45 },
      { kind: "setWeight", weight: 99 },
      { kind: "pause", durationSeconds: 120 },
      { kind: "setWeight", weight: 100 },
    ]);
  });

  it("recreate: every group out of the layer first, then every group replaced at once", async () => {
    const options3 = { replicas: 3, strategy: Strategy.recreate() };
    await rolling(state(0), options3);
    assert.deepEqual(images(), ["v1", "v1", "v1"]);
    assert.deepEqual(Object.values(endpoints()), [
      [1, "Disabled"],
      [1, "Disabled"],
      [1, "Disabled"],
    ]);
    const service = await rolling(state(100), options3);
    assert.deepEqual(images(), ["v2", "v2", "v2"]);
    assert.deepEqual(
      Object.values(endpoints()).map((e) => (e as unknown[])[1]),
      ["Enabled", "Enabled", "Enabled"],
    );
    assert.deepEqual(await dependsOnNames("web-2"), [], "no batches: all at once");
    const outputs = await registeredOutputs(service);
    const release = outputs.release as Record<string, unknown>;
    assert.equal(release.kind, "recreate");
    assert.deepEqual(release.strategy, {
      kind: "canary",
      steps: [{ kind: "setWeight", weight: 100 }],
      checks: [],
      progressDeadlineSeconds: 300,
    });
    assert.deepEqual(outputs.rollingStrategy, { kind: "recreate", progressDeadlineSeconds: 300 });
    assert.equal(outputs.groupsPerStep, 3);
    assert.equal(groups()["web-0"].tags["progressive-strategy"], "recreate");
  });

  it("rejects what it cannot roll, naming field, value and fix", () => {
    const problems = (args: Partial<RollingServiceArgs> & { traffic?: TrafficState }) => {
      try {
        new RollingService("web", { ...BASE, version: "v1", ...args });
      } catch (e) {
        assert.ok(e instanceof ValidationError, String(e));
        return e.problems.map((p) => ({ path: p.path, value: p.value, message: p.message, fix: p.fix }));
      }
      assert.fail("no error");
    };
    assert.deepEqual(problems({ replicas: 1 }), [
      {
        path: "replicas",
        value: 1,
        message:
          "must be at least 2 for a rolling update on Container Instances (a group leaves the traffic layer before it is replaced, so one group means downtime)",
        fix: "use replicas: 2 or more, Strategy.recreate() to accept the downtime, or BlueGreenService",
      },
    ]);
    assert.deepEqual(problems({ strategy: Strategy.rolling({ maxSurge: 1, maxUnavailable: 0 }) }), [
      {
        path: "strategy.maxUnavailable",
        value: 0,
        message:
          "is 0 of 2 groups, which Container Instances cannot honour: each step takes its groups out of the traffic layer before replacing them",
        fix: 'use 1 (or a share such as "25%"), or BlueGreenService to replace without taking capacity out',
      },
    ]);
    assert.deepEqual(problems({ replicas: 4, traffic: state(40) }), [
      {
        path: "traffic.candidateWeight",
        value: 40,
        message: "is not a state of this rolling (4 groups, 1 per step)",
        fix: "use one of 0, 25, 33, 50, 67, 75, 99, 100",
      },
    ]);
    assert.deepEqual(problems({ replicas: 101, strategy: Strategy.rolling({ maxSurge: 2 }) }), [
      {
        path: "strategy.maxSurge",
        value: 2,
        message: "replaces 2 of 101 groups per step: 51 steps, more than the 50 a roll can carry",
        fix: "use maxSurge 3 or more",
      },
    ]);
    assert.deepEqual(
      problems({ drainDelay: "-5s" }).map((p) => [p.path, p.value, p.message]),
      [["drainDelay", "-5s", "must not be negative"]],
    );
    assert.deepEqual(
      problems({ strategy: Strategy.canary() as never }).map((p) => [p.path, p.value, p.fix]),
      [["strategy.kind", "canary", "use Strategy.rolling() or Strategy.recreate()"]],
    );
  });
});
