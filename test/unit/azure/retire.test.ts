// The Container Apps control deactivates the revision a settled release took out of traffic, and
// activates one a release brings back before traffic goes there, against a fake client typed by
// @azure/arm-appcontainers. What it must never deactivate: a revision that serves, one that
// carries a label (a blue-green colour, a preview), one of a version in the traffic state.
import * as assert from "node:assert/strict";
import {
  type ContainerAppsClientLike,
  containerAppsControl,
  keepReason,
} from "../../../automation/routers/azure";
import type { RouterDescriptor } from "../../../components/core/contract";
import {
  type CallHook,
  type FakeRevision,
  fakeContainerApps,
  restError,
} from "../../support/fake-container-apps";

const SUB = "00000000-0000-0000-0000-000000000001";
const R1 = "web--v1-aaaaaa";
const R2 = "web--v2-bbbbbb";
const RUNNING: FakeRevision = { active: true, runningState: "Running" };
const INACTIVE: FakeRevision = { active: false, runningState: "Stopped" };
const byHand = (r: string) =>
  `az containerapp revision deactivate --revision ${r} --name web --resource-group rg`;

/** The descriptor after an `up` of a state with `live` versions; the ledger remembers the others. */
function descriptor(live: Record<string, string>, retired: Record<string, string>): RouterDescriptor {
  return {
    kind: "azure-container-apps",
    subscriptionId: SUB,
    resourceGroup: "rg",
    app: "web",
    revisions: live,
    retired,
  };
}

function control(d: RouterDescriptor, client: ContainerAppsClientLike | Error, extra = {}) {
  assert.equal(d.kind, "azure-container-apps");
  return containerAppsControl(d as Extract<RouterDescriptor, { kind: "azure-container-apps" }>, {
    client: async () => {
      if (client instanceof Error) throw client;
      return client;
    },
    timeoutMs: 200,
    startPollMs: 1,
    ...extra,
  });
}

const promoted = descriptor({ v2: R2 }, { v1: R1 });
const reverted = descriptor({ v1: R1 }, { v2: R2 });

describe("azure routers: Container Apps revisions out of traffic", () => {
  it("deactivates the old stable's revision after a promotion", async () => {
    const fake = fakeContainerApps([{ revisionName: R2, weight: 100 }], {
      [R1]: { ...RUNNING },
      [R2]: { ...RUNNING },
    });
    const items = await control(promoted, fake.client).retire?.(["v1"]);
    assert.deepEqual(items, [
      {
        what: `revision ${R1} of Container App rg/web`,
        outcome: "stopped",
        reason: "deactivated: it has no traffic and no label",
      },
    ]);
    assert.deepEqual(fake.calls, ["get rg/web", `getRevision ${R1}`, `deactivate ${R1}`]);
    assert.equal(fake.app.revisions[R1]?.active, false);
    assert.equal(fake.app.revisions[R2]?.active, true, "the serving revision is untouched");
  });

  it("deactivates the candidate's revision after a revert", async () => {
    const fake = fakeContainerApps([{ revisionName: R1, weight: 100 }], {
      [R1]: { ...RUNNING },
      [R2]: { ...RUNNING },
    });
    const items = await control(reverted, fake.client).retire?.(["v2"]);
    assert.deepEqual(
      items?.map((i) => [i.what, i.outcome]),
      [[`revision ${R2} of Container App rg/web`, "stopped"]],
    );
    assert.deepEqual(fake.calls, ["get rg/web", `getRevision ${R2}`, `deactivate ${R2}`]);
  });

  const kept: [string, RouterDescriptor, Parameters<typeof fakeContainerApps>[0], string][] = [
    [
      "a revision the app, read again, sends traffic to",
      promoted,
      [
        { revisionName: R2, weight: 70 },
        { revisionName: R1, weight: 30 },
      ],
      "it serves 30% of traffic",
    ],
    [
      "a labelled revision at 0% (a preview URL)",
      promoted,
      [
        { revisionName: R2, weight: 100 },
        { revisionName: R1, weight: 0, label: "canary" },
      ],
      "it carries the label canary (its preview URL)",
    ],
    [
      "the idle colour of a blue-green app, during its scale-down delay",
      promoted,
      [
        { revisionName: R2, weight: 100, label: "green" },
        { revisionName: R1, weight: 0, label: "blue" },
      ],
      "it carries the label blue (its preview URL)",
    ],
    [
      "any revision while an entry targets latestRevision",
      promoted,
      [{ latestRevision: true, weight: 100 }],
      "a traffic entry targets latestRevision, which may be this revision",
    ],
  ];
  for (const [title, d, traffic, reason] of kept) {
    it(`never deactivates ${title}`, async () => {
      const fake = fakeContainerApps(traffic, { [R1]: { ...RUNNING }, [R2]: { ...RUNNING } });
      const items = await control(d, fake.client).retire?.(["v1"]);
      assert.deepEqual(items, [{ what: `revision ${R1} of Container App rg/web`, outcome: "kept", reason }]);
      assert.deepEqual(fake.calls, ["get rg/web"]);
    });
  }

  it("never deactivates the revision of a version in the traffic state, nor calls Azure for it", async () => {
    const fake = fakeContainerApps([{ revisionName: R2, weight: 100 }], { [R2]: { ...RUNNING } });
    const items = await control(promoted, fake.client).retire?.(["v2", "v9"]);
    assert.deepEqual(items, [
      {
        what: `revision ${R2} of Container App rg/web`,
        outcome: "kept",
        reason: "v2 is in the service's traffic state",
      },
      {
        what: "revision of v9 of Container App rg/web",
        outcome: "absent",
        reason: "the release recorded no revision for v9",
      },
    ]);
    assert.deepEqual(fake.calls, []);
  });

  it("leaves a revision already inactive or gone alone", async () => {
    const inactive = fakeContainerApps([{ revisionName: R2, weight: 100 }], { [R1]: { ...INACTIVE } });
    assert.deepEqual(
      (await control(promoted, inactive.client).retire?.(["v1"]))?.map((i) => [i.outcome, i.reason]),
      [["absent", "it was already inactive"]],
    );
    assert.deepEqual(inactive.calls, ["get rg/web", `getRevision ${R1}`]);
    const gone = fakeContainerApps([{ revisionName: R2, weight: 100 }], {});
    assert.deepEqual(
      (await control(promoted, gone.client).retire?.(["v1"]))?.map((i) => [i.outcome, i.reason]),
      [["absent", "it no longer exists"]],
    );
  });

  const failures: [string, CallHook | Error, string][] = [
    [
      "Azure refuses the deactivation",
      (call) => {
        if (call.startsWith("deactivate")) throw restError(403, "AuthorizationFailed");
      },
      `could not deactivate revision ${R1} of Container App rg/web: forbidden (403): AuthorizationFailed; grant the driver's identity Contributor (or read and write) on the resource`,
    ],
    [
      "the deactivation hangs past the router's timeout",
      (call) => (call.startsWith("deactivate") ? new Promise<void>(() => undefined) : undefined),
      `could not deactivate revision ${R1} of Container App rg/web: timed out after 200 ms`,
    ],
    [
      "the app cannot be read",
      (call) => {
        if (call.startsWith("get ")) throw restError(500, "InternalServerError");
      },
      "could not read Container App rg/web: Azure answered 500: InternalServerError",
    ],
    [
      "the SDK is not installed",
      new Error("install @azure/arm-appcontainers to release services with router kind azure-container-apps"),
      "install @azure/arm-appcontainers to release services with router kind azure-container-apps",
    ],
  ];
  for (const [title, hook, reason] of failures) {
    it(`says what to run by hand, and never throws, when ${title}`, async () => {
      const fake = fakeContainerApps(
        [{ revisionName: R2, weight: 100 }],
        { [R1]: { ...RUNNING } },
        hook instanceof Error ? undefined : hook,
      );
      const items = await control(promoted, hook instanceof Error ? hook : fake.client).retire?.(["v1"]);
      assert.deepEqual(items, [
        { what: `revision ${R1} of Container App rg/web`, outcome: "failed", reason, command: byHand(R1) },
      ]);
    });
  }

  it("stops at Ctrl-C", async () => {
    const fake = fakeContainerApps([{ revisionName: R2, weight: 100 }], { [R1]: { ...RUNNING } });
    const items = await control(promoted, fake.client).retire?.(["v1"], AbortSignal.abort());
    assert.deepEqual(
      items?.map((i) => [i.outcome, i.reason]),
      [["failed", "aborted by the caller"]],
    );
    assert.equal(fake.app.revisions[R1]?.active, true);
  });

  it("keepReason reads only the revision asked about", () => {
    assert.equal(keepReason([{ revisionName: R2, weight: 100, label: "green" }], R1), undefined);
    assert.equal(keepReason([], R1), undefined);
  });
});

describe("azure routers: Container Apps revisions brought back", () => {
  it("activates an inactive revision before traffic goes there, and waits until it runs", async () => {
    let reads = 0;
    const fake = fakeContainerApps([{ revisionName: R2, weight: 100 }], { [R1]: { ...INACTIVE } }, (call) => {
      // Processing on the first two reads after the activation, then Running.
      if (call === `getRevision ${R1}` && fake.app.revisions[R1]?.active && ++reads === 3)
        Object.assign(fake.app.revisions[R1], { runningState: "Running" });
    });
    const r = await control(promoted, fake.client).activate?.({ stableVersion: "v1", candidateWeight: 0 });
    assert.deepEqual(r, { applied: true, started: [`revision ${R1} of Container App rg/web`] });
    assert.deepEqual(fake.calls, [
      `getRevision ${R1}`,
      `activate ${R1}`,
      `getRevision ${R1}`,
      `getRevision ${R1}`,
      `getRevision ${R1}`,
    ]);
  });

  it("leaves active revisions, new versions and revisions not found to the up", async () => {
    const fake = fakeContainerApps([{ revisionName: R1, weight: 100 }], { [R1]: { ...RUNNING } });
    const r = await control(reverted, fake.client).activate?.({
      stableVersion: "v1",
      candidateVersion: "v3",
      candidateWeight: 0,
    });
    assert.deepEqual(r, { applied: true, started: [] });
    assert.deepEqual(fake.calls, [`getRevision ${R1}`]);
    const gone = fakeContainerApps([], {});
    assert.deepEqual(
      await control(reverted, gone.client).activate?.({ stableVersion: "v2", candidateWeight: 0 }),
      {
        applied: true,
        started: [],
      },
    );
  });

  it("is not applied when the revision fails to start or does not run in time", async () => {
    const failing = fakeContainerApps([], { [R1]: { ...INACTIVE } }, (call) => {
      if (call === `getRevision ${R1}` && failing.app.revisions[R1]?.active)
        Object.assign(failing.app.revisions[R1], {
          runningState: "Failed",
          provisioningError: "image not found",
        });
    });
    assert.deepEqual(
      await control(promoted, failing.client).activate?.({ stableVersion: "v1", candidateWeight: 0 }),
      {
        applied: false,
        reason: `revision ${R1} of Container App rg/web failed to start: image not found`,
        started: [],
      },
    );
    const slow = fakeContainerApps([], { [R1]: { ...INACTIVE } });
    const r = await control(promoted, slow.client, { startTimeoutMs: 0 }).activate?.({
      stableVersion: "v1",
      candidateWeight: 0,
    });
    assert.deepEqual(r, {
      applied: false,
      reason: `revision ${R1} of Container App rg/web was activated but did not run within 0 ms (it is Processing)`,
      started: [],
    });
  });
});
