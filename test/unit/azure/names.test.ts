// What Azure takes in names and tags: release tags without "/", group names within the provider's
// auto-naming, Traffic Manager and Front Door names within their limits, the user's tags, DNS
// names and endpoint names refused with field, value and fix before anything is created.

import * as assert from "node:assert/strict";
import { containerApps, containerInstances, TrafficLayer } from "../../../components/azure";
import { assertWithinTables } from "../../support/constraints";
import { problemsOf } from "../../support/problems";
import {
  all,
  CONTAINER_GROUP,
  deployed,
  FD_ENDPOINT,
  recorded,
  SUBSCRIPTION,
  TM_ENDPOINT,
  TM_PROFILE,
  useAzureMocks,
} from "./harness";

const ENV_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env`;
const ACI = { resourceGroupName: "rg", location: "westeurope", image: "acme.azurecr.io/web" } as const;
const ACA = { resourceGroupName: "rg", environmentId: ENV_ID, image: "acme.azurecr.io/web" } as const;
const LONG = "Checkout_Service-Frontend-For-The-European-Union-Customers-Blue";

describe("azure: names and tags", () => {
  beforeEach(() => useAzureMocks());

  it("a 62-character name with capitals and an underscore deploys within Azure's limits, behind Traffic Manager", async () => {
    await deployed(
      new containerInstances.CanaryService(LONG, {
        ...ACI,
        traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
        tags: { team: "shop" },
      }),
    );
    assertWithinTables(recorded);
    for (const g of all(CONTAINER_GROUP)) assert.ok(`${g.name}0a1b2c3d`.length <= 63, g.name);
    const profile = all(TM_PROFILE)[0]?.inputs;
    assert.equal(profile?.profileName.length, 63);
    assert.ok(all(TM_ENDPOINT).every((e) => e.inputs.endpointName.length <= 63));
    assert.deepEqual(Object.keys(all(CONTAINER_GROUP)[0]?.inputs.tags ?? {}).sort(), [
      "progressive-role",
      "progressive-strategy",
      "progressive-version",
      "team",
    ]);
  });

  it("and behind Front Door, whose endpoint name takes 46", async () => {
    await deployed(
      new containerInstances.BlueGreenService(LONG, {
        ...ACI,
        trafficLayer: TrafficLayer.frontDoor(),
        traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
        health: { readiness: { path: "/ready" } },
      }),
    );
    assertWithinTables(recorded);
    assert.equal(all(FD_ENDPOINT)[0]?.inputs.endpointName.length, 46);
  });

  it("a Container App of a long name keeps its revisions and tags within Azure's limits", async () => {
    await deployed(
      new containerApps.CanaryService(LONG, {
        ...ACA,
        traffic: {
          stableVersion: "1.27.3-alpine",
          candidateVersion: "1.28.0-alpine-rc1",
          candidateWeight: 10,
        },
        secretEnv: { DB_PASSWORD: "https://kv.vault.azure.net/secrets/db" },
        keyVaultId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`,
        health: { readiness: { path: "/ready" }, liveness: { path: "/live" } },
      }),
    );
    assertWithinTables(recorded);
  });

  it("a one-letter name gets the 2 characters a Front Door endpoint and a Container App need", async () => {
    await deployed(
      new containerInstances.CanaryService("d", {
        ...ACI,
        version: "v1",
        trafficLayer: TrafficLayer.frontDoor(),
      }),
    );
    await deployed(new containerApps.CanaryService("e", { ...ACA, version: "v1" }));
    assert.equal(all(FD_ENDPOINT)[0]?.inputs.endpointName, "d-fd");
    assertWithinTables(recorded);
  });

  it("takes tags of any object kind (a null-prototype map no longer stalls the Traffic Manager profile)", async () => {
    const tags = Object.assign(Object.create(null) as Record<string, string>, { team: "shop" });
    await deployed(new containerInstances.BlueGreenService("web", { ...ACI, version: "v1", tags }));
    assert.deepEqual(all(TM_PROFILE)[0]?.inputs.tags, { team: "shop" });
  });

  it("refuses tags, a DNS name and an endpoint name Azure would not take, creating nothing", () => {
    assert.deepEqual(
      problemsOf(
        () =>
          new containerInstances.CanaryService("web", {
            ...ACI,
            version: "v1",
            tags: { "cost/center": "42", owner: "x".repeat(300) },
            trafficLayer: TrafficLayer.trafficManager({ dnsName: "shop.prod" }),
          }),
      ),
      [
        'tags.cost/center: is not an Azure tag name (1-512 characters, none of < > % & \\ ? /); use a name such as "team" or "cost-center"',
        "tags.owner: is not an Azure tag value (a string of at most 256 characters); shorten the value",
        'trafficLayer.dnsName: is not a Traffic Manager DNS name (1-63 letters, digits and -, a letter or digit at both ends); use a name such as "shop-prod-eu", unique under trafficmanager.net, or leave it unset',
      ],
    );
    assert.deepEqual(
      problemsOf(
        () =>
          new containerInstances.CanaryService("web", {
            ...ACI,
            version: "v1",
            trafficLayer: TrafficLayer.frontDoor({ endpointName: "a".repeat(47) }),
          }),
      ),
      [
        'trafficLayer.endpointName: is not a Front Door endpoint name (2-46 letters, digits and -, a letter or digit at both ends); use a name such as "shop-web"',
      ],
    );
    assert.equal(recorded.length, 0);
  });

  it("refuses a liveness success threshold other than 1 on Container Apps", () => {
    assert.deepEqual(
      problemsOf(
        () =>
          new containerApps.CanaryService("web", {
            ...ACA,
            version: "v1",
            health: { readiness: { path: "/ready" }, liveness: { path: "/live", successThreshold: 2 } },
          }),
      ),
      [
        "health.liveness.successThreshold: must be 1 on a Container Apps liveness probe; remove successThreshold from the liveness check",
      ],
    );
  });
});
