import * as assert from "node:assert/strict";
import { ValidationError } from "../../../components/core";
import {
  accountIdFor,
  BlueGreenService,
  CanaryService,
  type CanaryServiceArgs,
  RollingService,
} from "../../../components/gcp";
import { assertWithinTables } from "../../support/constraints";
import { ACCOUNT, all, promiseOf, recorded, serviceOf, settle, useGcpMocks } from "./harness";

const BASE: Omit<CanaryServiceArgs, "strategy"> = {
  location: "europe-west1",
  image: "europe-docker.pkg.dev/acme/web/app",
  invokers: "public",
  version: "v1",
};

/** The problems of a construction that must fail, as `path (value): message; fix` lines. */
function problems(build: () => unknown): string[] {
  try {
    build();
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    return e.message
      .split("\n")
      .slice(e.problems.length > 1 ? 1 : 0)
      .map((l) => l.replace(/^ {2}- |^invalid [^:]+: /, ""));
  }
  assert.fail("expected a ValidationError");
}

describe("gcp components: validation", () => {
  beforeEach(useGcpMocks);

  it("lists every Cloud Run problem with field, value and fix, and creates nothing", () => {
    const args = {
      ...BASE,
      location: "Europe",
      image: "",
      invokers: "everyone",
      ingress: "public",
      port: 70000,
      minInstances: 3,
      maxInstances: 2,
      env: { PORT: "8080", "BAD NAME": "x", SHARED: "a" },
      secretEnv: { SHARED: { secret: "s" }, EMPTY: { secret: "" } },
      health: {
        readiness: { path: "/ready", expectedStatus: [500] },
        liveness: { path: "/live", successThreshold: 2 },
      },
    } as unknown as CanaryServiceArgs;
    assert.deepEqual(
      problems(() => new CanaryService("web", args)),
      [
        'location ("Europe"): is not a Cloud Run region; use a region such as "europe-west1"',
        'image (""): must name an image repository; use a repository such as "europe-docker.pkg.dev/acme/web/app"',
        'invokers ("everyone"): must be "public" or a list of IAM members; say who may call the service: "public" (allUsers), or members such as ["serviceAccount:caller@acme.iam.gserviceaccount.com"], or [] for nobody',
        'ingress ("public"): is not an ingress setting; use "all", "internal" or "internal-and-cloud-load-balancing"',
        "port (70000): must be a port from 1 to 65535; use a port such as 8080",
        "maxInstances (2): must be at least minInstances (3); use 3 or more",
        'health.readiness.expectedStatus ([{"min":500,"max":500}]): Cloud Run probes accept only statuses 200-399; keep expectedStatus within 200-399, or leave it unset',
        "health.liveness.successThreshold (2): Cloud Run probes have no success threshold (one success counts); remove successThreshold",
        'env.PORT ("PORT"): is set by Cloud Run itself; use another name',
        'env.BAD NAME ("BAD NAME"): is not a valid environment variable name; use letters, digits, _ . -',
        'secretEnv.SHARED ("SHARED"): is set in both env and secretEnv; keep it in one of them',
        'secretEnv.EMPTY.secret (""): must name a Secret Manager secret; use { secret: "api-key" } (the secret ID) or { secret: "api-key", version: "3" }',
      ],
    );
    assert.equal(recorded.length, 0);
  });

  it("refuses a service name Cloud Run would not take, naming serviceName when given", () => {
    assert.deepEqual(
      problems(() => new CanaryService("web", { ...BASE, serviceName: "Web_App" })),
      [
        'serviceName ("Web_App"): is not a Cloud Run service name (lowercase letters, digits and -, starting with a letter, at most 49 characters); pass serviceName, such as "web"',
      ],
    );
  });

  it("keeps a traffic tag and the service name within Cloud Run's 46 characters", () => {
    // The tag URL candidate---<service>-<hash>-<region>.a.run.app is one DNS label.
    assert.deepEqual(
      problems(
        () => new CanaryService("web", { ...BASE, serviceName: "checkout-service-frontend-europe-west1" }),
      ),
      [
        'serviceName ("checkout-service-frontend-europe-west1"): is 38 characters; with the "candidate" traffic tag it must be at most 37 (Cloud Run takes a tag and service name of 46 characters together); use a name of at most 37 characters, such as "checkout-service-frontend-euro-e13747"',
      ],
    );
    assert.deepEqual(
      problems(
        () =>
          new BlueGreenService("bg", { ...BASE, serviceName: "checkout-service-frontend-europe-west1-abc" }),
      ),
      [
        'serviceName ("checkout-service-frontend-europe-west1-abc"): is 42 characters; with the "green" traffic tag it must be at most 41 (Cloud Run takes a tag and service name of 46 characters together); use a name of at most 41 characters, such as "checkout-service-frontend-europe-w-6d63ae"',
      ],
    );
  });

  it("names a long component's service short enough for its tags, every resource within the tables", async () => {
    const name = "checkout-service-frontend-europe-west1-blue";
    const canary = new CanaryService(name, {
      ...BASE,
      traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
    });
    const service = await promiseOf(canary.serviceName);
    assert.equal(service.length, 37);
    assert.equal(service, "checkout-service-frontend-euro-3e418f");
    const blueGreen = new BlueGreenService(`${name}-bg`, { ...BASE, version: "v1" });
    assert.equal((await promiseOf(blueGreen.serviceName)).length, 41);
    const rolling = new RollingService(`${name}-r`, { ...BASE, version: "v1" });
    assert.equal((await promiseOf(rolling.serviceName)).length, 37);
    await settle();
    assert.equal(serviceOf(name).inputs.traffics[1].tag, "candidate");
    assertWithinTables(recorded);
  });

  it("gives two services that share their first 25 characters two service accounts", async () => {
    assert.equal(accountIdFor("web"), "web-run");
    assert.equal(accountIdFor("a"), "a-run-sa");
    const eu = "checkout-service-frontend-eu";
    const us = "checkout-service-frontend-us";
    assert.notEqual(accountIdFor(eu), accountIdFor(us));
    new CanaryService("eu", { ...BASE, serviceName: eu });
    new CanaryService("us", { ...BASE, serviceName: us });
    await settle();
    assert.equal(all(ACCOUNT).length, 2);
    assertWithinTables(recorded);
  });

  it("refuses probe timings Cloud Run does not take: a startup probe within 240 s, a liveness probe within 3600 s", () => {
    assert.deepEqual(
      problems(
        () =>
          new CanaryService("web", {
            ...BASE,
            health: {
              readiness: { path: "/ready", initialDelay: "5m", interval: "250s" },
              liveness: { path: "/live", interval: "2h" },
            },
          }),
      ),
      [
        "health.readiness.initialDelay (300): is more than the 240 seconds a Cloud Run startup probe (readiness) takes; use at most 240 seconds",
        "health.readiness.interval (250): is more than the 240 seconds a Cloud Run startup probe (readiness) takes; use at most 240 seconds",
        "health.liveness.interval (7200): is more than the 3600 seconds a Cloud Run liveness probe takes; use at most 3600 seconds",
      ],
    );
  });

  it("refuses two components with one service name in one region", () => {
    new CanaryService("web", BASE);
    assert.deepEqual(
      problems(() => new BlueGreenService("web2", { ...BASE, serviceName: "web" })),
      [
        'name ("web"): CanaryService "web" already uses this name on gcp namespace "/europe-west1"; give each service in the stack its own name',
      ],
    );
  });

  it("refuses a blue-green weight and a canary weight above 100", () => {
    assert.deepEqual(
      problems(
        () =>
          new BlueGreenService("bg", {
            ...BASE,
            traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 20 },
          }),
      ),
      [
        "traffic.candidateWeight (20): must be 0 for a blueGreen strategy; switch traffic with activeColor and set candidateWeight to 0",
      ],
    );
    assert.deepEqual(
      problems(
        () =>
          new CanaryService("c", {
            ...BASE,
            traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 150 },
          }),
      ),
      ["traffic.candidateWeight (150): must be an integer from 0 to 100; use a weight such as 100"],
    );
  });
});
