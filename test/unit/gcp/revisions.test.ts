import * as assert from "node:assert/strict";
import { type RollingStrategy, resolveStrategy, Strategy } from "../../../components/core";
import {
  LEDGER_ANNOTATION,
  LEDGER_LIMIT,
  parseLedger,
  planRevisions,
  type RevisionLedger,
  revisionName,
  rollingAsCanary,
  rollingStepPercent,
  rollingWeights,
} from "../../../components/gcp";

const name = (v: string) => `web-${v}-cfg`;
const ledger = (template: string, versions: string[]): RevisionLedger => ({
  v: 1,
  template: { version: template, revision: name(template) },
  revisions: Object.fromEntries(versions.map((v) => [v, name(v)])),
  created: versions.map(name),
});

describe("gcp revisions", () => {
  it("names a revision <service>-<version>-<hash> within 63 characters", () => {
    assert.match(revisionName("web", "v1.4.2", { image: "a" }), /^web-v1-4-2-[0-9a-f]{6}$/);
    assert.match(revisionName("web", "2024.05", { image: "a" }), /^web-x-2024-05-[0-9a-f]{6}$/);
    const long = revisionName("a".repeat(49), "release-candidate-with-a-long-label", {});
    assert.ok(long.length <= 63, long);
    assert.ok(long.startsWith(`${"a".repeat(49)}-`));
    assert.match(long, /^[a-z]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("hashes the config whatever the key order, and changes with any of it", () => {
    const a = revisionName("web", "v1", {
      image: "i",
      env: [{ name: "A", value: "1" }],
      scaling: { min: 0, max: 2 },
    });
    const b = revisionName("web", "v1", {
      scaling: { max: 2, min: 0 },
      env: [{ value: "1", name: "A" }],
      image: "i",
    });
    const c = revisionName("web", "v1", {
      image: "i",
      env: [{ name: "A", value: "2" }],
      scaling: { min: 0, max: 2 },
    });
    assert.equal(a, b);
    assert.notEqual(a, c);
    // Versions that make the same label still get different names.
    assert.notEqual(revisionName("web", "v1.2", {}), revisionName("web", "v1-2", {}));
  });

  const cases: [
    string,
    Parameters<typeof planRevisions>[0],
    { template: string; kept: boolean; revisions: Record<string, string> },
  ][] = [
    [
      "first deploy",
      { live: ["v1"], proposed: "v1", nameFor: name },
      { template: "v1", kept: false, revisions: { v1: name("v1") } },
    ],
    [
      "new candidate",
      { live: ["v1", "v2"], proposed: "v2", nameFor: name, ledger: ledger("v1", ["v1"]) },
      { template: "v2", kept: false, revisions: { v1: name("v1"), v2: name("v2") } },
    ],
    [
      "revert to an existing revision",
      { live: ["v1"], proposed: "v1", nameFor: name, ledger: ledger("v2", ["v1", "v2"]) },
      { template: "v2", kept: true, revisions: { v1: name("v1") } },
    ],
    [
      "blue-green switch (proposed = old version)",
      { live: ["v1", "v2"], proposed: "v1", nameFor: name, ledger: ledger("v2", ["v1", "v2"]) },
      { template: "v2", kept: true, revisions: { v1: name("v1"), v2: name("v2") } },
    ],
    [
      "stable served by the revision that exists, not today's name",
      { live: ["v1", "v2"], proposed: "v2", nameFor: (v) => `${name(v)}-new`, ledger: ledger("v1", ["v1"]) },
      { template: "v2", kept: false, revisions: { v1: name("v1"), v2: `${name("v2")}-new` } },
    ],
  ];
  for (const [title, input, expected] of cases) {
    it(`plans revisions: ${title}`, () => {
      const plan = planRevisions(input);
      assert.equal(plan.templateVersion, expected.template);
      assert.equal(plan.kept, expected.kept);
      assert.deepEqual(plan.revisions, expected.revisions);
      assert.equal(plan.ledger.template.revision, plan.templateRevision);
      assert.ok(plan.ledger.created.includes(plan.templateRevision));
    });
  }

  it("keeps at most LEDGER_LIMIT created names, newest last", () => {
    const versions = Array.from({ length: LEDGER_LIMIT + 5 }, (_, i) => `v${i}`);
    const plan = planRevisions({
      live: ["new"],
      proposed: "new",
      nameFor: name,
      ledger: ledger("v0", versions),
    });
    assert.equal(plan.ledger.created.length, LEDGER_LIMIT);
    assert.equal(plan.ledger.created.at(-1), name("new"));
  });

  it("reads a ledger back and ignores anything else", () => {
    const l = ledger("v2", ["v1", "v2"]);
    assert.deepEqual(parseLedger({ [LEDGER_ANNOTATION]: JSON.stringify(l) }), l);
    assert.equal(parseLedger(undefined), undefined);
    assert.equal(parseLedger({ [LEDGER_ANNOTATION]: "{" }), undefined);
    assert.equal(parseLedger({ [LEDGER_ANNOTATION]: JSON.stringify({ ...l, v: 2 }) }), undefined);
    assert.equal(parseLedger({ [LEDGER_ANNOTATION]: JSON.stringify({ ...l, created: [1] }) }), undefined);
  });
});

describe("gcp rolling as traffic steps", () => {
  const rolling = (props: Parameters<typeof Strategy.rolling>[0]) =>
    resolveStrategy(Strategy.rolling(props), "strategy", []) as RollingStrategy;

  const table: [string, Parameters<typeof Strategy.rolling>[0], number, number[]][] = [
    ["defaults", {}, 25, [25, 50, 75, 100]],
    ["surge wins", { maxSurge: "40%", maxUnavailable: "10%" }, 40, [40, 80, 100]],
    ["unavailable wins", { maxSurge: "0%", maxUnavailable: "30%" }, 30, [30, 60, 90, 100]],
    ["all at once", { maxSurge: "100%" }, 100, [100]],
    [
      "counts count as 0, at least 1 %",
      { maxSurge: 0, maxUnavailable: "0%" as const },
      1,
      Array.from({ length: 100 }, (_, i) => i + 1),
    ],
  ];
  for (const [title, props, step, weights] of table) {
    it(`steps: ${title}`, () => {
      const r = { maxSurge: props?.maxSurge ?? "25%", maxUnavailable: props?.maxUnavailable ?? "25%" };
      assert.equal(rollingStepPercent(r as RollingStrategy), step);
      assert.deepEqual(rollingWeights(step), weights);
    });
  }

  it("bakes readinessDelay after each weight below 100; none when it is 0", () => {
    const steps = rollingAsCanary(
      rolling({ maxSurge: "50%", readinessDelay: "2m", progressDeadline: "10m" }),
    );
    assert.deepEqual(steps, {
      kind: "canary",
      steps: [
        { kind: "setWeight", weight: 50 },
        { kind: "pause", durationSeconds: 120 },
        { kind: "setWeight", weight: 100 },
      ],
      checks: [],
      progressDeadlineSeconds: 600,
    });
    assert.deepEqual(rollingAsCanary(rolling({ maxSurge: "50%", readinessDelay: 0 })).steps, [
      { kind: "setWeight", weight: 50 },
      { kind: "setWeight", weight: 100 },
    ]);
  });
});
