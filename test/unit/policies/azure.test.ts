// The policy pack on both Azure platforms: the resources are what the Azure components declare
// (deployed under the Azure mocks), the rules are the pack's own, run as the policy server would.

import * as assert from "node:assert/strict";
import type { StackValidationPolicy } from "@pulumi/policy";
import { containerApps, containerInstances, TrafficLayer } from "../../../components/azure";
import { PLATFORMS, type PlatformMapper } from "../../../policies/platforms";
import { AZURE_TYPES, azure } from "../../../policies/platforms/azure";
import {
  healthChecks,
  minReplicas,
  noPlaintextSecrets,
  publicExposure,
  resourceLimits,
  revertTarget,
} from "../../../policies/rules";
import { deployed, recorded, registeredOutputs, useAzureMocks } from "../azure/harness";
import { type FakeResource, run, stackArgs } from "./util";

const ENV_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env";

/** The stack's resources as the policy server sees them: each child under its component. */
async function stackOf(
  build: () => { release: unknown } & import("@pulumi/pulumi").ComponentResource,
): Promise<FakeResource[]> {
  await useAzureMocks();
  const component = await deployed(build() as never);
  const c = component as unknown as import("@pulumi/pulumi").ComponentResource;
  const outputs = await registeredOutputs(c);
  const type = (await new Promise<string>((r) => c.urn.apply((u) => r(u)))).split("::")[2] as string;
  const name = "web";
  const children = recorded.map((r) => ({ type: r.type, name: r.name, props: r.inputs, parent: name }));
  return [{ type, name, props: outputs }, ...children];
}

async function violations(policy: StackValidationPolicy, resources: FakeResource[], config: object = {}) {
  return (await run(policy, stackArgs(resources, { config }))).violations.map((v) => v.message);
}

describe("policies: azure mapper and rules on Container Apps and Container Instances", () => {
  // The pack registers mappers in policies/platforms/index.ts; until azure is listed there, the
  // test adds it for its own run and removes it after.
  let added = false;
  before(() => {
    if (!PLATFORMS.some((p) => p.platform === "azure")) {
      (PLATFORMS as PlatformMapper[]).push(azure);
      added = true;
    }
  });
  after(() => {
    if (added) (PLATFORMS as PlatformMapper[]).splice(PLATFORMS.indexOf(azure), 1);
  });

  const aca =
    (extra: Partial<containerApps.CanaryServiceArgs> = {}) =>
    () =>
      new containerApps.CanaryService("web", {
        resourceGroupName: "rg",
        environmentId: ENV_ID,
        image: "acme.azurecr.io/web",
        version: "v1",
        health: { readiness: { path: "/ready" }, liveness: { path: "/live" } },
        ...extra,
      });
  const aci =
    (extra: Partial<containerInstances.BlueGreenServiceArgs> = {}) =>
    () =>
      new containerInstances.BlueGreenService("web", {
        resourceGroupName: "rg",
        location: "westeurope",
        image: "acme.azurecr.io/web",
        version: "v1",
        trafficLayer: TrafficLayer.frontDoor(),
        health: { readiness: { path: "/ready" }, liveness: { path: "/live" } },
        ...extra,
      });

  it("maps a Container App: template containers, probes, sizes, minReplicas and its ingress", () => {
    const w = azure.workload({
      type: AZURE_TYPES.containerApp,
      name: "web-app",
      urn: "u",
      props: {
        tags: { "progressive-strategy": "canary" },
        configuration: { ingress: { external: false } },
        template: {
          scale: { minReplicas: 3 },
          containers: [
            {
              name: "app",
              image: "acme.azurecr.io/web:v1",
              env: [
                { name: "A", value: "1" },
                { name: "DB_PASSWORD", secretRef: "db-password" },
              ],
              probes: [{ type: "Readiness" }],
              resources: { cpu: 0.5, memory: "1Gi" },
            },
          ],
        },
      },
    });
    assert.deepEqual(w, {
      platform: "azure",
      type: AZURE_TYPES.containerApp,
      name: "web-app",
      urn: "u",
      supportsLiveness: true,
      strategy: "canary",
      replicas: 3,
      containers: [
        {
          name: "app",
          image: "acme.azurecr.io/web:v1",
          env: [
            { name: "A", source: "value" },
            { name: "DB_PASSWORD", source: "secret", detail: "secretRef" },
          ],
          readiness: true,
          liveness: false,
          resources: { requests: ["cpu", "memory"], limits: ["cpu", "memory"] },
        },
      ],
    });
    assert.equal(
      azure.exposure({
        type: AZURE_TYPES.containerApp,
        name: "web-app",
        urn: "u",
        props: { configuration: { ingress: { external: false } } },
      })?.public,
      false,
    );
  });

  for (const [platform, build, workloadName] of [
    ["Container Apps", aca, "web-app"],
    ["Container Instances", aci, "web-blue"],
  ] as const) {
    it(`${platform}: the component's own output passes health, secrets, limits and revert-target rules`, async () => {
      const stack = await stackOf(build());
      for (const rule of [healthChecks(), noPlaintextSecrets(), resourceLimits(), revertTarget()]) {
        assert.deepEqual(await violations(rule, stack), [], rule.name);
      }
      const plainSecret = await stackOf(build({ env: { API_TOKEN: "tok" }, health: {} }));
      assert.deepEqual(await violations(healthChecks(), plainSecret), [
        `Define a readiness check for container "app" of "${workloadName}" (health.readiness): without one, traffic reaches instances before they are ready.`,
        `Define a liveness check for container "app" of "${workloadName}" (health.liveness): without one, a hung instance is never restarted.`,
      ]);
      assert.deepEqual(await violations(noPlaintextSecrets(), plainSecret), [
        `Read API_TOKEN of container "app" of "${workloadName}" from a secret (secretEnv; valueFrom.secretKeyRef on Kubernetes): it is a plain value.`,
      ]);
    });
  }

  it("Container Apps: secretEnv from Key Vault counts as a secret; external ingress is a public exposure", async () => {
    const stack = await stackOf(
      aca({
        secretEnv: { DB_PASSWORD: "https://kv.vault.azure.net/secrets/db" },
        keyVaultId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
      }),
    );
    assert.deepEqual(await violations(noPlaintextSecrets(), stack), []);
    assert.deepEqual(await violations(minReplicas(), stack), []);
    const exposed = await violations(publicExposure(), stack);
    assert.deepEqual(exposed, [
      `Make the public URL "web-app" internal, or allow service "web" in public-exposure's allowedServices: it exposes "web" publicly.`,
    ]);
    assert.deepEqual(await violations(publicExposure(), stack, { allowedServices: ["web"] }), []);
  });

  it("Container Instances: a group is one instance (min-replicas), its public IP and Front Door are exposures", async () => {
    const stack = await stackOf(aci({ secretEnv: { DB_PASSWORD: "s3cret" } }));
    assert.deepEqual(await violations(noPlaintextSecrets(), stack), []);
    assert.deepEqual(await violations(minReplicas(), stack), [
      'Set replicas of "web" to at least 2 in prod: "web-blue" runs 1.',
    ]);
    const exposed = await violations(publicExposure(), stack);
    assert.deepEqual(
      exposed.map((m) => m.split(" internal")[0]),
      ['Make the public URL "web-blue"', 'Make the public URL "web-front-door-endpoint"'],
    );
  });
});
