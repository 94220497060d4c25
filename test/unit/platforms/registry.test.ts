// The platform registry: one module per platform, what the driver asks of it (router controls by
// kind, who moves the traffic, take-over work), and the local platform's reading of the state
// for the daemons it owns.
import * as assert from "node:assert/strict";
import { STEP_LOCK_TIMEOUT_MS, trafficNotTaken } from "../../../automation/driver/contract-check";
import type { StackService } from "../../../automation/driver/stack";
import {
  beforeTakeOver,
  brakesBeforeStackOpens,
  managedBy,
  PLATFORMS,
  routerControl,
  type StateResource,
} from "../../../automation/platforms";
import { localDaemons } from "../../../automation/platforms/local/daemons";
import type { RouterDescriptor } from "../../../components/core/contract";

const ECS: RouterDescriptor = {
  kind: "aws-ecs-deployment",
  region: "eu-west-1",
  clusterArn: "arn:aws:ecs:eu-west-1:1:cluster/c",
  serviceArn: "arn:aws:ecs:eu-west-1:1:service/c/web",
  strategy: "CANARY",
  listenerArn: "arn:l",
  productionRuleArn: "arn:r",
  targetGroups: { primary: "arn:tg1", alternate: "arn:tg2" },
} as unknown as RouterDescriptor;

describe("platform registry", () => {
  it("lists each platform once, and each router kind belongs to one platform", () => {
    const names = PLATFORMS.map((p) => p.name);
    assert.deepEqual(names, ["local", "kubernetes", "aws", "azure", "gcp", "flags"]);
    const kinds = PLATFORMS.flatMap((p) => Object.keys(p.routers));
    assert.equal(new Set(kinds).size, kinds.length, kinds.join(", "));
    const metrics = PLATFORMS.flatMap((p) => Object.keys(p.builtinMetrics ?? {}));
    assert.equal(new Set(metrics).size, metrics.length, metrics.join(", "));
  });

  it("gives the control of a registered kind, a no-op for none and an unverified one for an unknown kind", async () => {
    assert.equal(
      routerControl({ kind: "local-proxy", adminEndpoint: "http://127.0.0.1:1" }, {}).kind,
      "local-proxy",
    );
    assert.equal(routerControl({ kind: "none" }, {}).kind, "none");
    const unknown = routerControl({ kind: "mesh-of-the-future" } as unknown as RouterDescriptor, {});
    const reading = await unknown.read({ stableVersion: "v1", candidateWeight: 0 });
    assert.equal(reading.verified, false);
  });

  it("names who moves the traffic only for ECS-managed services", () => {
    assert.equal(managedBy(ECS), "ECS (CANARY)");
    assert.equal(managedBy({ kind: "none" }), undefined);
    assert.equal(brakesBeforeStackOpens("flag-file"), true);
    assert.equal(brakesBeforeStackOpens("aws-appconfig"), false);
  });

  it("reads the stack's state for take-over work only on a platform that has some", async () => {
    let reads = 0;
    const context = {
      service: { urn: "urn:web", release: { service: "web" } },
      stateResources: async () => {
        reads++;
        return [];
      },
    };
    assert.deepEqual(await beforeTakeOver("kubernetes", context), []);
    assert.equal(reads, 0);
    // A local service whose folder the state does not name has nothing to reap.
    assert.deepEqual(await beforeTakeOver("local", context), []);
    assert.equal(reads, 1);
  });
});

describe("local platform: the daemons the state knows", () => {
  it("takes the folder from the component and every supervisor, with its start time, from the local resources", () => {
    const resources: StateResource[] = [
      { urn: "urn:web", type: "progressive:local:CanaryService", outputs: { processes: { stateDir: "/s" } } },
      {
        urn: "urn:set",
        type: "pulumi-nodejs:dynamic/local:InstanceSet",
        outputs: { supervisorPid: 41, supervisorStartTime: 7 },
      },
      {
        urn: "urn:rolling",
        type: "pulumi-nodejs:dynamic/local:RollingSet",
        outputs: { units: [{ supervisorPid: 42 }, { supervisorPid: "not a pid" }] },
      },
      // Another platform's resource with the same output names is not the local platform's.
      { urn: "urn:other", type: "aws:ecs/service:Service", outputs: { supervisorPid: 43 } },
    ];
    const daemons = localDaemons({ urn: "urn:web", release: { service: "web" } }, resources);
    assert.equal(daemons.dir, "/s/web");
    assert.deepEqual(daemons.known, [{ pid: 41, startTime: 7 }, { pid: 42 }]);
  });
});

describe("contract check", () => {
  it("names the explicit traffic arg when the program passes one", () => {
    const service = {
      urn: "urn:web",
      secrets: {},
      release: { name: "web", trafficSource: "arg" },
    } as unknown as StackService;
    const err = trafficNotTaken(service, "candidateWeight is 0", {
      stableVersion: "v1",
      candidateWeight: 10,
    });
    assert.equal(err.kind, "verification");
    assert.match(
      err.message,
      /^after up, service web reports candidateWeight is 0; expected \{.*\}; the program passes an explicit traffic arg/,
    );
    assert.equal(STEP_LOCK_TIMEOUT_MS, 30 * 60_000);
  });
});
