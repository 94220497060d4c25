import * as assert from "node:assert/strict";
import { Check, Strategy, switchColors, type TrafficState, ValidationError } from "../../../components/core";
import { BlueGreenService, type BlueGreenServiceArgs } from "../../../components/kubernetes";
import { all, DEPLOYMENT, find, HPA, PDB, promiseOf, SERVICE, settle, useMocks } from "./harness";

async function deploy(args: Omit<BlueGreenServiceArgs, "image">) {
  const service = new BlueGreenService("shop", {
    image: "ghcr.io/acme/shop:{version}-slim",
    replicas: 3,
    ...args,
  });
  await promiseOf(service.endpoint);
  await settle();
  return service;
}

function colour(color: "blue" | "green") {
  const d = find(DEPLOYMENT, `shop-${color}`).inputs;
  return { replicas: d.spec.replicas, image: d.spec.template.spec.containers[0].image };
}

describe("kubernetes: BlueGreenService", () => {
  beforeEach(useMocks);

  const first: TrafficState = { stableVersion: "v1", candidateWeight: 0, activeColor: "blue" };
  const preview: TrafficState = {
    stableVersion: "v1",
    candidateVersion: "v2",
    candidateWeight: 0,
    activeColor: "blue",
  };
  const promoted = switchColors(preview);
  const rolledBack = switchColors(promoted);

  const states: [
    string,
    TrafficState,
    number | undefined,
    "blue" | "green",
    Record<"blue" | "green", { replicas: number; image: string }>,
  ][] = [
    [
      "only stable",
      first,
      undefined,
      "blue",
      {
        blue: { replicas: 3, image: "ghcr.io/acme/shop:v1-slim" },
        green: { replicas: 0, image: "ghcr.io/acme/shop:v1-slim" },
      },
    ],
    [
      "candidate on preview",
      preview,
      undefined,
      "blue",
      {
        blue: { replicas: 3, image: "ghcr.io/acme/shop:v1-slim" },
        green: { replicas: 3, image: "ghcr.io/acme/shop:v2-slim" },
      },
    ],
    [
      "promoted, old colour warm",
      promoted,
      undefined,
      "green",
      {
        blue: { replicas: 3, image: "ghcr.io/acme/shop:v1-slim" },
        green: { replicas: 3, image: "ghcr.io/acme/shop:v2-slim" },
      },
    ],
    [
      "promoted, old colour scaled down",
      promoted,
      0,
      "green",
      {
        blue: { replicas: 0, image: "ghcr.io/acme/shop:v1-slim" },
        green: { replicas: 3, image: "ghcr.io/acme/shop:v2-slim" },
      },
    ],
    [
      "rolled back",
      rolledBack,
      undefined,
      "blue",
      {
        blue: { replicas: 3, image: "ghcr.io/acme/shop:v1-slim" },
        green: { replicas: 3, image: "ghcr.io/acme/shop:v2-slim" },
      },
    ],
  ];
  for (const [title, traffic, idleReplicas, active, colours] of states) {
    it(`${title}: active ${active}`, async () => {
      const service = await deploy({ traffic, ...(idleReplicas !== undefined ? { idleReplicas } : {}) });
      const idle = active === "blue" ? "green" : "blue";
      assert.deepEqual(find(SERVICE, "shop-service").inputs.spec.selector, { app: "shop", color: active });
      assert.deepEqual(find(SERVICE, "shop-preview").inputs.spec.selector, { app: "shop", color: idle });
      assert.deepEqual({ blue: colour("blue"), green: colour("green") }, colours);
      assert.equal(await promiseOf(service.activeColor), active);
      assert.equal(await promiseOf(service.idleColor), idle);
      assert.deepEqual(await promiseOf(service.replicas), {
        blue: colours.blue.replicas,
        green: colours.green.replicas,
      });
      assert.equal(await promiseOf(service.endpoint), "http://shop.default.svc.cluster.local");
      assert.equal(await promiseOf(service.previewEndpoint), "http://shop-preview.default.svc.cluster.local");
    });
  }

  it("selects pods by colour and records the role on them", async () => {
    await deploy({ traffic: preview });
    const green = find(DEPLOYMENT, "shop-green").inputs;
    assert.equal(green.metadata.name, "shop-green");
    assert.deepEqual(green.spec.selector.matchLabels, { app: "shop", color: "green" });
    assert.deepEqual(green.spec.template.metadata.labels, { app: "shop", color: "green", version: "v2" });
    assert.equal(green.spec.template.metadata.annotations["progressive.pulumi.io/strategy"], "blueGreen");
    assert.equal(green.spec.template.metadata.annotations["progressive.pulumi.io/role"], "green");
  });

  it("creates no preview Service when the preview is off, and targets the active colour with the autoscaler", async () => {
    const service = await deploy({
      traffic: promoted,
      strategy: Strategy.blueGreen({ previewService: false }),
      autoscaling: { maxReplicas: 9 },
      disruptionBudget: { minAvailable: "50%" },
    });
    assert.equal(all(SERVICE).length, 1);
    assert.equal(await promiseOf(service.previewServiceName), undefined);
    assert.equal(find(HPA, "shop-hpa").inputs.spec.scaleTargetRef.name, "shop-green");
    const pdb = find(PDB, "shop-pdb").inputs.spec;
    assert.deepEqual(pdb, { minAvailable: "50%", selector: { matchLabels: { app: "shop" } } });
  });

  it("exposes the resolved strategy for the driver", async () => {
    const service = await deploy({
      traffic: preview,
      strategy: Strategy.blueGreen({
        autoPromote: true,
        scaleDownDelay: "2m",
        prePromotionChecks: [Check.http({ name: "smoke", path: "/smoke" })],
      }),
    });
    const strategy = await promiseOf(service.strategy);
    assert.equal(strategy.autoPromote, true);
    assert.equal(strategy.scaleDownDelaySeconds, 120);
    assert.deepEqual(
      strategy.prePromotionChecks.map((c) => c.name),
      ["smoke"],
    );
  });

  it("rejects auto-promotion without checks, a weight, and a bad idle count", () => {
    assert.throws(
      () =>
        new BlueGreenService("shop", {
          image: "x",
          strategy: Strategy.blueGreen({ autoPromote: true }),
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 50 },
          idleReplicas: -1,
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message ===
          [
            'invalid BlueGreenService "shop": 3 problems',
            "  - traffic.candidateWeight (50): must be 0 for a blueGreen strategy; switch traffic with activeColor and set candidateWeight to 0",
            "  - strategy.autoPromote (true): switches colours without any check (no prePromotionChecks and no health.readiness); add strategy.prePromotionChecks or health.readiness, or set autoPromote to false",
            "  - idleReplicas (-1): must be a whole number of at least 0; use 0 to scale the idle colour down",
          ].join("\n"),
    );
  });

  it("rejects a canary strategy", () => {
    assert.throws(
      () =>
        new BlueGreenService("shop", { image: "x", strategy: Strategy.canary() as never, traffic: first }),
      /strategy\.kind \("canary"\): is not a strategy this component implements; use Strategy\.blueGreen\(\)/,
    );
  });
});
