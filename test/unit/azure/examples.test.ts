import * as assert from "node:assert/strict";
import {
  all,
  CONTAINER_APP,
  CONTAINER_GROUP,
  FD_ORIGIN,
  find,
  promiseOf,
  setTrafficConfig,
  settle,
  useAzureMocks,
} from "./harness";

/** Runs an example program under the mocks (a Pulumi program runs when it is loaded). */
function load<T>(dir: string): T {
  const path = require.resolve(`../../../examples/${dir}`);
  delete require.cache[path];
  return require(path) as T;
}

type AcaProgram = typeof import("../../../examples/azure-container-apps-canary");
type AciProgram = typeof import("../../../examples/azure-aci-blue-green");

describe("examples/azure-container-apps-canary", () => {
  afterEach(() => setTrafficConfig(undefined));

  it("deploys its first version, then splits traffic from its progressive:traffic entry", async () => {
    await useAzureMocks();
    const first = load<AcaProgram>("azure-container-apps-canary");
    assert.equal(await promiseOf(first.templateVersion), "1.27-alpine");
    await settle();
    const app = find(CONTAINER_APP, "hello-app").inputs;
    assert.equal(app.template.containers[0].image, "docker.io/nginxinc/nginx-unprivileged:1.27-alpine");
    const stable = app.configuration.ingress.traffic[0].revisionName;
    assert.match(stable, /^hello--v1-27-alpine-[0-9a-f]{6}$/);

    await useAzureMocks(true);
    setTrafficConfig({
      hello: { stableVersion: "1.27-alpine", candidateVersion: "1.27.3-alpine", candidateWeight: 10 },
    });
    const next = load<AcaProgram>("azure-container-apps-canary");
    assert.equal(await promiseOf(next.templateVersion), "1.27.3-alpine");
    await settle();
    const traffic = find(CONTAINER_APP, "hello-app").inputs.configuration.ingress.traffic;
    assert.deepEqual(traffic[0], { revisionName: stable, weight: 90 });
    assert.equal(traffic[1].weight, 10);
    assert.equal(traffic[1].label, "canary");
  });
});

describe("examples/azure-aci-blue-green", () => {
  afterEach(() => setTrafficConfig(undefined));

  it("runs blue behind Front Door, then green as the preview of a candidate", async () => {
    await useAzureMocks();
    const first = load<AciProgram>("azure-aci-blue-green");
    assert.equal(await promiseOf(first.activeColor), "blue");
    await settle();
    assert.deepEqual(
      all(CONTAINER_GROUP).map((g) => g.name),
      ["shop-blue"],
    );
    await useAzureMocks();
    setTrafficConfig({
      shop: { stableVersion: "1.27-alpine", candidateVersion: "1.27.3-alpine", candidateWeight: 0 },
    });
    const next = load<AciProgram>("azure-aci-blue-green");
    assert.match(
      (await promiseOf(next.previewEndpoint)) ?? "",
      /^http:\/\/shop-green\.[0-9a-f]+\.westeurope\.azurecontainer\.io:8080$/,
    );
    await settle();
    assert.deepEqual(
      all(FD_ORIGIN).map((o) => [o.inputs.originName, o.inputs.enabledState]),
      [
        ["shop-blue", "Enabled"],
        ["shop-green", "Disabled"],
      ],
    );
  });
});
