import * as assert from "node:assert/strict";
import {
  BlueGreenService,
  CanaryService,
  KEY_VAULT_SECRETS_USER,
  RollingService,
} from "../../../components/azure/containerApps";
import { RELEASE_CONTRACT, Strategy, type TrafficState, ValidationError } from "../../../components/core";
import {
  CONTAINER_APP,
  DOMAIN,
  deployed,
  find,
  IDENTITY,
  LEDGER,
  promiseOf,
  ROLE_ASSIGNMENT,
  recorded,
  registeredOutputs,
  SUBSCRIPTION,
  useAzureMocks,
} from "./harness";

const ENV_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env`;
const BASE = { resourceGroupName: "rg", environmentId: ENV_ID, image: "acme.azurecr.io/web" } as const;
const REVISION = /^web--(v[0-9a-z-]+)-([0-9a-f]{6})$/;

/** Deploys a canary in `state`, keeping the ledger of the previous deploy (as a stack would). */
async function canary(
  traffic: TrafficState,
  extra: Partial<ConstructorParameters<typeof CanaryService>[1]> = {},
) {
  await useAzureMocks(true);
  return deployed(new CanaryService("web", { ...BASE, traffic, ...extra }));
}
async function blueGreen(traffic: TrafficState) {
  await useAzureMocks(true);
  return deployed(new BlueGreenService("web", { ...BASE, traffic }));
}
// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
const appInputs = (): any => find(CONTAINER_APP, "web-app").inputs;
const traffic = () => appInputs().configuration.ingress.traffic;
const template = () => appInputs().template;

/** The retired revisions a component registers with its release, and those its router descriptor names by version. */
async function retiredOf(service: CanaryService | BlueGreenService): Promise<string[]> {
  const outputs = (await registeredOutputs(service)) as { retiredRevisions: string[] };
  const router = (await promiseOf(service.release)).router;
  assert.ok(router.kind === "azure-container-apps");
  assert.deepEqual(Object.values(router.retired ?? {}).sort(), outputs.retiredRevisions);
  return outputs.retiredRevisions;
}

/** The router descriptor's retired revisions by version. */
async function retiredByVersionOf(
  service: CanaryService | BlueGreenService,
): Promise<Record<string, string> | undefined> {
  const router = (await promiseOf(service.release)).router;
  return router.kind === "azure-container-apps" ? router.retired : undefined;
}

describe("azure container apps: CanaryService", () => {
  beforeEach(() => useAzureMocks(false));

  it("creates one app in Multiple mode whose template and traffic point at the first revision", async () => {
    await deployed(new CanaryService("web", { ...BASE, version: "v1" }));
    const app = appInputs();
    assert.equal(app.containerAppName, "web");
    assert.equal(app.resourceGroupName, "rg");
    assert.equal(app.environmentId, ENV_ID);
    assert.equal(app.configuration.activeRevisionsMode, "Multiple");
    assert.equal(app.configuration.ingress.external, true);
    assert.equal(app.configuration.ingress.targetPort, 8080);
    assert.equal(app.identity, undefined);
    assert.equal(app.configuration.secrets, undefined);
    const { revisionSuffix, containers, scale } = app.template;
    assert.match(revisionSuffix, /^v1-[0-9a-f]{6}$/);
    assert.deepEqual(containers, [
      {
        name: "app",
        image: "acme.azurecr.io/web:v1",
        resources: { cpu: 0.5, memory: "1Gi" },
        env: [],
        probes: [],
      },
    ]);
    assert.deepEqual(scale, { minReplicas: 2, maxReplicas: 10 });
    assert.deepEqual(traffic(), [{ revisionName: `web--${revisionSuffix}`, weight: 100 }]);
    // Azure tag names cannot hold "/": the release keys in their Azure form.
    assert.equal(app.tags["progressive-strategy"], "canary");
    assert.equal(app.tags["progressive.pulumi.io/strategy"], undefined);
  });

  it("runs the candidate on a new revision with the canary label and splits traffic by weight", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    const v1 = traffic()[0].revisionName;
    const service = await canary({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 });
    const v2 = `web--${template().revisionSuffix}`;
    assert.match(v2, REVISION);
    assert.notEqual(v2, v1);
    assert.equal(template().containers[0].image, "acme.azurecr.io/web:v2");
    assert.deepEqual(traffic(), [
      { revisionName: v1, weight: 80 },
      { revisionName: v2, weight: 20, label: "canary" },
    ]);
    assert.deepEqual(await promiseOf(service.revisions), { v1, v2 });
    assert.equal(await promiseOf(service.previewEndpoint), `https://web---canary.${DOMAIN}`);
    assert.equal(await promiseOf(service.endpoint), `https://web.${DOMAIN}`);
  });

  it("registers the release contract with the Container Apps router and Azure Monitor metrics", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    const service = await canary({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 });
    const revisions = await promiseOf(service.revisions);
    const outputs = await registeredOutputs(service);
    const appId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.App/containerApps/web`;
    assert.deepEqual(outputs.release, {
      contract: RELEASE_CONTRACT,
      platform: "azure",
      type: "progressive:azure:ContainerAppsCanaryService",
      name: "web",
      service: "web",
      kind: "canary",
      strategy: await promiseOf(service.strategy),
      traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
      trafficSource: "arg",
      endpoint: `https://web.${DOMAIN}`,
      previewEndpoint: `https://web---canary.${DOMAIN}`,
      router: {
        kind: "azure-container-apps",
        subscriptionId: SUBSCRIPTION,
        resourceGroup: "rg",
        app: "web",
        revisions,
        retired: {},
      },
      metrics: { kind: "azure-monitor-container-apps", resourceId: appId, revisions },
      trafficUrns: [
        `urn:pulumi:stack::project::progressive:azure:ContainerAppsCanaryService$azure-native:app:ContainerApp::web-app`,
      ],
    });
  });

  it("promotes without re-creating a revision, and reverts after promotion by changing traffic only", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    const v1 = traffic()[0].revisionName;
    await canary({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 });
    const v2Template = template();
    const v2 = `web--${v2Template.revisionSuffix}`;
    for (const state of [
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 100 },
      { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
    ]) {
      await canary(state);
      assert.deepEqual(template(), v2Template);
    }
    await canary({ stableVersion: "v2", candidateWeight: 0 });
    const promoted = appInputs();
    assert.deepEqual(traffic(), [{ revisionName: v2, weight: 100 }]);
    // Revert (progressive rollback): the old version's revision still exists; only traffic moves.
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    const reverted = appInputs();
    assert.deepEqual(reverted.configuration.ingress.traffic, [{ revisionName: v1, weight: 100 }]);
    const { traffic: _a, ...promotedIngress } = promoted.configuration.ingress;
    const { traffic: _b, ...revertedIngress } = reverted.configuration.ingress;
    assert.deepEqual(revertedIngress, promotedIngress);
    assert.deepEqual({ ...reverted, configuration: {} }, { ...promoted, configuration: {} });
    assert.equal(reverted.template.revisionSuffix, v2Template.revisionSuffix);
  });

  it("names the revisions out of traffic after a promotion or a revert, by version for the driver to deactivate", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    const v1 = traffic()[0].revisionName;
    const candidate = await canary({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 });
    assert.deepEqual(await retiredOf(candidate), []);
    const promoted = await canary({ stableVersion: "v2", candidateWeight: 0 });
    const v2 = traffic()[0].revisionName;
    assert.deepEqual(await retiredOf(promoted), [v1]);
    assert.deepEqual(await retiredByVersionOf(promoted), { v1 });
    const reverted = await canary({ stableVersion: "v1", candidateWeight: 0 });
    assert.deepEqual(await retiredOf(reverted), [v2]);
    assert.deepEqual(await retiredByVersionOf(reverted), { v2 });
  });

  it("aborts to weight 0 and then drops the candidate without touching the template", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    const v1 = traffic()[0].revisionName;
    await canary({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 25 });
    const tried = template();
    await canary({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 });
    assert.deepEqual(traffic(), [
      { revisionName: v1, weight: 100 },
      { revisionName: `web--${tried.revisionSuffix}`, weight: 0, label: "canary" },
    ]);
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    assert.deepEqual(template(), tried);
    assert.deepEqual(traffic(), [{ revisionName: v1, weight: 100 }]);
  });

  it("gives a config-only change a new revision suffix (a changed template under an old suffix fails)", async () => {
    await canary({ stableVersion: "v1", candidateWeight: 0 });
    const before = template().revisionSuffix;
    await canary({ stableVersion: "v1", candidateWeight: 0 }, { env: { LOG_LEVEL: "debug" } });
    const after = template().revisionSuffix;
    assert.match(after, /^v1-[0-9a-f]{6}$/);
    assert.notEqual(after, before);
    assert.deepEqual(template().containers[0].env, [{ name: "LOG_LEVEL", value: "debug" }]);
    assert.deepEqual(traffic(), [{ revisionName: `web--${after}`, weight: 100 }]);
    assert.equal(find(LEDGER, "web-revisions").inputs.versions[0], "v1");
  });

  it("reads secretEnv from Key Vault through a user-assigned identity granted before the app", async () => {
    const keyVaultId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`;
    const url = "https://kv.vault.azure.net/secrets/db-password";
    await deployed(
      new CanaryService("web", {
        ...BASE,
        version: "v1",
        keyVaultId,
        secretEnv: { DB_PASSWORD: url },
        env: { A: "1" },
      }),
    );
    const identity = find(IDENTITY, "web-identity").inputs;
    assert.deepEqual(identity, {
      resourceGroupName: "rg",
      resourceName: "web-identity",
      tags: { "progressive-strategy": "canary" },
    });
    const identityId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-identity`;
    assert.deepEqual(find(ROLE_ASSIGNMENT, "web-key-vault-secrets-user").inputs, {
      principalId: "web-identity-principal",
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}`,
      scope: keyVaultId,
    });
    const app = appInputs();
    assert.deepEqual(app.identity, { type: "UserAssigned", userAssignedIdentities: [identityId] });
    assert.deepEqual(app.configuration.secrets, [
      { name: "db-password", keyVaultUrl: url, identity: identityId },
    ]);
    assert.deepEqual(app.template.containers[0].env, [
      { name: "A", value: "1" },
      { name: "DB_PASSWORD", secretRef: "db-password" },
    ]);
    const order = (type: string) => recorded.findIndex((r) => r.type === type);
    assert.ok(
      order(ROLE_ASSIGNMENT) < order(CONTAINER_APP),
      "the role is assigned before the app is created",
    );
  });

  it("maps health checks to Container Apps probes and passes through container and ingress options", async () => {
    await deployed(
      new CanaryService("web", {
        ...BASE,
        version: "v1",
        port: 3000,
        cpu: 1,
        memoryGiB: 2,
        replicas: 3,
        maxReplicas: 5,
        external: false,
        health: { readiness: { path: "/ready", interval: "5s", timeout: "2s" }, liveness: { path: "/live" } },
        container: { command: ["node", "server.js"] },
        ingress: { transport: "http" },
        configuration: { maxInactiveRevisions: 5 },
      }),
    );
    const app = appInputs();
    assert.deepEqual(app.configuration.ingress.external, false);
    assert.equal(app.configuration.ingress.transport, "http");
    assert.equal(app.configuration.maxInactiveRevisions, 5);
    const c = app.template.containers[0];
    assert.deepEqual(c.command, ["node", "server.js"]);
    assert.deepEqual(c.resources, { cpu: 1, memory: "2Gi" });
    assert.deepEqual(app.template.scale, { minReplicas: 3, maxReplicas: 5 });
    assert.deepEqual(c.probes[0], {
      type: "Readiness",
      httpGet: { path: "/ready", port: 3000 },
      initialDelaySeconds: 1, // the API's least: a delay of 0 is sent as 1
      periodSeconds: 5,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(c.probes[1].type, "Liveness");
    assert.equal(c.probes[1].httpGet.path, "/live");
  });

  it("rejects invalid input with every problem named", () => {
    assert.throws(
      () =>
        new CanaryService("Web_App", {
          ...BASE,
          version: "v1",
          appName: "Web--x",
          maxReplicas: 1,
          replicas: 2,
          port: 70000,
          secretEnv: { DB_PASSWORD: "hunter2", "db-password": "https://kv.vault.azure.net/secrets/x" },
          health: { readiness: { path: "/", initialDelay: "90s" } },
        }),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        const lines = e.problems.map((p) => `${p.path}: ${p.message}`);
        assert.deepEqual(lines, [
          "port: must be a port from 1 to 65535",
          "secretEnv.db-password: is not a valid environment variable name",
          "appName: is not a Container App name (lowercase letters, digits and -, a letter first, at most 32, no --)",
          "health.readiness.initialDelay: Container Apps probes accept 0-60 seconds",
          "maxReplicas: must be a whole number from replicas (2) to 1000",
          "secretEnv.DB_PASSWORD: is not a Key Vault secret URL",
          'secretEnv.db-password: maps to the same Container Apps secret name "db-password" as DB_PASSWORD',
          "keyVaultId: is required when secretEnv is set: the app's identity must be granted Key Vault Secrets User before the app exists",
        ]);
        return true;
      },
    );
  });
});

describe("azure container apps: BlueGreenService", () => {
  beforeEach(() => useAzureMocks(false));

  it("labels each colour's revision, switches by traffic only and previews the idle colour", async () => {
    await blueGreen({ stableVersion: "v1", candidateWeight: 0 });
    const v1 = traffic()[0].revisionName;
    assert.deepEqual(traffic(), [{ revisionName: v1, weight: 100, label: "blue" }]);
    const deployedV2 = await blueGreen({
      stableVersion: "v1",
      candidateVersion: "v2",
      candidateWeight: 0,
      activeColor: "blue",
    });
    const v2Template = template();
    const v2 = `web--${v2Template.revisionSuffix}`;
    assert.deepEqual(traffic(), [
      { revisionName: v1, weight: 100, label: "blue" },
      { revisionName: v2, weight: 0, label: "green" },
    ]);
    assert.equal(await promiseOf(deployedV2.previewEndpoint), `https://web---green.${DOMAIN}`);
    // Switch: green (v2) serves; blue keeps v1 for a rollback that is the same switch again.
    await blueGreen({
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "green",
    });
    assert.deepEqual(template(), v2Template);
    assert.deepEqual(traffic(), [
      { revisionName: v2, weight: 100, label: "green" },
      { revisionName: v1, weight: 0, label: "blue" },
    ]);
    // Rollback after the switch: back to blue, template untouched.
    const back = await blueGreen({
      stableVersion: "v1",
      candidateVersion: "v2",
      candidateWeight: 0,
      activeColor: "blue",
    });
    assert.deepEqual(template(), v2Template);
    assert.equal(await promiseOf(back.activeColor), "blue");
    assert.deepEqual(traffic()[0], { revisionName: v1, weight: 100, label: "blue" });
  });

  it("keeps the old colour's revision labelled until the scale-down, then names it retired", async () => {
    await blueGreen({ stableVersion: "v1", candidateWeight: 0 });
    const v1 = traffic()[0].revisionName;
    await blueGreen({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0, activeColor: "blue" });
    const switched = await blueGreen({
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "green",
    });
    // During the scale-down delay v1 is the idle colour: the rollback target, not retired.
    assert.deepEqual(await retiredByVersionOf(switched), {});
    // After it the idle colour runs the stable version: v1's revision has no label and no traffic.
    const settled = await blueGreen({ stableVersion: "v2", candidateWeight: 0, activeColor: "green" });
    const v2 = traffic()[0].revisionName;
    assert.deepEqual(traffic(), [{ revisionName: v2, weight: 100, label: "green" }]);
    assert.deepEqual(await retiredByVersionOf(settled), { v1 });
    assert.deepEqual(await retiredOf(settled), [v1]);
  });

  it("rejects a canary weight", () => {
    assert.throws(
      () =>
        new BlueGreenService("web", {
          ...BASE,
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
        }),
      /traffic.candidateWeight \(10\): must be 0 for a blueGreen strategy/,
    );
  });
});

describe("azure container apps: RollingService", () => {
  beforeEach(() => useAzureMocks(false));

  it("registers linear weight steps with the readiness delay as bake time, for the driver to walk", async () => {
    const service = await deployed(
      new RollingService("web", {
        ...BASE,
        version: "v1",
        replicas: 4,
        strategy: Strategy.rolling({ readinessDelay: "2m" }),
      }),
    );
    const release = await promiseOf(service.release);
    assert.equal(release.kind, "rolling");
    assert.equal(release.strategy.kind, "canary");
    assert.deepEqual(release.strategy.kind === "canary" && release.strategy.steps, [
      { kind: "setWeight", weight: 25 },
      { kind: "pause", durationSeconds: 120 },
      { kind: "setWeight", weight: 50 },
      { kind: "pause", durationSeconds: 120 },
      { kind: "setWeight", weight: 75 },
      { kind: "pause", durationSeconds: 120 },
      { kind: "setWeight", weight: 100 },
    ]);
    assert.deepEqual(release.strategy.kind === "canary" && release.strategy.checks, []);
    assert.equal(release.router.kind, "azure-container-apps");
  });

  it("shifts traffic between revisions without a label, and names rolling field errors", async () => {
    await useAzureMocks(true);
    await deployed(new RollingService("web", { ...BASE, version: "v1" }));
    const v1 = traffic()[0].revisionName;
    await useAzureMocks(true);
    await deployed(
      new RollingService("web", {
        ...BASE,
        traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 },
      }),
    );
    assert.deepEqual(traffic(), [
      { revisionName: v1, weight: 50 },
      { revisionName: `web--${template().revisionSuffix}`, weight: 50 },
    ]);
    assert.throws(
      () =>
        new RollingService("web2", {
          ...BASE,
          version: "v1",
          strategy: { kind: "rolling", maxSurge: "150%" },
        }),
      /strategy.maxSurge \("150%"\): must be a whole number of instances or a whole percentage/,
    );
    assert.throws(
      () => new RollingService("web3", { ...BASE, version: "v1", strategy: Strategy.recreate() as never }),
      /strategy.kind \("recreate"\): is not a strategy this component implements; use Strategy.rolling\(\)/,
    );
  });
});
