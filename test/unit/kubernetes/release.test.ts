// The release contract on Kubernetes: the `release` and `releaseSecrets` outputs each component
// registers, and where its traffic state comes from (the `traffic` arg, its `progressive:traffic`
// entry, or `version`).

import * as assert from "node:assert/strict";
import { RELEASE_CONTRACT, Strategy, ValidationError } from "../../../components/core";
import { BlueGreenService, CanaryService, RollingService } from "../../../components/kubernetes";
import {
  canaryReplicas,
  DEPLOYMENT,
  deployCanary,
  find,
  isSecret,
  promiseOf,
  registeredOutputs,
  SERVICE,
  setTrafficConfig,
  settle,
  useMocks,
} from "./harness";

const V1 = "v1";
const V2 = "v2";

function rejects(build: () => unknown, message: string): void {
  assert.throws(build, (e: unknown) => e instanceof ValidationError && e.message === message);
}

describe("kubernetes: release contract outputs", () => {
  beforeEach(useMocks);

  it("CanaryService registers release, a secret releaseSecrets and its own extras", async () => {
    const service = await deployCanary({
      replicas: 4,
      traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 20 },
    });
    const outputs = await registeredOutputs(service);
    assert.deepEqual(outputs.release, {
      contract: RELEASE_CONTRACT,
      platform: "kubernetes",
      type: "progressive:kubernetes:CanaryService",
      name: "web",
      service: "web",
      kind: "canary",
      strategy: await promiseOf(service.strategy),
      traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 20 },
      trafficSource: "arg",
      endpoint: "http://web.default.svc.cluster.local",
      router: {
        kind: "kubernetes-replica-ratio",
        namespace: "default",
        stableDeployment: "web-stable",
        canaryDeployment: "web-canary",
      },
      metrics: { kind: "none" },
      trafficUrns: await promiseOf(service.trafficUrns),
    });
    assert.deepEqual(outputs.release, await promiseOf(service.release));
    assert.equal(isSecret(outputs.releaseSecrets), true);
    assert.deepEqual(Object.keys(outputs).sort(), [
      "canaryServiceName",
      "plannedWeight",
      "release",
      "releaseSecrets",
      "replicas",
      "serviceName",
      "stableServiceName",
    ]);
    assert.equal(outputs.plannedWeight, 20);
    assert.deepEqual(outputs.replicas, { stable: 4, canary: 1 });
  });

  it("BlueGreenService describes the active Service's colour selector and the preview endpoint", async () => {
    const service = new BlueGreenService("shop", {
      image: "ghcr.io/acme/shop",
      namespace: "store",
      traffic: { stableVersion: V2, candidateVersion: V1, candidateWeight: 0, activeColor: "green" },
      idleReplicas: 0,
    });
    const outputs = await registeredOutputs(service);
    await settle();
    const active = find(SERVICE, "shop-service").inputs;
    assert.deepEqual(active.spec.selector, { app: "shop", color: "green" });
    assert.deepEqual(outputs.release, {
      contract: RELEASE_CONTRACT,
      platform: "kubernetes",
      type: "progressive:kubernetes:BlueGreenService",
      name: "shop",
      service: "shop",
      kind: "blueGreen",
      strategy: await promiseOf(service.strategy),
      traffic: {
        stableVersion: V2,
        candidateVersion: V1,
        candidateWeight: 0,
        activeColor: "green",
        idleReplicas: 0,
      },
      trafficSource: "arg",
      endpoint: "http://shop.store.svc.cluster.local",
      previewEndpoint: "http://shop-preview.store.svc.cluster.local",
      router: {
        kind: "kubernetes-service-selector",
        namespace: "store",
        service: active.metadata.name,
        colorLabel: "color",
      },
      metrics: { kind: "none" },
      trafficUrns: await promiseOf(service.trafficUrns),
    });
    assert.equal(isSecret(outputs.releaseSecrets), true);
    assert.deepEqual(Object.keys(outputs).sort(), [
      "idleColor",
      "previewServiceName",
      "release",
      "releaseSecrets",
      "replicas",
      "serviceName",
    ]);
    assert.deepEqual(outputs.replicas, { blue: 0, green: 2 });
  });

  it("BlueGreenService records the default active colour and no idleReplicas it was not given", async () => {
    const service = new BlueGreenService("shop", {
      image: "ghcr.io/acme/shop",
      version: V1,
      strategy: Strategy.blueGreen({ previewService: false }),
    });
    const release = await promiseOf(service.release);
    assert.deepEqual(release.traffic, { stableVersion: V1, candidateWeight: 0, activeColor: "blue" });
    assert.equal(release.previewEndpoint, undefined);
  });

  for (const strategy of [Strategy.rolling(), Strategy.recreate()]) {
    it(`RollingService (${strategy.kind}) has no router or metrics to read, and targets its Deployment`, async () => {
      const service = new RollingService("api", { image: "ghcr.io/acme/api", version: "v7", strategy });
      const outputs = await registeredOutputs(service);
      const release = await promiseOf(service.release);
      assert.deepEqual(outputs.release, release);
      assert.equal(release.kind, strategy.kind);
      assert.equal(release.type, "progressive:kubernetes:RollingService");
      assert.equal(release.service, "api");
      assert.deepEqual(release.traffic, { stableVersion: "v7", candidateWeight: 0 });
      assert.equal(release.trafficSource, "version");
      assert.deepEqual(release.router, { kind: "none" });
      assert.deepEqual(release.metrics, { kind: "none" });
      assert.equal(release.trafficUrns.length, 1);
      assert.match(release.trafficUrns[0] as string, /Deployment::api-app$/);
      assert.equal(isSecret(outputs.releaseSecrets), true);
      assert.deepEqual(Object.keys(outputs).sort(), [
        "deploymentName",
        "release",
        "releaseSecrets",
        "serviceName",
      ]);
    });
  }
});

describe("kubernetes: traffic state from progressive:traffic", () => {
  beforeEach(useMocks);
  afterEach(() => setTrafficConfig(undefined));

  it("reads the component's entry, keyed by its Pulumi name", async () => {
    setTrafficConfig({
      web: { stableVersion: V1, candidateVersion: V2, candidateWeight: 50 },
      other: { stableVersion: "v9", candidateWeight: 0 },
    });
    const service = await deployCanary({ replicas: 2, version: "v0" });
    assert.deepEqual(canaryReplicas("web"), { stable: 2, canary: 2 });
    assert.equal(
      find(DEPLOYMENT, "web-canary").inputs.spec.template.spec.containers[0].image,
      "ghcr.io/acme/web:v2",
    );
    const release = await promiseOf(service.release);
    assert.deepEqual(release.traffic, { stableVersion: V1, candidateVersion: V2, candidateWeight: 50 });
    assert.equal(release.trafficSource, "config");
  });

  it("deploys `version` while there is no entry for the component", async () => {
    setTrafficConfig({ other: { stableVersion: "v9", candidateWeight: 0 } });
    const service = await deployCanary({ replicas: 2, version: "v3" });
    assert.deepEqual(canaryReplicas("web"), { stable: 2, canary: 0 });
    assert.equal(
      find(DEPLOYMENT, "web-stable").inputs.spec.template.spec.containers[0].image,
      "ghcr.io/acme/web:v3",
    );
    const release = await promiseOf(service.release);
    assert.deepEqual(release.traffic, { stableVersion: "v3", candidateWeight: 0 });
    assert.equal(release.trafficSource, "version");
  });

  it("lets an explicit traffic arg win over the entry and version", async () => {
    setTrafficConfig({ web: { stableVersion: V1, candidateVersion: V2, candidateWeight: 50 } });
    const service = await deployCanary({
      replicas: 2,
      version: "v0",
      traffic: { stableVersion: "v5", candidateWeight: 0 },
    });
    assert.deepEqual(canaryReplicas("web"), { stable: 2, canary: 0 });
    const release = await promiseOf(service.release);
    assert.deepEqual(release.traffic, { stableVersion: "v5", candidateWeight: 0 });
    assert.equal(release.trafficSource, "arg");
  });

  it("rejects a component with no entry, no traffic and no version, naming version", () => {
    rejects(
      () => new CanaryService("web", { image: "ghcr.io/acme/web" }),
      'invalid CanaryService "web": version (not set): is required on the first deploy (there is no progressive:traffic.web entry yet); pass version: "v1" (the first version to deploy), or an explicit traffic state',
    );
  });

  it("rejects an entry that is not a traffic state, naming progressive:traffic.<name>", () => {
    setTrafficConfig({ web: "v2" });
    rejects(
      () => new CanaryService("web", { image: "ghcr.io/acme/web", version: V1 }),
      `invalid CanaryService "web": progressive:traffic.web ("v2"): is not a traffic entry; set it to an object such as {"stableVersion": "v1", "candidateWeight": 0}, or remove it with pulumi config rm --path 'progressive:traffic.web'`,
    );
  });

  it("rejects a bad field of the entry, naming its config path", () => {
    setTrafficConfig({ web: { stableVersion: V1, candidateWeight: 30 } });
    rejects(
      () => new RollingService("web", { image: "ghcr.io/acme/web", version: V1 }),
      'invalid RollingService "web": 2 problems\n' +
        "  - progressive:traffic.web.candidateWeight (30): sends traffic to a candidate, but candidateVersion is not set; set candidateVersion to the version to try, or set candidateWeight to 0\n" +
        "  - progressive:traffic.web.candidateWeight (30): must be 0 for a rolling strategy; set stableVersion to the new version and candidateWeight to 0",
    );
  });

  it("takes a blue-green's idleReplicas from the entry; the arg wins", async () => {
    setTrafficConfig({
      shop: {
        stableVersion: V2,
        candidateVersion: V1,
        candidateWeight: 0,
        activeColor: "green",
        idleReplicas: 0,
      },
    });
    const fromEntry = new BlueGreenService("shop", { image: "ghcr.io/acme/shop", replicas: 3 });
    assert.deepEqual(await promiseOf(fromEntry.replicas), { blue: 0, green: 3 });
    assert.equal((await promiseOf(fromEntry.release)).traffic.idleReplicas, 0);
    await useMocks();
    const fromArg = new BlueGreenService("shop", {
      image: "ghcr.io/acme/shop",
      replicas: 3,
      idleReplicas: 1,
    });
    assert.deepEqual(await promiseOf(fromArg.replicas), { blue: 1, green: 3 });
    assert.equal((await promiseOf(fromArg.release)).traffic.idleReplicas, 1);
  });

  it("rejects a bad idleReplicas in the entry, naming its config path", () => {
    setTrafficConfig({ shop: { stableVersion: V1, candidateWeight: 0, idleReplicas: -2 } });
    rejects(
      () => new BlueGreenService("shop", { image: "ghcr.io/acme/shop" }),
      'invalid BlueGreenService "shop": progressive:traffic.shop.idleReplicas (-2): must be a whole number of at least 0; use 0 to scale the idle colour down',
    );
  });
});
