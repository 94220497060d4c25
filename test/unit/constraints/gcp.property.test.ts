// Property: whatever name and args the Cloud Run components accept, in every traffic state of
// their strategy, every resource they declare is within the Google Cloud constraint table, and two
// services of one project never share a name that must be unique there.

import type * as pulumi from "@pulumi/pulumi";
import * as fc from "fast-check";
import { Strategy } from "../../../components/core";
import { BlueGreenService, CanaryService, type CloudRunArgs, RollingService } from "../../../components/gcp";
import { promiseOf, recorded, settle, useGcpMocks } from "../gcp/harness";
import { blueGreenTraffic, canaryTraffic, componentName, health, port, rollingOptions } from "./arbitraries";
import { accepted, assertNoViolations, check } from "./property";

const FILE = "test/unit/constraints/gcp.property.test.ts";

const shared = fc.record({
  name: componentName,
  serviceName: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,40}[a-z0-9]$/), { nil: undefined }),
  location: fc.constantFrom("europe-west1", "us-central1", "asia-northeast1"),
  project: fc.option(fc.constantFrom("acme-prod", "acme-staging"), { nil: undefined }),
  invokers: fc.oneof(
    fc.constant<"public">("public"),
    fc.constant<string[]>([]),
    fc.constant(["serviceAccount:caller@acme.iam.gserviceaccount.com", "group:ops@acme.com"]),
  ),
  port,
  minInstances: fc.integer({ min: 0, max: 3 }),
  maxInstances: fc.integer({ min: 3, max: 100 }),
  health,
  secretEnv: fc.option(fc.constant({ API_KEY: { secret: "api-key" }, DB: { secret: "db", version: "3" } }), {
    nil: undefined,
  }),
});

type Shared = typeof shared extends fc.Arbitrary<infer T> ? T : never;

function baseArgs(s: Shared): CloudRunArgs {
  return {
    image: "europe-docker.pkg.dev/acme/web/app",
    location: s.location,
    invokers: s.invokers,
    port: s.port,
    minInstances: s.minInstances,
    maxInstances: s.maxInstances,
    ...(s.serviceName ? { serviceName: s.serviceName } : {}),
    ...(s.project ? { project: s.project } : {}),
    ...(s.health ? { health: s.health } : {}),
    ...(s.secretEnv ? { secretEnv: s.secretEnv } : {}),
  };
}

async function program(build: () => { release: pulumi.Output<unknown> }[]): Promise<void> {
  await useGcpMocks();
  let components: { release: pulumi.Output<unknown> }[] = [];
  fc.pre(
    accepted(() => {
      components = build();
    }),
  );
  for (const c of components) await promiseOf(c.release);
  await settle();
  assertNoViolations(recorded);
}

describe("constraints: Cloud Run components stay within the Google Cloud table for everything they accept", function () {
  this.timeout(120_000);

  it("CanaryService: any name, candidate at any weight, promotion", () =>
    check(FILE, fc.record({ s: shared, traffic: canaryTraffic }), ({ s, traffic }) =>
      program(() => [
        new CanaryService(s.name, {
          ...baseArgs(s),
          traffic,
          strategy: Strategy.canary({ headerRoute: false }),
        }),
      ]),
    ));

  it("BlueGreenService and RollingService: either colour, rolling steps or recreate", () =>
    check(
      FILE,
      fc.record({
        s: shared,
        colours: blueGreenTraffic,
        rolling: fc.option(rollingOptions, { nil: undefined }),
        weight: canaryTraffic,
      }),
      ({ s, colours, rolling, weight }) =>
        program(() => [
          new BlueGreenService(s.name, { ...baseArgs(s), traffic: colours }),
          new RollingService(`${s.name}-r`, {
            ...baseArgs({ ...s, serviceName: undefined }),
            traffic: rolling ? weight : { stableVersion: weight.stableVersion, candidateWeight: 0 },
            strategy: rolling
              ? Strategy.rolling({
                  ...rolling,
                  maxSurge: `${Number.parseInt(String(rolling.maxSurge), 10) || 25}%`,
                  maxUnavailable: `${Number.parseInt(String(rolling.maxUnavailable), 10)}%`,
                })
              : Strategy.recreate(),
          }),
        ]),
    ));

  it("two services whose names share a long prefix get names unique in their project", () =>
    check(
      FILE,
      fc
        .record({
          prefix: fc.stringMatching(/^[a-z][a-z0-9-]{24,40}$/),
          a: fc.stringMatching(/^[a-z0-9]{1,4}$/),
          b: fc.stringMatching(/^[a-z0-9]{1,4}$/),
          traffic: canaryTraffic,
        })
        .filter(({ a, b }) => a !== b),
      ({ prefix, a, b, traffic }) =>
        program(() =>
          [a, b].map(
            (suffix) =>
              new CanaryService(`${prefix}-${suffix}`, {
                image: "europe-docker.pkg.dev/acme/web/app",
                location: "europe-west1",
                invokers: "public",
                traffic,
                strategy: Strategy.canary({ headerRoute: false }),
                health: { readiness: { path: "/ready" } },
              }),
          ),
        ),
    ));
});
