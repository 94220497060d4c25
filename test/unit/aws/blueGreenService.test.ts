import * as assert from "node:assert/strict";
import { BlueGreenService } from "../../../components/aws";
import type { TrafficState } from "../../../components/core";
import {
  all,
  containerOf,
  deploy,
  ECS_SERVICE,
  find,
  forwardOf,
  LB_ID,
  LISTENER,
  LISTENER_RULE,
  listenerArn,
  NETWORK,
  promiseOf,
  REGION,
  SECURITY_GROUP,
  SHARED_LISTENER,
  TASKS,
  tgArn,
  tgSuffix,
  useAwsMocks,
} from "./harness";

const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web";

function counts(): { blue: number; green: number } {
  return {
    blue: find(ECS_SERVICE, "web-blue").inputs.desiredCount,
    green: find(ECS_SERVICE, "web-green").inputs.desiredCount,
  };
}

const weights = (type: string, name: string) =>
  forwardOf(type, name).targetGroups.map((t) => `${t.arn.split("/")[1]}=${t.weight}`);

describe("aws: BlueGreenService (driver-stepped)", () => {
  beforeEach(useAwsMocks);

  const states: [
    string,
    TrafficState & { idleReplicas?: number },
    string[],
    string[],
    { blue: number; green: number },
    [string, string],
  ][] = [
    [
      "first deploy",
      { stableVersion: "v1", candidateWeight: 0 },
      ["web-blue=100", "web-green=0"],
      ["web-blue=0", "web-green=100"],
      { blue: 3, green: 0 },
      ["v1", "v1"],
    ],
    [
      "candidate on the idle colour (preview)",
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0, activeColor: "blue" },
      ["web-blue=100", "web-green=0"],
      ["web-blue=0", "web-green=100"],
      { blue: 3, green: 3 },
      ["v1", "v2"],
    ],
    [
      "switched: green active, blue kept warm",
      { stableVersion: "v2", candidateVersion: "v1", candidateWeight: 0, activeColor: "green" },
      ["web-blue=0", "web-green=100"],
      ["web-blue=100", "web-green=0"],
      { blue: 3, green: 3 },
      ["v1", "v2"],
    ],
    [
      "after the scale-down delay",
      {
        stableVersion: "v2",
        candidateVersion: "v1",
        candidateWeight: 0,
        activeColor: "green",
        idleReplicas: 0,
      },
      ["web-blue=0", "web-green=100"],
      ["web-blue=100", "web-green=0"],
      { blue: 0, green: 3 },
      ["v1", "v2"],
    ],
  ];
  for (const [title, traffic, production, preview, replicas, [blueV, greenV]] of states) {
    it(`${title}: production ${production.join(" ")}, tasks ${replicas.blue}/${replicas.green}`, async () => {
      const service = await deploy(() => new BlueGreenService("web", { ...NETWORK, replicas: 3, traffic }));
      assert.deepEqual(weights(LISTENER, "web-listener"), production);
      assert.deepEqual(weights(LISTENER, "web-preview"), preview);
      assert.deepEqual(counts(), replicas);
      assert.equal(containerOf("web-blue").image, `${IMAGE}:${blueV}`);
      assert.equal(containerOf("web-green").image, `${IMAGE}:${greenV}`);
      assert.deepEqual(await promiseOf(service.replicas), replicas);
      const release = await promiseOf(service.release);
      assert.equal(release.traffic.activeColor, traffic.activeColor ?? "blue");
      assert.equal(release.traffic.idleReplicas, traffic.idleReplicas);
    });
  }

  it("serves the preview on a test listener and registers both colours in the descriptors", async () => {
    const service = await deploy(() => new BlueGreenService("web", { ...NETWORK, version: "v1" }));
    const preview = find(LISTENER, "web-preview").inputs;
    assert.equal(preview.port, 8080);
    assert.deepEqual(
      find(SECURITY_GROUP, "web-alb").inputs.ingress.map((r: { fromPort: number }) => r.fromPort),
      [80, 8080],
    );
    const release = await promiseOf(service.release);
    assert.equal(release.endpoint, `http://web-alb-1234567890.${REGION}.elb.amazonaws.com`);
    assert.equal(release.previewEndpoint, `http://web-alb-1234567890.${REGION}.elb.amazonaws.com:8080`);
    assert.deepEqual(release.router, {
      kind: "aws-alb",
      region: REGION,
      listenerArn: listenerArn("web"),
      targetGroups: { blue: tgArn("web-blue"), green: tgArn("web-green") },
    });
    assert.deepEqual(release.metrics, {
      kind: "cloudwatch-alb",
      region: REGION,
      loadBalancer: `app/web-alb/${LB_ID}`,
      targetGroups: { blue: tgSuffix("web-blue"), green: tgSuffix("web-green") },
    });
    assert.equal(release.kind, "blueGreen");
    assert.deepEqual(await promiseOf(service.serviceNames), { blue: "web-blue", green: "web-green" });
  });

  it("has no preview listener when previewService is off", async () => {
    const service = await deploy(
      () =>
        new BlueGreenService("web", {
          ...NETWORK,
          version: "v1",
          strategy: { kind: "blueGreen", previewService: false },
        }),
    );
    assert.equal(all(LISTENER).length, 1);
    assert.equal(await promiseOf(service.previewEndpoint), undefined);
  });

  it("on a shared listener, previews through a rule with X-Preview: true one priority above", async () => {
    await deploy(
      () =>
        new BlueGreenService("web", {
          ...TASKS,
          traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0, activeColor: "green" },
          securityGroups: ["sg-tasks"],
          listener: {
            listenerArn: SHARED_LISTENER,
            priority: 20,
            conditions: [{ pathPattern: { values: ["/web/*"] } }],
            endpoint: "https://shop.example.com/web",
          },
        }),
    );
    assert.deepEqual(weights(LISTENER_RULE, "web-rule"), ["web-blue=0", "web-green=100"]);
    const preview = find(LISTENER_RULE, "web-preview").inputs;
    assert.equal(preview.priority, 19);
    assert.deepEqual(preview.conditions, [
      { pathPattern: { values: ["/web/*"] } },
      { httpHeader: { httpHeaderName: "X-Preview", values: ["true"] } },
    ]);
    assert.deepEqual(weights(LISTENER_RULE, "web-preview"), ["web-blue=100", "web-green=0"]);
  });
});
