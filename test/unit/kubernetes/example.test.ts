import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYMENT, find, promiseOf, SERVICE, settle, useMocks } from "./harness";

describe("examples/kubernetes-canary", () => {
  beforeEach(useMocks);

  it("builds a replica-ratio canary from stack config", async () => {
    pulumi.runtime.setConfig("project:candidateVersion", "1.27.3-alpine");
    pulumi.runtime.setConfig("project:candidateWeight", "20");
    try {
      // A Pulumi program runs when it is loaded; require() loads it now, under the mocks above.
      const program: typeof import("../../../examples/kubernetes-canary") = require("../../../examples/kubernetes-canary");
      assert.equal(await promiseOf(program.effectiveWeight), 20);
      assert.deepEqual(await promiseOf(program.replicas), { stable: 4, canary: 1 });
      assert.equal(await promiseOf(program.endpoint), "http://hello.default.svc.cluster.local");
      await settle();
      const canary = find(DEPLOYMENT, "hello-canary").inputs;
      assert.equal(
        canary.spec.template.spec.containers[0].image,
        "nginxinc/nginx-unprivileged:1.27.3-alpine",
      );
      assert.deepEqual(find(SERVICE, "hello-service").inputs.spec.selector, { app: "hello" });
    } finally {
      pulumi.runtime.setConfig("project:candidateVersion", "");
      pulumi.runtime.setConfig("project:candidateWeight", "0");
    }
  });
});
