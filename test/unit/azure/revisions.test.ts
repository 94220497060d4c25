import * as assert from "node:assert/strict";
import {
  appTraffic,
  type LedgerState,
  nextLedger,
  revisionSuffix,
  rollingAsCanary,
  rollingStepPercent,
} from "../../../components/azure/containerApps";
import { layerWeight, slotsFor } from "../../../components/azure/containerInstances";
import { type RollingStrategy, resolveStrategy, type TrafficState } from "../../../components/core";

const R = { v1: "web--v1-aaaaaa", v2: "web--v2-bbbbbb" };
const rolling = (input: object) => resolveStrategy({ kind: "rolling", ...input }, "", []) as RollingStrategy;

describe("azure: revision, traffic and slot maths", () => {
  const suffixes: [string, string, string, string][] = [
    ["web", "v1.4.2", "abc123", "v1-4-2-abc123"],
    ["web", "1.27-alpine", "abc123", "v1-27-alpine-abc123"],
    ["web", "Release_2024.01", "abc123", "release-2024-01-abc123"],
    ["a-very-long-container-app-name-x", "v1.2.3-beta.4+build", "abc123", "v1-2-3-beta-4-abc123"],
  ];
  for (const [app, version, hash, want] of suffixes) {
    it(`suffix of ${version} on ${app}: ${want} (revision name at most 54)`, () => {
      const suffix = revisionSuffix(app, version, hash);
      assert.equal(suffix, want);
      assert.ok(`${app}--${suffix}`.length <= 54);
    });
  }

  const traffic: [string, "canary" | "blueGreen" | "rolling", TrafficState, ReturnType<typeof appTraffic>][] =
    [
      [
        "canary, no candidate",
        "canary",
        { stableVersion: "v1", candidateWeight: 0 },
        [{ revisionName: R.v1, weight: 100 }],
      ],
      [
        "canary at 30",
        "canary",
        { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 30 },
        [
          { revisionName: R.v1, weight: 70 },
          { revisionName: R.v2, weight: 30, label: "canary" },
        ],
      ],
      [
        "rolling at 50 (no label)",
        "rolling",
        { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 },
        [
          { revisionName: R.v1, weight: 50 },
          { revisionName: R.v2, weight: 50 },
        ],
      ],
      [
        "blue-green, green active with blue idle",
        "blueGreen",
        { stableVersion: "v2", candidateVersion: "v1", candidateWeight: 0, activeColor: "green" },
        [
          { revisionName: R.v2, weight: 100, label: "green" },
          { revisionName: R.v1, weight: 0, label: "blue" },
        ],
      ],
    ];
  for (const [title, kind, state, want] of traffic) {
    it(`ingress traffic: ${title}`, () => assert.deepEqual(appTraffic(kind, state, R), want));
  }

  const steps: [object, number, number][] = [
    [{}, 4, 25],
    [{}, 2, 50],
    [{ maxSurge: 1 }, 10, 10],
    [{ maxSurge: 0, maxUnavailable: "50%" }, 4, 50],
  ];
  for (const [input, replicas, want] of steps) {
    it(`rolling step of ${JSON.stringify(input)} over ${replicas} replicas: ${want}%`, () => {
      assert.equal(rollingStepPercent(rolling(input), replicas), want);
    });
  }

  it("rolling without bake time has no pauses", () => {
    assert.deepEqual(rollingAsCanary(rolling({ readinessDelay: 0, maxSurge: "50%" }), 2).steps, [
      { setWeight: 50 },
      { setWeight: 100 },
    ]);
  });

  it("the ledger moves the template only for a revision not deployed yet", () => {
    const names = (v2 = "web--v2-bbbbbb") => ({ v1: "web--v1-aaaaaa", v2 });
    let s: LedgerState = nextLedger(undefined, { versions: ["v1"], names: names() });
    assert.deepEqual(s, { templateVersion: "v1", revisions: { v1: "web--v1-aaaaaa" } });
    s = nextLedger(s, { versions: ["v2", "v1"], names: names() });
    assert.equal(s.templateVersion, "v2");
    s = nextLedger(s, { versions: ["v1"], names: names() });
    assert.deepEqual(s, { templateVersion: "v2", revisions: { v1: "web--v1-aaaaaa", v2: "web--v2-bbbbbb" } });
    // The same version with a new config hash is a new revision: the template moves to it.
    s = nextLedger(s, { versions: ["v2", "v1"], names: names("web--v2-cccccc") });
    assert.deepEqual(s, { templateVersion: "v2", revisions: { v2: "web--v2-cccccc", v1: "web--v1-aaaaaa" } });
  });

  it("container group slots and layer weights (0% is disabled, weights 1-1000)", () => {
    assert.deepEqual(
      slotsFor("canary", { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 5 }),
      [
        { slot: "stable", version: "v1", percent: 95 },
        { slot: "canary", version: "v2", percent: 5 },
      ],
    );
    assert.deepEqual(
      slotsFor("blueGreen", { stableVersion: "v1", candidateWeight: 0, activeColor: "green" }),
      [{ slot: "green", version: "v1", percent: 100 }],
    );
    assert.deepEqual(
      [layerWeight(0), layerWeight(5), layerWeight(100)],
      [
        { weight: 1, enabled: false },
        { weight: 50, enabled: true },
        { weight: 1000, enabled: true },
      ],
    );
  });
});
