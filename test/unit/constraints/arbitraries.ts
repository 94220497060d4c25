// Generators of what the components accept: component names (short, long, mixed case, with
// underscores and dots, and the ones clouds reserve), version labels, traffic states of each
// strategy (first deploy, a candidate at any weight, promotion, blue-green colours and idle
// replicas), strategies, health checks and the shared args.

import * as fc from "fast-check";
import type { Color, HealthInput, PercentOrCount, TrafficState } from "../../../components/core";

/** Component names: typical DNS-like, long and mixed, and names some cloud treats specially. */
export const componentName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,22}$/) },
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{20,79}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "internal-api",
      "sg-web",
      "Web_API",
      "x",
      "a--b",
      "9lives",
      "shop.web",
      "aws-x",
    ),
  },
);

/** Version labels (1-63 letters, digits, `.`, `_`, `-`, alphanumeric at both ends). */
export const version: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^v[0-9]{1,2}(\.[0-9]{1,3}){0,2}$/),
  fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/),
);

/** Two different versions. */
const pair = fc.tuple(version, version).filter(([a, b]) => a !== b);

/** Canary traffic: first deploy, a candidate at any weight, the promotion's middle state. */
export const canaryTraffic: fc.Arbitrary<TrafficState> = fc.oneof(
  version.map((v) => ({ stableVersion: v, candidateWeight: 0 })),
  fc
    .tuple(pair, fc.integer({ min: 0, max: 100 }))
    .map(([[s, c], w]) => ({ stableVersion: s, candidateVersion: c, candidateWeight: w })),
  version.map((v) => ({ stableVersion: v, candidateVersion: v, candidateWeight: 100 })),
);

/** Blue-green traffic: either colour active, with or without a candidate on the idle one. */
export const blueGreenTraffic: fc.Arbitrary<TrafficState> = fc.oneof(
  fc
    .tuple(version, fc.constantFrom<Color>("blue", "green"))
    .map(([v, activeColor]) => ({ stableVersion: v, candidateWeight: 0, activeColor })),
  fc.tuple(pair, fc.constantFrom<Color>("blue", "green")).map(([[s, c], activeColor]) => ({
    stableVersion: s,
    candidateVersion: c,
    candidateWeight: 0,
    activeColor,
  })),
);

/** A share of instances: a count or a percentage. */
const percentOrCount: fc.Arbitrary<PercentOrCount> = fc.oneof(
  fc.integer({ min: 0, max: 4 }),
  fc.integer({ min: 0, max: 100 }).map((p): PercentOrCount => `${p}%`),
);

/** Rolling options as percentages or counts (never both 0). */
export const rollingOptions = fc
  .record({
    maxSurge: percentOrCount,
    maxUnavailable: percentOrCount,
    readinessDelay: fc.integer({ min: 0, max: 300 }),
  })
  .filter(
    (o) =>
      !(String(o.maxSurge).replace("%", "") === "0" && String(o.maxUnavailable).replace("%", "") === "0"),
  );

/** An HTTP check's timing: an interval of 5-120 s, a timeout shorter than it, a delay up to `maxDelay`. */
const timing = (maxDelay: number) =>
  fc.integer({ min: 5, max: 120 }).chain((interval) =>
    fc.record({
      interval: fc.constant(interval),
      timeout: fc.integer({ min: 2, max: Math.min(60, interval - 1) }),
      initialDelay: fc.integer({ min: 0, max: maxDelay }),
    }),
  );

const path = fc.stringMatching(/^\/[a-z0-9/_-]{0,30}$/);

/** Health checks with initial delays up to `maxDelay` seconds; a platform refuses what it cannot take. */
export function healthUpTo(maxDelay: number): fc.Arbitrary<HealthInput | undefined> {
  return fc.option(
    fc.record(
      {
        readiness: fc
          .record({ path, timing: timing(maxDelay), failureThreshold: fc.integer({ min: 1, max: 10 }) })
          .map(({ path, timing, failureThreshold }) => ({ path, ...timing, failureThreshold })),
        liveness: fc
          .record({ path, timing: timing(maxDelay) })
          .map(({ path, timing }) => ({ path, ...timing })),
      },
      { requiredKeys: ["readiness"] },
    ),
    { nil: undefined },
  );
}

/** Health checks with delays up to 240 s (the longest every cloud's readiness probe takes). */
export const health = healthUpTo(240);

/** Replica counts. */
export const replicas = fc.integer({ min: 1, max: 12 });

/** Ports. */
export const port = fc.integer({ min: 1, max: 65535 });

/** User tags most clouds take (the platform refuses the rest). */
export const userTags = fc.option(
  fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.stringMatching(/^[A-Za-z0-9 _.-]{0,40}$/), {
    maxKeys: 5,
  }),
  { nil: undefined },
);
