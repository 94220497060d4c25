import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  containerOf,
  ECS_SERVICE,
  find,
  forwardOf,
  LISTENER,
  promiseOf,
  setTrafficConfig,
  settle,
  useAwsMocks,
} from "./harness";

type Program = typeof import("../../../examples/aws-ecs-canary");

/** Runs the example program under the mocks (a Pulumi program runs when it is loaded). */
function load(): Program {
  const path = require.resolve("../../../examples/aws-ecs-canary");
  delete require.cache[path];
  return require(path);
}

function setProgramConfig(values: Record<string, string> | undefined): void {
  const config = pulumi.runtime.allConfig();
  for (const key of ["project:vpcId", "project:subnets", "aws:region"]) delete config[key];
  pulumi.runtime.setAllConfig({ ...config, ...values });
}

describe("examples/aws-ecs-canary", () => {
  beforeEach(async () => {
    await useAwsMocks();
    setProgramConfig({
      "project:vpcId": "vpc-0abc",
      "project:subnets": '["subnet-a","subnet-b"]',
      "aws:region": "eu-west-1",
    });
  });
  afterEach(() => {
    setTrafficConfig(undefined);
    setProgramConfig(undefined);
  });

  it("deploys its first version while the stack has no traffic entry", async () => {
    const program = load();
    assert.equal(await promiseOf(program.stableVersion), "1.27-alpine");
    assert.equal(await promiseOf(program.candidate), undefined);
    assert.deepEqual(await promiseOf(program.replicas), { stable: 2, canary: 0 });
    await settle();
    assert.equal(containerOf("web-stable").image, "public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine");
    assert.deepEqual(find(ECS_SERVICE, "web-stable").inputs.networkConfiguration.subnets, [
      "subnet-a",
      "subnet-b",
    ]);
  });

  it("splits the listener from its progressive:traffic entry", async () => {
    setTrafficConfig({
      web: { stableVersion: "1.27-alpine", candidateVersion: "1.27.3-alpine", candidateWeight: 10 },
    });
    const program = load();
    assert.equal(await promiseOf(program.weight), 10);
    await settle();
    assert.deepEqual(
      forwardOf(LISTENER, "web-listener").targetGroups.map((t) => t.weight),
      [90, 10],
    );
    assert.equal(containerOf("web-canary").image, "public.ecr.aws/nginx/nginx-unprivileged:1.27.3-alpine");
  });
});
