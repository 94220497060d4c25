// Property: whatever name and args the Azure components accept (Container Apps; Container
// Instances behind Traffic Manager or Front Door), in every traffic state of their strategy, every
// resource they declare is within the Azure constraint table.

import type * as pulumi from "@pulumi/pulumi";
import * as fc from "fast-check";
import { containerApps, containerInstances, TrafficLayer } from "../../../components/azure";
import { rollPhases } from "../../../components/azure/containerInstances";
import { Strategy } from "../../../components/core";
import { deployed, recorded, SUBSCRIPTION, useAzureMocks } from "../azure/harness";
import {
  blueGreenTraffic,
  canaryTraffic,
  componentName,
  healthUpTo,
  port,
  userTags,
  version,
} from "./arbitraries";
import { accepted, assertNoViolations, check } from "./property";

const FILE = "test/unit/constraints/azure.property.test.ts";
const ENV_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env`;
const VAULT = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`;

const shared = fc.record({
  name: componentName,
  port,
  tags: userTags,
  cpu: fc.constantFrom(0.25, 0.5, 1, 2),
});

async function program(build: () => { release: pulumi.Output<unknown> }): Promise<void> {
  await useAzureMocks();
  let component: { release: pulumi.Output<unknown> } | undefined;
  fc.pre(
    accepted(() => {
      component = build();
    }),
  );
  if (component) await deployed(component);
  assertNoViolations(recorded);
}

/** The Container Apps args of a generated case. */
const apps = fc.record({
  s: shared,
  health: healthUpTo(60),
  replicas: fc.integer({ min: 1, max: 10 }),
  appName: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,15}(-[a-z0-9]{1,8})?$/), { nil: undefined }),
  secrets: fc.boolean(),
});

function appArgs(a: typeof apps extends fc.Arbitrary<infer T> ? T : never) {
  return {
    resourceGroupName: "rg",
    environmentId: ENV_ID,
    image: "acme.azurecr.io/web",
    port: a.s.port,
    cpu: a.s.cpu,
    replicas: a.replicas,
    ...(a.s.tags ? { tags: a.s.tags } : {}),
    ...(a.health ? { health: a.health } : {}),
    ...(a.appName ? { appName: a.appName } : {}),
    ...(a.secrets
      ? { secretEnv: { DB_PASSWORD: "https://kv.vault.azure.net/secrets/db" }, keyVaultId: VAULT }
      : {}),
  };
}

/** The traffic layer: Traffic Manager (default name or a given one, either probe interval) or Front Door. */
const layer = fc.oneof(
  fc.constant(undefined),
  fc
    .record({ probe: fc.constantFrom<10 | 30>(10, 30), ttl: fc.integer({ min: 0, max: 3600 }) })
    .map((o) => TrafficLayer.trafficManager({ probeIntervalSeconds: o.probe, ttlSeconds: o.ttl })),
  fc
    .constantFrom("Standard_AzureFrontDoor", "Premium_AzureFrontDoor")
    .map((sku) => TrafficLayer.frontDoor({ sku: sku as "Standard_AzureFrontDoor" })),
);

function groupArgs(s: typeof shared extends fc.Arbitrary<infer T> ? T : never, trafficLayer: unknown) {
  return {
    resourceGroupName: "rg",
    location: "westeurope",
    image: "acme.azurecr.io/web",
    port: s.port,
    cpu: s.cpu,
    ...(s.tags ? { tags: s.tags } : {}),
    ...(trafficLayer
      ? { trafficLayer: trafficLayer as containerInstances.CanaryServiceArgs["trafficLayer"] }
      : {}),
    secretEnv: { API_KEY: "s3cret" },
  };
}

describe("constraints: Azure components stay within the Azure table for everything they accept", function () {
  this.timeout(120_000);

  it("Container Apps: canary at any weight, blue-green either colour, rolling steps", () =>
    check(
      FILE,
      fc.record({
        a: apps,
        kind: fc.constantFrom("canary", "blueGreen", "rolling"),
        traffic: canaryTraffic,
        colours: blueGreenTraffic,
      }),
      ({ a, kind, traffic, colours }) =>
        program(() =>
          kind === "canary"
            ? new containerApps.CanaryService(a.s.name, { ...appArgs(a), traffic })
            : kind === "blueGreen"
              ? new containerApps.BlueGreenService(a.s.name, { ...appArgs(a), traffic: colours })
              : new containerApps.RollingService(a.s.name, { ...appArgs(a), traffic }),
        ),
    ));

  it("Container Instances: canary and blue-green behind Traffic Manager or Front Door", () =>
    check(
      FILE,
      fc.record({
        s: shared,
        layer,
        blueGreen: fc.boolean(),
        traffic: canaryTraffic,
        colours: blueGreenTraffic,
        health: healthUpTo(240),
      }),
      ({ s, layer, blueGreen, traffic, colours, health }) =>
        program(() => {
          const args = { ...groupArgs(s, layer), ...(health ? { health } : {}) };
          return blueGreen
            ? new containerInstances.BlueGreenService(s.name, { ...args, traffic: colours })
            : new containerInstances.CanaryService(s.name, { ...args, traffic });
        }),
    ));

  /** A roll of 2-6 groups, `perStep` at a time, at one of its states (or before it starts). */
  const roll = fc
    .tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 5 }), version, version)
    .filter(([groups, perStep, a, b]) => perStep < groups && a !== b)
    .chain(([groups, perStep, stable, next]) =>
      fc.constantFrom(undefined, ...rollPhases(groups, perStep).map((p) => p.weight)).map((weight) => ({
        groups,
        perStep,
        traffic:
          weight === undefined
            ? { stableVersion: stable, candidateWeight: 0 }
            : { stableVersion: stable, candidateVersion: next, candidateWeight: weight },
      })),
    );

  it("Container Instances rolling: every state of a roll of any size, or recreate", () =>
    check(
      FILE,
      fc.record({ s: shared, layer, roll, recreate: fc.boolean() }),
      ({ s, layer, roll, recreate }) =>
        program(
          () =>
            new containerInstances.RollingService(s.name, {
              ...groupArgs(s, layer),
              replicas: roll.groups,
              traffic: recreate
                ? { stableVersion: roll.traffic.stableVersion, candidateWeight: 0 }
                : roll.traffic,
              strategy: recreate
                ? Strategy.recreate()
                : Strategy.rolling({ maxSurge: roll.perStep, maxUnavailable: 1 }),
              drainDelay: "1m",
            }),
        ),
    ));
});
