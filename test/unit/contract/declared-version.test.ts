// Every service component on every platform, deployed the way a new user writes it: `version` on
// the first deploy, then its `progressive:traffic` entry, which the driver writes and which wins;
// `version` registered as the declared version either way (what `progressive sync` releases). A
// component that dropped its name or version (the local RollingService once did) fails here.
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import * as aws from "../../../components/aws";
import * as azure from "../../../components/azure";
import type { ReleaseOutputs } from "../../../components/core";
import * as gcp from "../../../components/gcp";
import * as kubernetes from "../../../components/kubernetes";
import * as local from "../../../components/local";
import { promiseOf, settle, useMocks } from "../../support/mocks";
import { NETWORK, useAwsMocks } from "../aws/harness";
import { useAzureMocks } from "../azure/harness";
import { useGcpMocks } from "../gcp/harness";
import { setTrafficConfig } from "../kubernetes/harness";
import { useMocks as useLocalMocks } from "../local/pulumi-mocks";

type Component = { readonly release: pulumi.Output<ReleaseOutputs> };

const LOCAL = { command: ["node", "server.js"], stateDir: "/tmp/progressive-unit-state" };
const GCP = {
  location: "asia-northeast1",
  image: "asia-docker.pkg.dev/acme/web/app",
  invokers: [] as string[],
};
const ACA = {
  resourceGroupName: "rg",
  environmentId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env",
  image: "acme.azurecr.io/web",
};
const ACI = { resourceGroupName: "rg", location: "westeurope", image: "acme.azurecr.io/web" };
const K8S = { image: "registry.local/web" };

const cases: [string, () => Promise<void>, (name: string, version: string) => Component][] = [
  ["local CanaryService", useLocalMocks, (n, v) => new local.CanaryService(n, { ...LOCAL, version: v })],
  [
    "local BlueGreenService",
    useLocalMocks,
    (n, v) => new local.BlueGreenService(n, { ...LOCAL, version: v }),
  ],
  ["local RollingService", useLocalMocks, (n, v) => new local.RollingService(n, { ...LOCAL, version: v })],
  ["kubernetes CanaryService", useMocks, (n, v) => new kubernetes.CanaryService(n, { ...K8S, version: v })],
  [
    "kubernetes BlueGreenService",
    useMocks,
    (n, v) => new kubernetes.BlueGreenService(n, { ...K8S, version: v }),
  ],
  ["kubernetes RollingService", useMocks, (n, v) => new kubernetes.RollingService(n, { ...K8S, version: v })],
  ["aws CanaryService", useAwsMocks, (n, v) => new aws.CanaryService(n, { ...NETWORK, version: v })],
  ["aws BlueGreenService", useAwsMocks, (n, v) => new aws.BlueGreenService(n, { ...NETWORK, version: v })],
  ["aws RollingService", useAwsMocks, (n, v) => new aws.RollingService(n, { ...NETWORK, version: v })],
  ["gcp CanaryService", useGcpMocks, (n, v) => new gcp.CanaryService(n, { ...GCP, version: v })],
  ["gcp BlueGreenService", useGcpMocks, (n, v) => new gcp.BlueGreenService(n, { ...GCP, version: v })],
  ["gcp RollingService", useGcpMocks, (n, v) => new gcp.RollingService(n, { ...GCP, version: v })],
  [
    "azure containerApps CanaryService",
    () => useAzureMocks(),
    (n, v) => new azure.containerApps.CanaryService(n, { ...ACA, version: v }),
  ],
  [
    "azure containerApps BlueGreenService",
    () => useAzureMocks(),
    (n, v) => new azure.containerApps.BlueGreenService(n, { ...ACA, version: v }),
  ],
  [
    "azure containerApps RollingService",
    () => useAzureMocks(),
    (n, v) => new azure.containerApps.RollingService(n, { ...ACA, version: v }),
  ],
  [
    "azure containerInstances CanaryService",
    () => useAzureMocks(),
    (n, v) => new azure.containerInstances.CanaryService(n, { ...ACI, version: v }),
  ],
  [
    "azure containerInstances BlueGreenService",
    () => useAzureMocks(),
    (n, v) => new azure.containerInstances.BlueGreenService(n, { ...ACI, version: v }),
  ],
  [
    "azure containerInstances RollingService",
    () => useAzureMocks(),
    (n, v) => new azure.containerInstances.RollingService(n, { ...ACI, version: v }),
  ],
];

describe("every component: version on the first deploy, then its progressive:traffic entry", () => {
  afterEach(() => setTrafficConfig(undefined));

  for (const [title, mocks, build] of cases) {
    it(title, async () => {
      await mocks();
      setTrafficConfig(undefined);
      const first = await promiseOf(build("web", "v1").release);
      await settle();
      assert.equal(first.trafficSource, "version");
      assert.equal(first.traffic.stableVersion, "v1");
      assert.equal(first.declaredVersion, "v1");

      await mocks();
      setTrafficConfig({ web: { stableVersion: "v2", candidateWeight: 0 } });
      const later = await promiseOf(build("web", "v3").release);
      await settle();
      assert.equal(later.trafficSource, "config", "the entry the driver wrote wins over version");
      assert.equal(later.traffic.stableVersion, "v2");
      assert.equal(later.declaredVersion, "v3", "version is what the program declares, for sync");
    });
  }
});

describe("every component: an argument it does not know is an error, not ignored", () => {
  for (const [title, mocks, build] of cases) {
    it(title, async () => {
      await mocks();
      const Component = Object.getPrototypeOf(build("probe", "v1")).constructor as new (
        name: string,
        args: object,
      ) => Component;
      await settle();
      // A typo that a spread (or plain JavaScript) lets through TypeScript.
      assert.throws(
        () => new Component("typo", { ...argsOf(title), version: "v1", replica: 3 }),
        /replica \(3\): is not a known field; remove it or fix its spelling; known fields: /,
      );
    });
  }
});

/** The base args of a case, by its title's platform. */
function argsOf(title: string): object {
  if (title.startsWith("local")) return LOCAL;
  if (title.startsWith("kubernetes")) return K8S;
  if (title.startsWith("aws")) return NETWORK;
  if (title.startsWith("gcp")) return GCP;
  return title.includes("containerApps") ? ACA : ACI;
}
