import * as assert from "node:assert/strict";
import { DEPLOYMENT, find, promiseOf, SERVICE, setTrafficConfig, settle, useMocks } from "./harness";

type Program = typeof import("../../../examples/kubernetes-canary");

/** Runs the example program under the mocks (a Pulumi program runs when it is loaded). */
function load(): Program {
  const path = require.resolve("../../../examples/kubernetes-canary");
  delete require.cache[path];
  return require(path);
}

function images(): { stable: string; canary: string } {
  const image = (role: string) =>
    find(DEPLOYMENT, `hello-${role}`).inputs.spec.template.spec.containers[0].image;
  return { stable: image("stable"), canary: image("canary") };
}

describe("examples/kubernetes-canary", () => {
  beforeEach(useMocks);
  afterEach(() => setTrafficConfig(undefined));

  it("deploys its first version while the stack has no traffic entry", async () => {
    const program = load();
    assert.equal(await promiseOf(program.stableVersion), "1.27-alpine");
    assert.equal(await promiseOf(program.candidate), undefined);
    assert.deepEqual(await promiseOf(program.replicas), { stable: 4, canary: 0 });
    assert.equal(await promiseOf(program.endpoint), "http://hello.default.svc.cluster.local");
    await settle();
    assert.equal(images().stable, "nginxinc/nginx-unprivileged:1.27-alpine");
    assert.deepEqual(find(SERVICE, "hello-service").inputs.spec.selector, { app: "hello" });
  });

  it("builds a replica-ratio canary from its progressive:traffic entry", async () => {
    setTrafficConfig({
      hello: { stableVersion: "1.27-alpine", candidateVersion: "1.27.3-alpine", candidateWeight: 20 },
    });
    const program = load();
    assert.equal(await promiseOf(program.plannedWeight), 20);
    assert.deepEqual(await promiseOf(program.replicas), { stable: 4, canary: 1 });
    await settle();
    assert.deepEqual(images(), {
      stable: "nginxinc/nginx-unprivileged:1.27-alpine",
      canary: "nginxinc/nginx-unprivileged:1.27.3-alpine",
    });
  });
});
