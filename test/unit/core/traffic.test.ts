import * as assert from "node:assert/strict";
import {
  abortTraffic,
  blueGreenReplicaCounts,
  checkTraffic,
  colorVersions,
  idleColor,
  type Problem,
  promotionSequence,
  type ReplicaCounts,
  replicaRatioCounts,
  replicaRatioWeight,
  replicaRatioWeights,
  retireIdle,
  type StrategyKind,
  snapWeights,
  switchColors,
  type TrafficState,
  weightedReplicaCounts,
} from "../../../components/core";
import { messages } from "./util";

function problemsOf(state: TrafficState | undefined, kind: StrategyKind = "canary"): string[] {
  const problems: Problem[] = [];
  checkTraffic(state, kind, "traffic", problems);
  return messages(problems);
}

describe("core: traffic state", () => {
  it("accepts the usual states", () => {
    assert.deepEqual(problemsOf({ stableVersion: "v1", candidateWeight: 0 }), []);
    assert.deepEqual(
      problemsOf({ stableVersion: "v1.4.2", candidateVersion: "v1.5.0-rc.1", candidateWeight: 25 }),
      [],
    );
    assert.deepEqual(
      problemsOf(
        { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0, activeColor: "green" },
        "blueGreen",
      ),
      [],
    );
  });

  const rejections: [string, TrafficState | undefined, StrategyKind, string[]][] = [
    [
      "a candidate weight without a candidate version",
      { stableVersion: "v1", candidateWeight: 10 },
      "canary",
      [
        "traffic.candidateWeight (10): sends traffic to a candidate, but candidateVersion is not set; set candidateVersion to the version to try, or set candidateWeight to 0",
      ],
    ],
    [
      "a weight above 100",
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 101 },
      "canary",
      ["traffic.candidateWeight (101): must be an integer from 0 to 100; use a weight such as 100"],
    ],
    [
      "a version that is not a label",
      { stableVersion: "ghcr.io/acme/web:1", candidateWeight: 0 },
      "canary",
      [
        'traffic.stableVersion ("ghcr.io/acme/web:1"): is not a version label; use a label such as "v1.4.2" (letters, digits, ".", "_", "-"; at most 63 characters)',
      ],
    ],
    [
      "a weight on a blue-green service",
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 },
      "blueGreen",
      [
        "traffic.candidateWeight (50): must be 0 for a blueGreen strategy; switch traffic with activeColor and set candidateWeight to 0",
      ],
    ],
    [
      "a weight on a rolling service",
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 },
      "rolling",
      [
        "traffic.candidateWeight (50): must be 0 for a rolling strategy; set stableVersion to the new version and candidateWeight to 0",
      ],
    ],
    [
      "an unknown colour",
      { stableVersion: "v1", candidateWeight: 0, activeColor: "red" as never },
      "blueGreen",
      ['traffic.activeColor ("red"): must be "blue" or "green"; use "blue" or "green"'],
    ],
    [
      "no state",
      undefined,
      "canary",
      ['traffic (not set): is required; pass { stableVersion: "v1", candidateWeight: 0 }'],
    ],
  ];
  for (const [title, state, kind, expected] of rejections) {
    it(`rejects ${title}`, () => assert.deepEqual(problemsOf(state, kind), expected));
  }

  it("aborts to weight 0 at once, keeping the candidate", () => {
    const state = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 };
    assert.deepEqual(abortTraffic(state), {
      stableVersion: "v1",
      candidateVersion: "v2",
      candidateWeight: 0,
    });
  });

  it("promotes without sending traffic to a slot that is not running the candidate", () => {
    assert.deepEqual(
      promotionSequence({ stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 }),
      [
        { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 100 },
        { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
        { stableVersion: "v2", candidateWeight: 0 },
      ],
    );
    assert.deepEqual(promotionSequence({ stableVersion: "v1", candidateWeight: 0 }), []);
  });

  it("maps versions to colours and switches them", () => {
    const before: TrafficState = {
      stableVersion: "v1",
      candidateVersion: "v2",
      candidateWeight: 0,
      activeColor: "blue",
    };
    assert.deepEqual(colorVersions(before), { active: "blue", idle: "green", blue: "v1", green: "v2" });
    const after = switchColors(before);
    assert.deepEqual(after, {
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "green",
    });
    // Each colour keeps its version: the switch changes no Deployment, only the Service.
    assert.deepEqual(colorVersions(after), { active: "green", idle: "blue", blue: "v1", green: "v2" });
    assert.deepEqual(switchColors(after), before);
    assert.deepEqual(retireIdle(after), { stableVersion: "v2", candidateWeight: 0, activeColor: "green" });
    assert.deepEqual(colorVersions(retireIdle(after)), {
      active: "green",
      idle: "blue",
      blue: "v2",
      green: "v2",
    });
    assert.equal(idleColor({}), "green");
  });
});

describe("core: replica maths", () => {
  const weighted: [number, number, boolean, ReplicaCounts][] = [
    [10, 0, false, { stable: 10, canary: 0 }],
    [10, 0, true, { stable: 10, canary: 1 }],
    [10, 5, true, { stable: 10, canary: 1 }],
    [10, 25, true, { stable: 10, canary: 3 }],
    [10, 50, true, { stable: 10, canary: 5 }],
    [10, 100, true, { stable: 10, canary: 10 }],
    [3, 10, true, { stable: 3, canary: 1 }],
  ];
  for (const [replicas, weight, candidate, expected] of weighted) {
    it(`weighted router: ${replicas} replicas at ${weight}%${candidate ? "" : " without candidate"} -> ${expected.stable}/${expected.canary}`, () => {
      assert.deepEqual(weightedReplicaCounts(replicas, weight, candidate), expected);
    });
  }

  const ratio: [number, number, ReplicaCounts, number][] = [
    [4, 0, { stable: 4, canary: 0 }, 0],
    [4, 20, { stable: 4, canary: 1 }, 20],
    [4, 33, { stable: 4, canary: 2 }, 33.33],
    [4, 50, { stable: 4, canary: 4 }, 50],
    [4, 100, { stable: 0, canary: 4 }, 100],
    [19, 5, { stable: 19, canary: 1 }, 5],
    [2, 10, { stable: 2, canary: 0 }, 0],
  ];
  for (const [replicas, weight, counts, effective] of ratio) {
    it(`replica ratio: ${replicas} replicas at ${weight}% -> ${counts.stable}/${counts.canary} (${effective}%)`, () => {
      const got = replicaRatioCounts(replicas, weight);
      assert.deepEqual(got, counts);
      assert.equal(Math.round(replicaRatioWeight(got) * 100) / 100, effective);
    });
  }

  it("lists the weights a replica ratio can represent", () => {
    assert.deepEqual(replicaRatioWeights(1), [0, 50, 100]);
    assert.deepEqual(replicaRatioWeights(2), [0, 33, 50, 100]);
    assert.deepEqual(replicaRatioWeights(4), [0, 20, 33, 43, 50, 100]);
  });

  it("snaps default weights onto representable ones", () => {
    assert.deepEqual(snapWeights([5, 10, 25, 50, 100], replicaRatioWeights(2)), [33, 50, 100]);
    assert.deepEqual(snapWeights([5, 10, 25, 50, 100], replicaRatioWeights(4)), [20, 50, 100]);
    assert.deepEqual(snapWeights([5, 10, 25, 50, 100], [0, 100]), [100]);
  });

  it("keeps the idle colour warm while it holds a candidate", () => {
    assert.deepEqual(blueGreenReplicaCounts(3, true), { active: 3, idle: 3 });
    assert.deepEqual(blueGreenReplicaCounts(3, false), { active: 3, idle: 0 });
    assert.deepEqual(blueGreenReplicaCounts(3, true, 0), { active: 3, idle: 0 });
  });
});
