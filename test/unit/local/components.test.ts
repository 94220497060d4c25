import * as assert from "node:assert/strict";
import Module from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  Strategy,
  type TrafficState,
  undeployedVersionWarning,
  ValidationError,
} from "../../../components/core";
import {
  BlueGreenService,
  type BlueGreenServiceArgs,
  CanaryService,
  type CanaryServiceArgs,
  RollingService,
} from "../../../components/local";
import { findProgram } from "../../../components/local/workload";
import {
  find,
  INSTANCE_SET,
  isSecret,
  PROXY,
  promiseOf,
  ROLLING_SET,
  recorded,
  settle,
  useMocks,
} from "./pulumi-mocks";

const APP = ["node", "releases/{version}/server.js"];
const common = { command: APP, stateDir: "/tmp/progressive-unit-state", replicas: 2 };

async function canary(traffic: TrafficState, extra: Partial<CanaryServiceArgs> = {}): Promise<CanaryService> {
  const service = new CanaryService("web", { ...common, traffic, ...extra });
  await promiseOf(service.effectiveWeight);
  await settle();
  return service;
}

async function blueGreen(
  traffic: TrafficState,
  extra: Partial<BlueGreenServiceArgs> = {},
): Promise<BlueGreenService> {
  const service = new BlueGreenService("web", { ...common, traffic, ...extra });
  await promiseOf(service.effectiveWeight);
  await settle();
  return service;
}

describe("local: CanaryService", () => {
  beforeEach(useMocks);

  it("runs stable at full size and the candidate beside it, and routes exactly the weight with the header route", async () => {
    const service = await canary(
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
      { secretEnv: { API_KEY: "hush" }, env: { LOG_LEVEL: "debug" } },
    );
    const stable = find(INSTANCE_SET, "web-stable").inputs;
    const candidate = find(INSTANCE_SET, "web-canary").inputs;
    assert.equal(stable.replicas, 2);
    assert.equal(candidate.replicas, 1, "weightedReplicaCounts: ceil(2 * 10 %) = 1");
    assert.deepEqual(stable.command, ["node", "releases/v1/server.js"]);
    assert.deepEqual(candidate.command, ["node", "releases/v2/server.js"]);
    assert.equal(stable.slot, "stable");
    assert.equal(stable.cwd, process.cwd());
    assert.deepEqual(stable.env, { LOG_LEVEL: "debug" });
    assert.ok(isSecret(stable.secretEnv), "secretEnv reaches the resource as a secret");
    assert.deepEqual(stable.readiness, {
      path: "/",
      expectStatus: 200,
      intervalMs: 200,
      timeoutMs: 1000,
      deadlineMs: 300_000,
    });
    const routes = find(PROXY, "web-proxy").inputs.routes;
    assert.deepEqual(
      routes.versions.map((v: { name: string; weight: number; instances: unknown[] }) => [
        v.name,
        v.weight,
        v.instances.length,
      ]),
      [
        ["v1", 90, 2],
        ["v2", 10, 1],
      ],
    );
    assert.deepEqual(routes.headerRoute, { version: "v2", header: "X-Canary", value: "true" });
    assert.equal(await promiseOf(service.effectiveWeight), 10);
    assert.equal(await promiseOf(service.endpoint), "http://127.0.0.1:8080");
    assert.equal(await promiseOf(service.metricsJsonUrl), "http://127.0.0.1:8082/metrics.json");
    const urns = await promiseOf(service.trafficUrns);
    assert.equal(urns.length, 1);
    assert.match(urns[0] as string, /local:Proxy::web-proxy$/);
  });

  it("gives each resource a thin provider: module text that loads the implementation by absolute path", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    for (const [type, name, impl] of [
      [INSTANCE_SET, "web-stable", "instanceSetImpl"],
      [PROXY, "web-proxy", "proxyImpl"],
    ] as const) {
      const text = String(find(type, name).inputs.__provider);
      assert.ok(text.length < 1_000, `${name}: provider text is ${text.length} characters`);
      assert.ok(
        !/@pulumi\/pulumi|node_modules\/(?!tsx)/.test(text),
        `${name} loads a module it should not:\n${text}`,
      );
      // What the dynamic-provider plugin does with it: load the text as a module, call handler().
      const m = new Module(`${name}-provider.js`);
      (m as unknown as { _compile(code: string, file: string): void })._compile(text, `${name}-provider.js`);
      const provider = (m.exports as { handler(): Record<string, unknown> }).handler();
      const implementation = require(
        path.resolve(__dirname, "../../../components/local/providers", impl),
      ) as Record<string, unknown>;
      assert.deepEqual(Object.keys(provider).sort(), ["create", "delete", "diff", "read", "update"]);
      for (const method of ["create", "read", "diff", "update"])
        assert.equal(provider[method], implementation[method]);
      assert.equal(provider.delete, implementation.remove);
    }
  });

  it("gives both slots of the same version one route (promotion, step 2), and one route without a candidate", async () => {
    await canary({ stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 });
    const routes = find(PROXY, "web-proxy").inputs.routes;
    assert.equal(routes.versions.length, 1);
    assert.equal(routes.versions[0].name, "v2");
    assert.equal(routes.versions[0].weight, 100);
    assert.equal(routes.versions[0].instances.length, 4);
    await useMocks();
    await canary({ stableVersion: "v2", candidateWeight: 0 });
    assert.ok(!recorded.some((r) => r.name === "web-canary"));
    assert.equal(find(PROXY, "web-proxy").inputs.routes.headerRoute, undefined);
  });

  it("rejects an invalid weight before declaring anything", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          ...common,
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 150 },
        }),
      (err: unknown) =>
        err instanceof ValidationError &&
        /traffic\.candidateWeight \(150\): must be an integer from 0 to 100; use a weight such as 100/.test(
          err.message,
        ),
    );
    assert.equal(recorded.length, 0);
  });

  it("collects every local problem into one error that names field, value and fix", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          command: [],
          cwd: "/no/such/folder",
          env: { PORT: "1" },
          secretEnv: { "BAD-NAME": "x" },
          replicas: 65,
          port: 70000,
          stateDir: "/tmp/progressive-unit-state",
          health: { readiness: { path: "/ready", port: 9000 } },
          traffic: { stableVersion: "v1", candidateWeight: 0 },
        }),
      (err: unknown) => {
        const m = (err as Error).message;
        for (const expected of [
          'command ([]): must be a non-empty list of non-empty strings; give the argv as a list, such as ["node", "server.js"]',
          'cwd ("/no/such/folder"): is not a directory; give an existing folder',
          'env.PORT ("PORT"): is set by the platform for each instance; remove PORT',
          'secretEnv.BAD-NAME ("BAD-NAME"): is not a valid environment variable name',
          "replicas (65): must be at most 64 on the local platform",
          "port (70000): must be a port from 1 to 65535",
          "health.readiness.port (9000): is chosen by the platform",
        ]) {
          assert.ok(m.includes(expected), `missing "${expected}" in:\n${m}`);
        }
        return true;
      },
    );
  });

  it("rejects a second service of the same name in the same state folder", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    assert.throws(
      () => new RollingService("web", { ...common, traffic: { stableVersion: "v1" } }),
      /name \("web"\): CanaryService "web" already uses this name on local/,
    );
  });
});

describe("local: BlueGreenService", () => {
  beforeEach(useMocks);

  const staged: TrafficState = {
    stableVersion: "v1",
    candidateVersion: "v2",
    candidateWeight: 0,
    activeColor: "blue",
  };

  it("routes everything to the active colour and the preview port to the idle one", async () => {
    const service = await blueGreen(staged);
    assert.equal(find(INSTANCE_SET, "web-blue").inputs.version, "v1");
    assert.equal(find(INSTANCE_SET, "web-green").inputs.version, "v2");
    const proxy = find(PROXY, "web-proxy").inputs;
    assert.equal(proxy.previewPort, 0, "a free preview port, chosen at create");
    assert.deepEqual(
      proxy.routes.versions.map((v: { name: string; weight: number }) => [v.name, v.weight]),
      [
        ["v1", 100],
        ["v2", 0],
      ],
    );
    assert.equal(proxy.routes.previewVersion, "v2");
    assert.equal(await promiseOf(service.previewEndpoint), "http://127.0.0.1:8081");
    assert.deepEqual(await promiseOf(service.replicas), { blue: 2, green: 2 });
  });

  it("switches by moving the table only: each colour keeps its version", async () => {
    await blueGreen({
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "green",
    });
    assert.equal(find(INSTANCE_SET, "web-blue").inputs.version, "v1");
    assert.equal(find(INSTANCE_SET, "web-green").inputs.version, "v2");
    const routes = find(PROXY, "web-proxy").inputs.routes;
    assert.equal(routes.versions[0].name, "v2");
    assert.equal(routes.versions[0].weight, 100);
    assert.equal(routes.previewVersion, "v1");
  });

  it("stops the idle colour at idleReplicas 0, has no preview when turned off, and checks its ports", async () => {
    await blueGreen(
      { ...staged, activeColor: "green", stableVersion: "v2", candidateVersion: "v1" },
      { idleReplicas: 0 },
    );
    assert.ok(!recorded.some((r) => r.name === "web-blue"));
    assert.equal(find(PROXY, "web-proxy").inputs.routes.previewVersion, undefined);
    await useMocks();
    await blueGreen(staged, { strategy: Strategy.blueGreen({ previewService: false }) });
    assert.equal(find(PROXY, "web-proxy").inputs.previewPort, undefined);
    assert.throws(
      () => new BlueGreenService("web2", { ...common, traffic: staged, port: 9000, previewPort: 9000 }),
      /previewPort \(9000\): is the same as port/,
    );
  });
});

describe("local: RollingService", () => {
  beforeEach(useMocks);

  it("turns maxSurge and maxUnavailable into instance counts and routes to the one version", async () => {
    const service = new RollingService("api", {
      ...common,
      replicas: 4,
      traffic: { stableVersion: "v3" },
      strategy: Strategy.rolling({ maxSurge: "25%", maxUnavailable: "25%", readinessDelay: "2s" }),
    });
    await promiseOf(service.effectiveWeight);
    await settle();
    const set = find(ROLLING_SET, "api-set").inputs;
    assert.deepEqual(set.rollout, {
      kind: "rolling",
      maxSurge: 1,
      maxUnavailable: 1,
      readinessDelayMs: 2000,
    });
    assert.deepEqual(set.command, ["node", "releases/v3/server.js"]);
    const routes = find(PROXY, "api-proxy").inputs.routes;
    assert.deepEqual(
      routes.versions.map((v: { name: string; weight: number }) => [v.name, v.weight]),
      [["v3", 100]],
    );
    assert.equal(await promiseOf(service.effectiveWeight), 0);
    assert.equal(
      (await promiseOf(service.trafficUrns)).length,
      2,
      "the rolling set changes the table during a roll",
    );
  });

  it("recreate has no surge and may stop every instance", async () => {
    const service = new RollingService("api", {
      ...common,
      traffic: { stableVersion: "v1" },
      strategy: Strategy.recreate(),
    });
    await promiseOf(service.endpoint);
    await settle();
    assert.deepEqual(find(ROLLING_SET, "api-set").inputs.rollout, {
      kind: "recreate",
      maxSurge: 0,
      maxUnavailable: 2,
      readinessDelayMs: 0,
    });
  });

  it("rejects a candidate weight", () => {
    assert.throws(
      () =>
        new RollingService("api", {
          ...common,
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
        }),
      /traffic\.candidateWeight \(10\): must be 0 for a rolling strategy/,
    );
  });
});

describe("local platform: the release contract", () => {
  before(() => useMocks());
  const setTraffic = (entries: unknown) => {
    const config = pulumi.runtime.allConfig();
    delete config["progressive:traffic"];
    if (entries !== undefined) config["progressive:traffic"] = JSON.stringify(entries);
    pulumi.runtime.setAllConfig(config);
  };
  afterEach(() => setTraffic(undefined));

  it("registers the release outputs: the proxy as router and metrics source, its token kept apart", async () => {
    const service = new CanaryService("shop", { ...common, version: "v1" });
    const release = await promiseOf(service.release);
    assert.equal(release.contract, 1);
    assert.equal(release.platform, "local");
    assert.equal(release.type, "progressive:local:CanaryService");
    assert.equal(release.name, "shop");
    assert.equal(release.kind, "canary");
    assert.deepEqual(release.traffic, { stableVersion: "v1", candidateWeight: 0 });
    assert.equal(release.trafficSource, "version");
    assert.equal(release.router.kind, "local-proxy");
    assert.equal(release.metrics.kind, "local-proxy");
    assert.ok(!JSON.stringify(release).includes("adminToken"), "no secret in the plain release output");
  });

  it("reads its entry of progressive:traffic, which wins over version; an explicit traffic wins over both", async () => {
    setTraffic({ cart: { stableVersion: "v4", candidateVersion: "v5", candidateWeight: "20" }, other: {} });
    const fromConfig = new CanaryService("cart", { ...common, version: "v1" });
    const r1 = await promiseOf(fromConfig.release);
    assert.deepEqual(r1.traffic, { stableVersion: "v4", candidateVersion: "v5", candidateWeight: 20 });
    assert.equal(r1.trafficSource, "config");
    const explicit = new CanaryService("cart2", {
      ...common,
      traffic: { stableVersion: "v9", candidateWeight: 0 },
    });
    assert.equal((await promiseOf(explicit.release)).trafficSource, "arg");
  });

  it("a RollingService starts from version and then reads its progressive:traffic entry, as the others do", async () => {
    const first = new RollingService("worker", { ...common, version: "v1" });
    const r1 = await promiseOf(first.release);
    assert.deepEqual(r1.traffic, { stableVersion: "v1", candidateWeight: 0 });
    assert.equal(r1.trafficSource, "version");
    setTraffic({ worker2: { stableVersion: "v2", candidateWeight: 0 } });
    const later = new RollingService("worker2", { ...common, version: "v1" });
    const r2 = await promiseOf(later.release);
    assert.deepEqual(r2.traffic, { stableVersion: "v2", candidateWeight: 0 });
    assert.equal(r2.trafficSource, "config");
  });

  it("registers the declared version beside the running one and says how to release it when they differ", async () => {
    setTraffic({ cart3: { stableVersion: "v1", candidateWeight: 0 } });
    const service = new CanaryService("cart3", { ...common, version: "v2" });
    const release = await promiseOf(service.release);
    assert.equal(release.declaredVersion, "v2");
    assert.equal(release.traffic.stableVersion, "v1");
    const resolved = {
      strategy: release.strategy,
      traffic: release.traffic,
      trafficSource: "config" as const,
      health: {},
      replicas: 2,
      declaredVersion: "v2",
    };
    assert.equal(
      undeployedVersionWarning('CanaryService "cart3"', "cart3", resolved),
      'CanaryService "cart3" declares version v2, but v1 runs (progressive:traffic.cart3); editing version does not release it: run progressive sync --stack stack (or progressive release v2 --stack stack --service cart3)',
    );
    const releasing = {
      ...resolved,
      traffic: { ...release.traffic, candidateVersion: "v2", candidateWeight: 10 },
    };
    assert.equal(undeployedVersionWarning('CanaryService "cart3"', "cart3", releasing), undefined);
    assert.equal(
      undeployedVersionWarning('CanaryService "cart3"', "cart3", { ...resolved, declaredVersion: "v1" }),
      undefined,
    );
    const explicit = new CanaryService("cart4", {
      ...common,
      traffic: { stableVersion: "v1", candidateWeight: 0 },
    });
    assert.equal(
      (await promiseOf(explicit.release)).declaredVersion,
      undefined,
      "an explicit traffic arg declares nothing",
    );
  });

  it("names version when nothing gives a traffic state, and the config path for a bad entry", () => {
    assert.throws(
      () => new CanaryService("lonely", { ...common }),
      /version \(not set\): is required on the first deploy \(there is no progressive:traffic\.lonely entry yet\); pass version: "v1"/,
    );
    setTraffic({ broken: { stableVersion: "v 1", candidateWeight: 0 } });
    assert.throws(
      () => new CanaryService("broken", { ...common, version: "v1" }),
      /progressive:traffic\.broken\.stableVersion \("v 1"\): is not a version label/,
    );
  });
});

describe("local: a command's program is looked up before the deploy", () => {
  it("finds a program on PATH or as a path from cwd, as spawn would, and nothing else", () => {
    const bin = path.dirname(process.execPath);
    assert.equal(
      findProgram(path.basename(process.execPath), "/", `/nonexistent${path.delimiter}${bin}`),
      true,
    );
    assert.equal(findProgram("no-such-program-for-progressive-tests", "/", bin), false);
    assert.equal(findProgram(process.execPath, "/tmp", ""), true, "an absolute path");
    assert.equal(findProgram(`./${path.basename(process.execPath)}`, bin, ""), true, "a path from cwd");
    assert.equal(findProgram("./package.json", process.cwd(), ""), false, "a file that is not executable");
  });
});

describe("local: the endpoint a preview shows", () => {
  it("is unknown while the proxy's port is the free one to be kept (never http://127.0.0.1:0)", async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
      "project",
      "stack",
      true,
    );
    const service = new CanaryService("previewed", { ...common, version: "v1" });
    assert.equal(await (service.endpoint as unknown as { isKnown: Promise<boolean> }).isKnown, false);
    const fixed = new CanaryService("fixed", { ...common, version: "v1", port: 18080 });
    assert.equal(await promiseOf(fixed.endpoint), "http://127.0.0.1:18080");
    await useMocks();
  });
});
