// The driver's release of a Container Apps canary on a fake stack (its `up` writes the ingress
// traffic the component would) and a fake Container Apps client: after a promotion the old
// stable's revision is deactivated, after a revert the candidate's; a deactivation that fails is a
// warning naming the command and leaves the release's outcome alone; a release that brings a
// deactivated revision back activates it before its `up`. The history's report says what happened.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DriverEvent } from "../../../automation/driver/events";
import { buildPlan } from "../../../automation/driver/plan";
import { type ReleaseResult, ReleaseRun, type ReleaseTarget } from "../../../automation/driver/release";
import { describeRetireItem } from "../../../automation/driver/retire";
import { parseSettings } from "../../../automation/driver/settings";
import type { StackHandle, StackService, TrafficEntry } from "../../../automation/driver/stack";
import { StackState } from "../../../automation/driver/state";
import { containerAppsControl } from "../../../automation/routers/azure";
import { folderStore } from "../../../automation/store/release-store";
import { appTraffic } from "../../../components/azure/containerApps/revisions";
import {
  type CanaryStrategy,
  RELEASE_CONTRACT,
  type ReleaseOutputs,
  type RouterDescriptor,
  resolveStrategy,
} from "../../../components/core";
import {
  type CallHook,
  type FakeRevision,
  fakeContainerApps,
  restError,
} from "../../support/fake-container-apps";

const REV: Record<string, string> = { v1: "web--v1-aaaaaa", v2: "web--v2-bbbbbb" };
const URN = "urn:pulumi:dev::shop::progressive:azure:ContainerAppsCanaryService::web";
const RUNNING: FakeRevision = { active: true, runningState: "Running" };
const STRATEGY = resolveStrategy({ kind: "canary", steps: [{ setWeight: 50 }], checks: [] }, "strategy", []);

/** The release outputs of the component after an `up` of `traffic`; its ledger knows `deployed`. */
function releaseOf(traffic: TrafficEntry, deployed: ReadonlySet<string>): ReleaseOutputs {
  const live = new Set([traffic.stableVersion, traffic.candidateVersion]);
  const known = Object.entries(REV).filter(([v]) => deployed.has(v) || live.has(v));
  const router: RouterDescriptor = {
    kind: "azure-container-apps",
    subscriptionId: "00000000-0000-0000-0000-000000000001",
    resourceGroup: "rg",
    app: "web",
    revisions: Object.fromEntries(known.filter(([v]) => live.has(v))),
    retired: Object.fromEntries(known.filter(([v]) => !live.has(v))),
  };
  return {
    contract: RELEASE_CONTRACT,
    platform: "azure",
    type: "progressive:azure:ContainerAppsCanaryService",
    name: "web",
    service: "web",
    kind: "canary",
    strategy: STRATEGY as CanaryStrategy,
    traffic,
    trafficSource: "config",
    endpoint: "https://web.example.io",
    router,
    metrics: { kind: "azure-monitor-container-apps", resourceId: "/subscriptions/x/web", revisions: {} },
    trafficUrns: [],
  };
}

describe("driver: Container Apps revisions out of traffic", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-retire-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Releases `version` over `stable` on the fake app, whose ledger knows `stable` and `o.deployed`;
   * `onUp` runs before each `up` (it may throw). Returns the result, the Azure calls and `up`s in
   * order, the events, and the report.
   */
  async function release(
    stable: string,
    version: string,
    revisions: Record<string, FakeRevision>,
    o: {
      onCall?: CallHook;
      onUp?: (t: TrafficEntry) => void;
      signal?: AbortSignal;
      deployed?: string[];
    } = {},
  ) {
    let entry: TrafficEntry = { stableVersion: stable, candidateWeight: 0 };
    const deployed = new Set([stable, ...(o.deployed ?? [])]);
    const fake = fakeContainerApps(appTraffic("canary", entry, REV), revisions, o.onCall);
    const service = (): StackService => ({ urn: URN, secrets: {}, release: releaseOf(entry, deployed) });
    const stack = {
      project: "shop",
      name: "dev",
      key: "shop/dev",
      workDir: dir,
      writeTraffic: async (entries: Readonly<Record<string, TrafficEntry>>) => {
        entry = Object.values(entries)[0] as TrafficEntry;
      },
      step: async () => {
        o.onUp?.(entry);
        fake.calls.push(
          `up ${entry.stableVersion}/${entry.candidateVersion ?? "-"}@${entry.candidateWeight}`,
        );
        fake.app.traffic = appTraffic("canary", entry, REV);
        for (const v of [entry.stableVersion, entry.candidateVersion]) if (v) deployed.add(v);
        return new Map([[URN, { release: releaseOf(entry, deployed) }]]);
      },
      service: async () => service(),
    } as unknown as StackHandle;
    const target: ReleaseTarget = {
      stack,
      service: service(),
      settings: parseSettings({}, "dev"),
      state: new StackState(folderStore(path.join(dir, "state")), "shop", "dev"),
    };
    const events: DriverEvent[] = [];
    const plan = buildPlan("dev/web", STRATEGY as CanaryStrategy, entry, version);
    const run = new ReleaseRun(
      target,
      plan,
      { onEvent: (e) => events.push(e), ...(o.signal ? { signal: o.signal } : {}) },
      {
        replaces: null,
        control: (t) =>
          containerAppsControl(t.service.release.router as Parameters<typeof containerAppsControl>[0], {
            client: async () => fake.client,
            timeoutMs: 1000,
            startPollMs: 1,
          }),
      },
    );
    const result: ReleaseResult = await run.run();
    const report = result.reports?.markdown ? fs.readFileSync(result.reports.markdown, "utf8") : "";
    const logs = events.flatMap((e) => (e.type === "log" ? [`${e.level}: ${e.message}`] : []));
    return { result, calls: fake.calls, fake, events, logs, report };
  }

  it("deactivates the old stable's revision once a promotion has settled, and reports it", async () => {
    const r = await release("v1", "v2", {
      [REV.v1 as string]: { ...RUNNING },
      [REV.v2 as string]: { ...RUNNING },
    });
    assert.equal(r.result.outcome, "promoted");
    const last = r.calls.lastIndexOf("up v2/-@0");
    assert.deepEqual(r.calls.slice(last), [
      "up v2/-@0",
      "get rg/web",
      "get rg/web",
      `getRevision ${REV.v1}`,
      `deactivate ${REV.v1}`,
    ]);
    assert.ok(!r.calls.some((c) => c.startsWith("deactivate") && c.includes(REV.v2 as string)));
    const said = `revision ${REV.v1} of Container App rg/web: deactivated: it has no traffic and no label`;
    assert.ok(r.logs.includes(`info: ${said}`), r.logs.join("\n"));
    assert.match(r.report, new RegExp(`\\| retire: ${said.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\|`));
    // The control follows each `up`'s descriptor: the 50% step reads back verified, by revision.
    const at50 = r.events.find((e) => e.type === "trafficApplied" && e.traffic.candidateWeight === 50);
    assert.ok(at50?.type === "trafficApplied" && at50.verified, JSON.stringify(at50));
  });

  it("warns with the command to run by hand when the deactivation fails, and still promotes", async () => {
    const r = await release(
      "v1",
      "v2",
      { [REV.v1 as string]: { ...RUNNING }, [REV.v2 as string]: { ...RUNNING } },
      {
        onCall: (call) => {
          if (call.startsWith("deactivate")) throw restError(403, "AuthorizationFailed");
        },
      },
    );
    assert.equal(r.result.outcome, "promoted");
    const byHand = `az containerapp revision deactivate --revision ${REV.v1} --name web --resource-group rg`;
    const warning = r.logs.find((l) => l.startsWith("warn:") && l.includes(byHand));
    assert.ok(warning, r.logs.join("\n"));
    assert.match(warning, /keeps running: could not deactivate .* forbidden \(403\)/);
    assert.match(r.report, /\| retire: revision web--v1-aaaaaa .* keeps running: .* \| error \|/);
    assert.match(r.report, /: promoted/);
  });

  it("deactivates the candidate's revision after a revert, even when Ctrl-C asked for the revert", async () => {
    const ctrlC = new AbortController();
    const r = await release(
      "v1",
      "v2",
      { [REV.v1 as string]: { ...RUNNING }, [REV.v2 as string]: { ...RUNNING } },
      {
        signal: ctrlC.signal,
        onUp: (t) => {
          if (t.candidateWeight !== 50) return;
          ctrlC.abort(new Error("interrupted (SIGINT)"));
          throw new Error("up cancelled");
        },
      },
    );
    assert.equal(r.result.outcome, "reverted");
    assert.equal(r.result.reason, "aborted: interrupted (SIGINT)", "the aborted signal decides the reason");
    assert.ok(ctrlC.signal.aborted);
    const last = r.calls.lastIndexOf("up v1/-@0");
    assert.deepEqual(r.calls.slice(last + 1), [
      "get rg/web",
      "get rg/web",
      `getRevision ${REV.v2}`,
      `deactivate ${REV.v2}`,
    ]);
    assert.equal(r.fake.app.revisions[REV.v1 as string]?.active, true);
  });

  it("activates a deactivated revision before the up that brings its version back", async () => {
    const v1: FakeRevision = { active: false, runningState: "Stopped" };
    let reads = 0;
    const r = await release(
      "v2",
      "v1",
      { [REV.v1 as string]: v1, [REV.v2 as string]: { ...RUNNING } },
      {
        deployed: ["v1"],
        onCall: (call) => {
          // The revision runs on the second read after its activation (the fake keeps `v1` itself).
          if (call === `getRevision ${REV.v1}` && v1.active && ++reads === 2)
            Object.assign(v1, { runningState: "Running" });
        },
      },
    );
    assert.equal(r.result.outcome, "promoted");
    const activated = r.calls.indexOf(`activate ${REV.v1}`);
    assert.ok(activated >= 0 && activated < r.calls.indexOf("up v2/v1@0"), r.calls.join("\n"));
    assert.ok(
      r.logs.includes(
        `info: revision ${REV.v1} of Container App rg/web runs again (a past release had stopped it)`,
      ),
    );
    assert.ok(r.calls.includes(`deactivate ${REV.v2}`), "the old stable is deactivated after the promotion");
  });

  it("describes an item that keeps running with its command", () => {
    assert.equal(
      describeRetireItem({
        what: "revision r of Container App rg/web",
        outcome: "failed",
        reason: "timed out",
        command: "az x",
      }),
      "revision r of Container App rg/web keeps running: timed out; stop it by hand: az x",
    );
    assert.equal(
      describeRetireItem({ what: "revision r", outcome: "kept", reason: "it serves 30% of traffic" }),
      "revision r: it serves 30% of traffic",
    );
  });
});
