import * as assert from "node:assert/strict";
import { Strategy, ValidationError } from "../../../components/core";
import { RollingService } from "../../../components/kubernetes";
import { DEPLOYMENT, find, HPA, PDB, promiseOf, SERVICE, settle, useMocks } from "./harness";

describe("kubernetes: RollingService", () => {
  beforeEach(useMocks);

  it("uses RollingUpdate with the seed's defaults", async () => {
    const service = new RollingService("api", {
      image: (v) => `registry.local/api@${v}`,
      traffic: { stableVersion: "v7" },
    });
    assert.equal(await promiseOf(service.endpoint), "http://api.default.svc.cluster.local");
    await settle();
    const d = find(DEPLOYMENT, "api-app").inputs;
    assert.equal(d.metadata.name, "api");
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" },
    });
    assert.equal(d.spec.minReadySeconds, 30);
    assert.equal(d.spec.progressDeadlineSeconds, 300);
    assert.equal(d.spec.template.spec.containers[0].image, "registry.local/api@v7");
    assert.equal(d.metadata.annotations["progressive.pulumi.io/strategy"], "rolling");
    assert.deepEqual(find(SERVICE, "api-service").inputs.spec.selector, { app: "api" });
  });

  it("passes explicit parameters through", async () => {
    new RollingService("api", {
      image: "api",
      replicas: 6,
      servicePort: 8080,
      traffic: { stableVersion: "v8", candidateWeight: 0 },
      strategy: Strategy.rolling({
        maxSurge: 2,
        maxUnavailable: 0,
        readinessDelay: "10s",
        progressDeadline: "10m",
      }),
      disruptionBudget: {},
      autoscaling: { minReplicas: 3, maxReplicas: 12 },
    });
    await settle();
    const d = find(DEPLOYMENT, "api-app").inputs;
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 2, maxUnavailable: 0 });
    assert.equal(d.spec.minReadySeconds, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(find(SERVICE, "api-service").inputs.spec.ports[0].port, 8080);
    assert.deepEqual(find(PDB, "api-pdb").inputs.spec, {
      maxUnavailable: 1,
      selector: { matchLabels: { app: "api" } },
    });
    const hpa = find(HPA, "api-hpa").inputs.spec;
    assert.deepEqual([hpa.minReplicas, hpa.maxReplicas, hpa.scaleTargetRef.name], [3, 12, "api"]);
  });

  it("uses Recreate", async () => {
    new RollingService("api", {
      image: "api",
      traffic: { stableVersion: "v8" },
      strategy: Strategy.recreate(),
    });
    await settle();
    const d = find(DEPLOYMENT, "api-app").inputs;
    assert.deepEqual(d.spec.strategy, { type: "Recreate" });
    assert.equal(d.spec.minReadySeconds, undefined);
    assert.equal(d.metadata.annotations["progressive.pulumi.io/strategy"], "recreate");
  });

  it("rejects maxSurge and maxUnavailable both zero, and a candidate weight", () => {
    assert.throws(
      () =>
        new RollingService("api", {
          image: "api",
          traffic: { stableVersion: "v8", candidateVersion: "v9", candidateWeight: 10 },
          strategy: { kind: "rolling", maxSurge: "0%", maxUnavailable: 0 },
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message ===
          [
            'invalid RollingService "api": 2 problems',
            '  - strategy.maxUnavailable (0): must not be 0 when maxSurge is also 0 (no instance could ever be replaced); set maxSurge or maxUnavailable above 0, such as "25%"',
            "  - traffic.candidateWeight (10): must be 0 for a rolling strategy; set stableVersion to the new version and candidateWeight to 0",
          ].join("\n"),
    );
  });

  it("rejects a disruption budget with both limits and an autoscaler below its minimum", () => {
    assert.throws(
      () =>
        new RollingService("api", {
          image: "api",
          traffic: { stableVersion: "v8" },
          disruptionBudget: { minAvailable: 1, maxUnavailable: "10%" },
          autoscaling: { minReplicas: 4, maxReplicas: 2 },
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.problems.map((p) => p.path).join(",") === "autoscaling.maxReplicas,disruptionBudget" &&
        e.message.includes(
          "autoscaling.maxReplicas (2): must be a whole number of at least minReplicas (4); use 4 or more",
        ),
    );
  });
});
