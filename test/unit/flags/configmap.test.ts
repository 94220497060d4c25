// The Kubernetes flag store as a router, against the fake API server: the ConfigMap's flagd
// document read back, and the brake's merge patch (guarded by resourceVersion) to the default
// variant for everyone.
import * as assert from "node:assert/strict";
import { routerControl } from "../../../automation/routers";
import { flagdDocument, flagdFlag, flagdText } from "../../../components/core";
import { type FakeKube, startFakeKube } from "../routers/fake-kube";

describe("flags: ConfigMap flag store (fake API server)", function () {
  this.timeout(30_000);
  let fake: FakeKube;
  before(async () => {
    fake = await startFakeKube();
  });
  after(async () => {
    await fake.close();
  });

  it("reads the share back and the brake writes the default variant for everyone", async () => {
    const spec = { key: "new-checkout", variants: { on: true, off: false } };
    const state = { stableVersion: "off", candidateVersion: "on", candidateWeight: 25 };
    await fake.put({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "new-checkout-flag", namespace: "shop" },
      data: { "flags.flagd.json": flagdText(flagdDocument({ "new-checkout": flagdFlag(spec, state) })) },
    });
    const control = routerControl(
      {
        kind: "kubernetes-flag-configmap",
        namespace: "shop",
        name: "new-checkout-flag",
        key: "flags.flagd.json",
        flag: "new-checkout",
      },
      {},
      { kubeconfig: fake.kubeconfig },
    );
    const reading = await control.read(state);
    assert.ok(reading.verified, reading.verified ? "" : reading.reason);
    assert.equal(reading.candidateWeight, 25);
    assert.deepEqual(await control.sendAllToStable({ ...state, candidateWeight: 0 }, "on"), {
      applied: true,
    });
    const cm = await fake.get("ConfigMap", "shop", "new-checkout-flag");
    assert.ok(cm, "the ConfigMap is there");
    const doc = JSON.parse(String((cm.data as Record<string, string>)["flags.flagd.json"]));
    assert.deepEqual(doc.flags["new-checkout"], {
      state: "ENABLED",
      variants: spec.variants,
      defaultVariant: "off",
    });
    const patch = fake.requests.find((r) => r.method === "PATCH");
    assert.ok(patch, "the brake patched the ConfigMap");
    assert.equal(patch.contentType, "application/merge-patch+json");
    const sent = patch.body as { metadata?: { resourceVersion?: unknown } };
    assert.equal(typeof sent.metadata?.resourceVersion, "string");
  });
});
