import * as assert from "node:assert/strict";
import {
  all,
  INVOKER,
  nextDeploy,
  promiseOf,
  SECRET_MEMBER,
  serviceOf,
  setTrafficConfig,
  settle,
  useGcpMocks,
} from "./harness";

type Program = typeof import("../../../examples/gcp-cloud-run-canary");

/** Runs the example program under the mocks (a Pulumi program runs when it is loaded). */
function load(): Program {
  const path = require.resolve("../../../examples/gcp-cloud-run-canary");
  delete require.cache[path];
  return require(path);
}

const T = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";

describe("examples/gcp-cloud-run-canary", () => {
  beforeEach(useGcpMocks);
  afterEach(() => setTrafficConfig(undefined));

  it("deploys its first version while the stack has no traffic entry", async () => {
    const program = load();
    assert.equal(await promiseOf(program.stableVersion), "2024-06-01");
    assert.equal(await promiseOf(program.candidate), undefined);
    assert.equal(await promiseOf(program.endpoint), "https://hello-abc123-ew.a.run.app");
    await settle();
    const s = serviceOf("hello").inputs;
    assert.equal(
      s.template.containers[0].image,
      `europe-west1-docker.pkg.dev/acme/hello/app@sha256:${"1".repeat(64)}`,
    );
    assert.deepEqual(s.traffics, [{ type: T, revision: s.template.revision, percent: 100 }]);
    assert.deepEqual(
      all(INVOKER).map((r) => r.inputs.member),
      ["allUsers"],
    );
    assert.deepEqual(
      all(SECRET_MEMBER).map((r) => r.inputs.secretId),
      ["hello-api-key"],
    );
  });

  it("builds the canary split from its progressive:traffic entry", async () => {
    load();
    await settle();
    const stable = serviceOf("hello").inputs.template.revision;
    await nextDeploy("hello");
    setTrafficConfig({
      hello: { stableVersion: "2024-06-01", candidateVersion: "2024-06-02", candidateWeight: 10 },
    });
    const program = load();
    assert.equal(await promiseOf(program.candidateWeight), 10);
    assert.equal(await promiseOf(program.previewEndpoint), "https://candidate---hello-abc123-ew.a.run.app");
    await settle();
    const s = serviceOf("hello").inputs;
    assert.deepEqual(s.traffics, [
      { type: T, revision: stable, percent: 90 },
      { type: T, revision: s.template.revision, percent: 10, tag: "candidate" },
    ]);
  });
});
