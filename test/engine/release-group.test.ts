// Release groups end to end: two local canary services of one stack (web and api, the fixture
// test/engine/fixtures/release-group) released as one, under load, on a real engine.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { statusLines } from "../../automation/cli";
import {
  abortCommand,
  planCommand,
  releaseCommand,
  type StatusReport,
  statusCommand,
} from "../../automation/driver/commands";
import type { DriverEvent } from "../../automation/driver/events";
import { configJson, type FastConfigOptions, fastCanaryValues } from "../../harness/demo-config";
import { LoadGenerator } from "../../harness/load";
import { withProgramStack } from "../support/driver-stack";
import { type EngineInfo, requireEngine } from "../support/engine";

const FIXTURE = path.join(__dirname, "fixtures", "release-group");
const PROJECT = "engine-release-group";
const STEPS: FastConfigOptions["steps"] = [
  { setWeight: 20 },
  { analysis: {} },
  { setWeight: 50 },
  { analysis: {} },
  { setWeight: 100 },
];

/** The fixture's config: one strategy for both services, `api` bad at v3, the group `checkout`. */
function config(steps: FastConfigOptions["steps"] = STEPS): string {
  const { strategy } = fastCanaryValues({ steps, intervalSeconds: 1 });
  return configJson(PROJECT, {
    strategy: strategy ?? null,
    bad: { api: "v3" },
    "progressive:release": { drift: "off", groups: { checkout: ["web", "api"] } },
  });
}

/** Each service's name, phase, traffic entry's weight and router's weight read back (or why not). */
function rows(status: StatusReport): unknown[][] {
  return status.services.map((x) => [
    x.name,
    x.journal?.phase,
    x.traffic.candidateWeight,
    x.router.verified ? x.router.candidateWeight : x.router.reason,
  ]);
}

/** Resolves once `load` has answered `n` more requests than now (the load runs meanwhile). */
async function moreRequests(load: LoadGenerator, n: number): Promise<void> {
  const until = load.sent + n;
  while (load.sent < until) await new Promise((r) => setTimeout(r, 50));
}

describe("release groups (engine tier, local platform)", function () {
  this.timeout(900_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("promotes a good group in one up per step; a bad member reverts both, and the good one serves without a failed request after", async () => {
    await withProgramStack(engine, { dir: FIXTURE, configJson: config() }, async (s) => {
      const web = new LoadGenerator(s.endpoint, { ratePerSecond: 30, maxMs: 600_000 });
      const api = new LoadGenerator(String(s.outputs.apiEndpoint), { ratePerSecond: 30, maxMs: 600_000 });
      web.start();
      api.start();
      try {
        const o = { stateDir: s.stateDir };
        const plan = await planCommand({ ...s.target, service: "web" }, "v2");
        const ups = plan.actions.filter((a) => "traffic" in a).length;
        const updates = async () => (await s.stack.history()).filter((h) => h.kind === "update").length;

        // A good group: both promoted, each step one `up` that writes both entries.
        const before = await updates();
        const events: DriverEvent[] = [];
        const good = await releaseCommand({ ...s.target, group: "checkout" }, "v2", {
          ...o,
          onEvent: (e) => events.push(e),
        });
        assert.equal(good.outcome, "promoted", JSON.stringify(good));
        assert.deepEqual(
          good.members?.map((m) => [m.service, m.traffic]),
          [
            ["web", { stableVersion: "v2", candidateWeight: 0 }],
            ["api", { stableVersion: "v2", candidateWeight: 0 }],
          ],
        );
        assert.equal((await updates()) - before, ups, `one up per traffic step (${ups}), not one per member`);
        const applied = events.filter((e) => e.type === "trafficApplied");
        assert.equal(applied.length, 2 * ups, "each up verified on both members");
        assert.ok(
          applied.every((e) => e.type === "trafficApplied" && e.verified),
          "every step read back",
        );
        const judged = events.flatMap((e) => (e.type === "analysisDone" ? [e.releaseId] : []));
        assert.equal(new Set(judged).size, 2, "both members' checks judged at each analysis step");
        assert.deepEqual(await web.probe(20), { v2: 20 });
        assert.deepEqual(await api.probe(20), { v2: 20 });

        // Status names the group in each member's journal.
        const status = await statusCommand({ ...s.target, group: "checkout" }, o);
        assert.deepEqual(
          status.services.map((x) => [
            x.name,
            x.journal?.phase,
            x.journal?.group?.name,
            x.journal?.group?.members,
          ]),
          [
            ["web", "succeeded", "checkout", ["web", "api"]],
            ["api", "succeeded", "checkout", ["web", "api"]],
          ],
        );
        assert.equal(status.services[0]?.journal?.group?.id, good.releaseId);
        assert.ok(
          statusLines(status).some((l) =>
            l.includes(`one of release group checkout ${good.releaseId} (web, api)`),
          ),
          statusLines(status).join("\n"),
        );

        // Only api is bad at v3: the failure of its checks reverts both, in one revert.
        const bad = await releaseCommand({ ...s.target, service: "web,api" }, "v3", o);
        assert.equal(bad.outcome, "reverted", JSON.stringify(bad));
        assert.match(bad.reason ?? "", /^api: analysis failed at step \d+/);
        assert.deepEqual(
          bad.members?.map((m) => [m.service, m.traffic]),
          [
            ["web", { stableVersion: "v2", candidateWeight: 0 }],
            ["api", { stableVersion: "v2", candidateWeight: 0 }],
          ],
        );
        assert.ok((api.byVersion.v3 ?? 0) > 0, "the bad version did receive canary traffic");
        assert.ok((web.byVersion.v3 ?? 0) > 0, "the good member's candidate had traffic too, then went back");
        const after = { web: web.failed, api: api.failed };
        await Promise.all([moreRequests(web, 100), moreRequests(api, 100)]);
        assert.equal(web.failed, 0, `no request to web failed, before or after the revert: ${web.summary()}`);
        assert.equal(api.failed, after.api, `no request to api failed after the revert: ${api.summary()}`);
        assert.deepEqual(await web.probe(20), { v2: 20 });
        assert.deepEqual(await api.probe(20), { v2: 20 });
        const reverted = await statusCommand({ ...s.target, service: "web,api" }, o);
        for (const svc of reverted.services) {
          assert.equal(svc.journal?.phase, "reverted", svc.name);
          assert.ok(
            svc.router.verified && svc.router.candidateWeight === 0,
            `${svc.name}: ${JSON.stringify(svc.router)}`,
          );
        }
      } finally {
        await Promise.all([web.stop(), api.stop()]);
      }
    });
  });

  it("a paused group: status shows every member paused in the group; abort naming one member reverts both", async () => {
    const steps: FastConfigOptions["steps"] = [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }];
    await withProgramStack(engine, { dir: FIXTURE, configJson: config(steps) }, async (s) => {
      const o = { stateDir: s.stateDir };
      const paused = await releaseCommand({ ...s.target, group: "checkout" }, "v2", o);
      assert.equal(paused.outcome, "paused", JSON.stringify(paused));
      const status = await statusCommand({ ...s.target, group: "checkout" }, o);
      assert.deepEqual(rows(status), [
        ["web", "paused", 20, 20],
        ["api", "paused", 20, 20],
      ]);
      // A new release of one member is refused while its group release is open, naming the group.
      await assert.rejects(
        releaseCommand({ ...s.target, service: "api" }, "v3", o),
        /is paused for a decision on service api; run progressive promote --group checkout .* or progressive abort --group checkout/,
      );
      const aborted = await abortCommand({ ...s.target, service: "web" }, { ...o, actor: "tester" });
      assert.equal(aborted.outcome, "reverted", JSON.stringify(aborted));
      assert.deepEqual(
        aborted.members?.map((m) => [m.service, m.traffic]),
        [
          ["web", { stableVersion: "v1", candidateWeight: 0 }],
          ["api", { stableVersion: "v1", candidateWeight: 0 }],
        ],
      );
      const after = await statusCommand({ ...s.target, service: "web,api" }, o);
      assert.deepEqual(rows(after), [
        ["web", "reverted", 0, 0],
        ["api", "reverted", 0, 0],
      ]);
    });
  });
});
