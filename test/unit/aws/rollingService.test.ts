import * as assert from "node:assert/strict";
import { RollingService } from "../../../components/aws";
import { Strategy } from "../../../components/core";
import {
  all,
  containerOf,
  deploy,
  ECS_SERVICE,
  find,
  LISTENER,
  LISTENER_RULE,
  NETWORK,
  promiseOf,
  TARGET_GROUP,
  tgArn,
  useAwsMocks,
} from "./harness";

describe("aws: RollingService", () => {
  beforeEach(useAwsMocks);

  const cases: [
    string,
    ReturnType<typeof Strategy.rolling> | ReturnType<typeof Strategy.recreate>,
    number,
    number,
    number,
  ][] = [
    ["default rolling (25 % / 25 %)", Strategy.rolling(), 75, 125, 30],
    [
      "counts on 4 tasks (1 unavailable, 2 surge)",
      Strategy.rolling({ maxUnavailable: 1, maxSurge: 2, readinessDelay: "45s" }),
      75,
      150,
      45,
    ],
    ["no surge", Strategy.rolling({ maxUnavailable: "50%", maxSurge: 0 }), 50, 100, 30],
    ["recreate", Strategy.recreate(), 0, 100, 0],
  ];
  for (const [title, strategy, min, max, grace] of cases) {
    it(`${title}: min ${min} %, max ${max} %, grace ${grace} s`, async () => {
      const service = await deploy(
        () => new RollingService("web", { ...NETWORK, replicas: 4, version: "v3", strategy }),
      );
      const svc = find(ECS_SERVICE, "web-app").inputs;
      assert.equal(svc.name, "web");
      assert.equal(svc.desiredCount, 4);
      assert.equal(svc.deploymentMinimumHealthyPercent, min);
      assert.equal(svc.deploymentMaximumPercent, max);
      assert.equal(svc.healthCheckGracePeriodSeconds, grace);
      assert.deepEqual(svc.deploymentCircuitBreaker, { enable: true, rollback: true });
      assert.deepEqual(await promiseOf(service.deployment), {
        minimumHealthyPercent: min,
        maximumPercent: max,
      });
    });
  }

  it("forwards to its one target group in the plain form and registers no router", async () => {
    const service = await deploy(() => new RollingService("web", { ...NETWORK, version: "v3" }));
    assert.deepEqual(find(LISTENER, "web-listener").inputs.defaultActions, [
      { type: "forward", targetGroupArn: tgArn("web-app") },
    ]);
    assert.equal(all(TARGET_GROUP).length, 1);
    assert.equal(all(LISTENER_RULE).length, 0);
    assert.equal(containerOf("web-app").image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v3");
    const release = await promiseOf(service.release);
    assert.deepEqual(release.router, { kind: "none" });
    assert.deepEqual(release.metrics, { kind: "none" });
    assert.equal(release.kind, "rolling");
    assert.deepEqual(release.traffic, { stableVersion: "v3", candidateWeight: 0 });
  });
});
