// Router controls of the Azure kinds against fake clients. The fakes take and return the SDKs' own
// types (ContainerApp, Endpoint, AFDOriginUpdateParameters...), so the request shapes the controls
// send are checked against @azure/arm-* by the compiler, and each official client is checked to
// fit the structural interface the control asks for.

import * as assert from "node:assert/strict";
import type { ContainerApp, ContainerAppsAPIClient, Ingress } from "@azure/arm-appcontainers";
import type { AFDOrigin, AFDOriginUpdateParameters, CdnManagementClient } from "@azure/arm-cdn";
import type { Endpoint, TrafficManagerManagementClient } from "@azure/arm-trafficmanager";
import {
  type ContainerAppsClientLike,
  containerAppsControl,
  containerAppsReading,
  type FrontDoorClientLike,
  frontDoorControl,
  slotReading,
  type TrafficManagerClientLike,
  trafficManagerControl,
} from "../../../automation/routers/azure";

const SUB = "00000000-0000-0000-0000-000000000001";
const REVISIONS = { v1: "web--v1-aaaaaa", v2: "web--v2-bbbbbb" };

/** The revisions client of fakes whose tests never reach it. */
const NO_REVISIONS: ContainerAppsClientLike["containerAppsRevisions"] = {
  getRevision: async () => assert.fail("no revision call expected"),
  activateRevision: async () => assert.fail("no revision call expected"),
  deactivateRevision: async () => assert.fail("no revision call expected"),
};

function restError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { name: "RestError", statusCode });
}

/** A fake Container Apps client holding one app; updates are recorded as the SDK's ContainerApp. */
function fakeApps(traffic: Omit<Ingress, "fqdn">) {
  const app: ContainerApp = {
    location: "westeurope",
    configuration: {
      activeRevisionsMode: "Multiple",
      ingress: { ...traffic, fqdn: "web.example.io" } as never,
    },
  };
  const updates: ContainerApp[] = [];
  const calls: string[] = [];
  const client: ContainerAppsClientLike = {
    containerApps: {
      async get(rg, name, options) {
        calls.push(`get ${rg}/${name}`);
        assert.ok(options?.abortSignal, "every call carries the deadline's signal");
        return structuredClone(app);
      },
      async beginUpdateAndWait(rg, name, envelope: ContainerApp) {
        calls.push(`update ${rg}/${name}`);
        updates.push(envelope);
        const ingress = app.configuration?.ingress;
        if (ingress && envelope.configuration?.ingress?.traffic)
          ingress.traffic = envelope.configuration.ingress.traffic;
        return envelope;
      },
    },
    containerAppsRevisions: NO_REVISIONS,
  };
  return { client, updates, calls };
}

const aca = (client: ContainerAppsClientLike) =>
  containerAppsControl(
    {
      kind: "azure-container-apps",
      subscriptionId: SUB,
      resourceGroup: "rg",
      app: "web",
      revisions: REVISIONS,
    },
    { client: async (sub) => (sub === SUB ? client : assert.fail(`wrong subscription ${sub}`)) },
  );

describe("azure routers: Container Apps", () => {
  it("the official clients fit the structural interfaces (compile-time checks)", () => {
    const apps: ContainerAppsAPIClient extends ContainerAppsClientLike ? true : false = true;
    const tm: TrafficManagerManagementClient extends TrafficManagerClientLike ? true : false = true;
    const fd: CdnManagementClient extends FrontDoorClientLike ? true : false = true;
    assert.deepEqual([apps, tm, fd], [true, true, true]);
  });

  const cases: [
    string,
    Parameters<typeof containerAppsReading>[0],
    Parameters<typeof containerAppsReading>[2],
    unknown,
  ][] = [
    [
      "canary at 20",
      [
        { revisionName: REVISIONS.v1, weight: 80 },
        { revisionName: REVISIONS.v2, weight: 20, label: "canary" },
      ],
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 },
      20,
    ],
    [
      "no candidate",
      [{ revisionName: REVISIONS.v1, weight: 100 }],
      { stableVersion: "v1", candidateWeight: 0 },
      0,
    ],
    [
      "promotion: both versions on one revision",
      [{ revisionName: REVISIONS.v2, weight: 100, label: "canary" }],
      { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
      100,
    ],
    [
      "traffic outside the release",
      [
        { revisionName: REVISIONS.v1, weight: 70 },
        { revisionName: "web--hotfix", weight: 30 },
      ],
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
      "30% of traffic goes to revisions outside the release (web--v1-aaaaaa=70, web--hotfix=30)",
    ],
    [
      "latestRevision entry",
      [{ latestRevision: true, weight: 100 }],
      { stableVersion: "v1", candidateWeight: 0 },
      "a traffic entry targets latestRevision, which names no version; deploy the stack again",
    ],
    [
      "weights not summing to 100",
      [{ revisionName: REVISIONS.v1, weight: 60 }],
      { stableVersion: "v1", candidateWeight: 0 },
      "ingress traffic weights sum to 60, not 100 (web--v1-aaaaaa=60)",
    ],
  ];
  for (const [title, traffic, expect, want] of cases) {
    it(`reads ${title}`, () => {
      const r = containerAppsReading(traffic, REVISIONS, expect);
      if (typeof want === "number") assert.deepEqual(r.verified && r.candidateWeight, want);
      else assert.deepEqual(r, { verified: false, reason: want });
    });
  }

  it("reads the colour with 100% on blue-green apps", () => {
    const r = containerAppsReading(
      [
        { revisionName: REVISIONS.v1, weight: 0, label: "blue" },
        { revisionName: REVISIONS.v2, weight: 100, label: "green" },
      ],
      REVISIONS,
      { stableVersion: "v2", candidateVersion: "v1", candidateWeight: 0, activeColor: "green" },
    );
    assert.deepEqual(r, {
      verified: true,
      candidateWeight: 0,
      activeColor: "green",
      detail: "ingress traffic web--v1-aaaaaa[blue]=0, web--v2-bbbbbb[green]=100",
    });
  });

  it("reads the live app, never the asked weight", async () => {
    const { client, calls } = fakeApps({
      traffic: [
        { revisionName: REVISIONS.v1, weight: 90 },
        { revisionName: REVISIONS.v2, weight: 10, label: "canary" },
      ],
    });
    const r = await aca(client).read({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 });
    assert.deepEqual(r, {
      verified: true,
      candidateWeight: 10,
      detail: "Container App rg/web ingress traffic web--v1-aaaaaa=90, web--v2-bbbbbb[canary]=10",
    });
    assert.deepEqual(calls, ["get rg/web"]);
  });

  it("brakes: patches all traffic to the stable revision with labels and ingress settings kept, then reads back", async () => {
    const { client, updates, calls } = fakeApps({
      external: true,
      targetPort: 8080,
      traffic: [
        { revisionName: REVISIONS.v1, weight: 60 },
        { revisionName: REVISIONS.v2, weight: 40, label: "canary" },
      ],
    });
    const result = await aca(client).sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2");
    assert.deepEqual(result, { applied: true });
    assert.deepEqual(calls, ["get rg/web", "update rg/web", "get rg/web"]);
    assert.deepEqual(updates, [
      {
        location: "westeurope",
        configuration: {
          ingress: {
            external: true,
            targetPort: 8080,
            traffic: [
              { revisionName: REVISIONS.v1, weight: 100 },
              { revisionName: REVISIONS.v2, weight: 0, label: "canary" },
            ],
          },
        },
      },
    ]);
  });

  it("brakes a blue-green app to the target's colour", async () => {
    const { client, updates } = fakeApps({
      traffic: [
        { revisionName: REVISIONS.v1, weight: 0, label: "blue" },
        { revisionName: REVISIONS.v2, weight: 100, label: "green" },
      ],
    });
    const result = await aca(client).sendAllToStable(
      { stableVersion: "v1", candidateWeight: 0, activeColor: "blue" },
      "v2",
    );
    assert.deepEqual(result, { applied: true });
    assert.deepEqual(updates[0]?.configuration?.ingress?.traffic, [
      { revisionName: REVISIONS.v1, weight: 100, label: "blue" },
      { revisionName: REVISIONS.v2, weight: 0, label: "green" },
    ]);
  });

  it("reports failures as unverified or not applied, never throws", async () => {
    const failing: ContainerAppsClientLike = {
      containerApps: {
        get: async () => {
          throw restError(403, "AuthorizationFailed");
        },
        beginUpdateAndWait: async () => assert.fail("no write after a failed read"),
      },
      containerAppsRevisions: NO_REVISIONS,
    };
    assert.deepEqual(await aca(failing).read({ stableVersion: "v1", candidateWeight: 0 }), {
      verified: false,
      reason:
        "could not read Container App rg/web: forbidden (403): AuthorizationFailed; grant the driver's identity Contributor (or read and write) on the resource",
    });
    const brake = await aca(failing).sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2");
    assert.equal(brake.applied, false);
  });

  it("names the package to install when the SDK is missing", async () => {
    const control = containerAppsControl(
      {
        kind: "azure-container-apps",
        subscriptionId: SUB,
        resourceGroup: "rg",
        app: "web",
        revisions: REVISIONS,
      },
      {
        importer: async (name) => {
          throw Object.assign(new Error(`Cannot find package '${name}' imported from x`), {
            code: "ERR_MODULE_NOT_FOUND",
          });
        },
      },
    );
    assert.deepEqual(await control.read({ stableVersion: "v1", candidateWeight: 0 }), {
      verified: false,
      reason:
        "install @azure/arm-appcontainers to release services with router kind azure-container-apps (npm install @azure/arm-appcontainers @azure/identity)",
    });
  });
});

describe("azure routers: Traffic Manager and Front Door", () => {
  it("reads slot weights: canary share of enabled weights, blue-green's one enabled colour", () => {
    const expect = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 };
    assert.equal(
      slotReading(
        { stable: { weight: 900, enabled: true }, canary: { weight: 100, enabled: true } },
        expect,
        "tm",
      ).verified,
      true,
    );
    assert.deepEqual(
      slotReading(
        { stable: { weight: 900, enabled: true }, canary: { weight: 100, enabled: false } },
        expect,
        "tm",
      ),
      {
        verified: true,
        candidateWeight: 0,
        detail: "tm stable=900, canary=disabled",
      },
    );
    assert.deepEqual(
      slotReading(
        { blue: { weight: 1, enabled: false }, green: { weight: 1, enabled: true } },
        { ...expect, candidateWeight: 0 },
        "fd",
      ),
      { verified: true, candidateWeight: 0, activeColor: "green", detail: "fd blue=disabled, green=1" },
    );
    assert.deepEqual(
      slotReading({ blue: { weight: 1, enabled: true }, green: { weight: 1, enabled: true } }, expect, "fd"),
      {
        verified: false,
        reason: "fd: 2 colours are enabled (blue=1, green=1)",
      },
    );
  });

  it("Traffic Manager: reads endpoints and brakes by enabling stable before disabling the canary", async () => {
    const endpoints: Record<string, Endpoint> = {
      "web-stable": {
        weight: 750,
        endpointStatus: "Enabled",
        target: "web-stable.westeurope.azurecontainer.io",
      },
      "web-canary": {
        weight: 250,
        endpointStatus: "Enabled",
        target: "web-canary.westeurope.azurecontainer.io",
      },
    };
    const writes: [string, Endpoint][] = [];
    const client: TrafficManagerClientLike = {
      endpoints: {
        async get(rg, profile, type, name) {
          assert.deepEqual([rg, profile, type], ["rg", "web-tm", "ExternalEndpoints"]);
          return { ...endpoints[name] };
        },
        async update(_rg, _profile, _type, name, parameters: Endpoint) {
          writes.push([name, parameters]);
          endpoints[name] = { ...endpoints[name], ...parameters };
          return endpoints[name];
        },
      },
    };
    const control = trafficManagerControl(
      {
        kind: "azure-traffic-manager",
        subscriptionId: SUB,
        resourceGroup: "rg",
        profile: "web-tm",
        endpoints: { stable: "web-stable", canary: "web-canary" },
      },
      { client: async () => client },
    );
    const r = await control.read({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 25 });
    assert.deepEqual(r, {
      verified: true,
      candidateWeight: 25,
      detail: "Traffic Manager profile rg/web-tm stable=750, canary=250",
    });
    assert.deepEqual(await control.sendAllToStable({ stableVersion: "v1", candidateWeight: 0 }, "v2"), {
      applied: true,
    });
    assert.deepEqual(writes, [
      ["web-stable", { endpointStatus: "Enabled" }],
      ["web-canary", { endpointStatus: "Disabled" }],
    ]);
  });

  it("Front Door: brakes a blue-green origin group to the target colour", async () => {
    const origins: Record<string, AFDOrigin> = {
      "web-blue": { weight: 1000, enabledState: "Disabled" },
      "web-green": { weight: 1000, enabledState: "Enabled" },
    };
    const writes: [string, AFDOriginUpdateParameters][] = [];
    const client: FrontDoorClientLike = {
      afdOrigins: {
        async get(_rg, _profile, group, name) {
          assert.equal(group, "web-origins");
          return { ...origins[name] };
        },
        async beginUpdateAndWait(_rg, _profile, _group, name, update: AFDOriginUpdateParameters) {
          writes.push([name, update]);
          origins[name] = { ...origins[name], ...update };
          return origins[name];
        },
      },
    };
    const control = frontDoorControl(
      {
        kind: "azure-front-door",
        subscriptionId: SUB,
        resourceGroup: "rg",
        profile: "web-fd",
        originGroup: "web-origins",
        origins: { blue: "web-blue", green: "web-green" },
      },
      { client: async () => client },
    );
    const result = await control.sendAllToStable(
      { stableVersion: "v1", candidateWeight: 0, activeColor: "blue" },
      "v2",
    );
    assert.deepEqual(result, { applied: true });
    assert.deepEqual(writes, [
      ["web-blue", { enabledState: "Enabled" }],
      ["web-green", { enabledState: "Disabled" }],
    ]);
    const r = await control.read({ stableVersion: "v1", candidateWeight: 0, activeColor: "blue" });
    assert.equal(r.verified && r.activeColor, "blue");
  });
});
