import * as assert from "node:assert/strict";
import { ValidationError } from "../../../components/core";
import {
  CanaryService,
  type CanaryServiceArgs,
  LEDGER_ANNOTATION,
  parseLedger,
} from "../../../components/gcp";
import {
  ACCOUNT,
  all,
  DEFAULT_PROJECT,
  failLiveRead,
  find,
  INVOKER,
  liveReads,
  nextDeploy,
  promiseOf,
  SECRET_MEMBER,
  serviceOf,
  setTrafficConfig,
  settle,
  useGcpMocks,
} from "./harness";

const BASE: CanaryServiceArgs = {
  location: "europe-west1",
  image: "europe-docker.pkg.dev/acme/web/app",
  invokers: "public",
};

async function deploy(args: Partial<CanaryServiceArgs> = {}, name = "web"): Promise<CanaryService> {
  const c = new CanaryService(name, { ...BASE, ...args });
  await promiseOf(c.release);
  await settle();
  return c;
}

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON
const traffics = (name = "web"): any[] => serviceOf(name).inputs.traffics;
// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON
const template = (name = "web"): any => serviceOf(name).inputs.template;
const T = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";

describe("gcp CanaryService", () => {
  beforeEach(useGcpMocks);
  afterEach(() => setTrafficConfig(undefined));

  it("first deploy: one revision that is both stable and candidate, all traffic on it by name", async () => {
    const c = await deploy({ version: "v1" });
    const revisions = await promiseOf(c.revisions);
    const rev = revisions.v1 as string;
    assert.match(rev, /^web-v1-[0-9a-f]{6}$/);
    assert.equal(await promiseOf(c.templateRevision), rev);
    assert.equal(template().revision, rev);
    assert.equal(template().containers[0].image, "europe-docker.pkg.dev/acme/web/app:v1");
    assert.deepEqual(traffics(), [{ type: T, revision: rev, percent: 100 }]);
    const ledger = parseLedger(serviceOf("web").inputs.annotations);
    assert.deepEqual(ledger, {
      v: 1,
      template: { version: "v1", revision: rev },
      revisions: { v1: rev },
      created: [rev],
    });
    assert.deepEqual(liveReads, [{ name: "web", location: "europe-west1" }]);
  });

  it("sets the service's fields: location, ingress, scaling, limits, port, probes, deletion protection", async () => {
    await deploy({
      version: "v1",
      project: "acme",
      ingress: "internal",
      minInstances: 1,
      maxInstances: 5,
      cpu: "2",
      memory: "1Gi",
      port: 3000,
      health: {
        readiness: { path: "/ready", interval: "5s" },
        liveness: { path: "/live", initialDelay: "10s" },
      },
      template: { timeout: "30s" },
      container: { args: ["--serve"] },
    });
    const s = serviceOf("web").inputs;
    assert.equal(s.name, "web");
    assert.equal(s.location, "europe-west1");
    assert.equal(s.project, "acme");
    assert.equal(s.ingress, "INGRESS_TRAFFIC_INTERNAL_ONLY");
    assert.equal(s.deletionProtection, false);
    assert.equal(s.template.timeout, "30s");
    assert.deepEqual(s.template.scaling, { minInstanceCount: 1, maxInstanceCount: 5 });
    assert.equal(s.template.serviceAccount, "web-run@acme.iam.gserviceaccount.com");
    const [container] = s.template.containers;
    assert.deepEqual(container.args, ["--serve"]);
    assert.deepEqual(container.ports, { containerPort: 3000 });
    assert.deepEqual(container.resources, { limits: { cpu: "2", memory: "1Gi" } });
    assert.deepEqual(container.startupProbe, {
      httpGet: { path: "/ready", port: 3000 },
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    assert.equal(container.livenessProbe.httpGet.path, "/live");
    assert.equal(container.livenessProbe.initialDelaySeconds, 10);
  });

  it("splits traffic by integer percent between the two named revisions, the candidate tagged", async () => {
    await deploy({ version: "v1" });
    const v1 = template().revision;
    await nextDeploy("web");
    setTrafficConfig({ web: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 } });
    const c = await deploy();
    const v2 = template().revision;
    assert.match(v2, /^web-v2-[0-9a-f]{6}$/);
    assert.equal(template().containers[0].image, "europe-docker.pkg.dev/acme/web/app:v2");
    assert.deepEqual(traffics(), [
      { type: T, revision: v1, percent: 90 },
      { type: T, revision: v2, percent: 10, tag: "candidate" },
    ]);
    assert.equal(await promiseOf(c.previewEndpoint), "https://candidate---web-abc123-ew.a.run.app");
    const release = await promiseOf(c.release);
    assert.deepEqual(release.router, {
      kind: "gcp-cloud-run",
      project: DEFAULT_PROJECT,
      location: "europe-west1",
      service: "web",
      revisions: { v1, v2 },
    });
    assert.deepEqual(release.metrics, { ...release.router, kind: "cloud-monitoring-run" });
    assert.equal(release.previewEndpoint, "https://candidate---web-abc123-ew.a.run.app");
    assert.equal(release.endpoint, "https://web-abc123-ew.a.run.app");
    assert.equal(release.trafficSource, "config");
    assert.equal(release.strategy.kind, "canary");
    assert.equal("headerRoute" in release.strategy, false);
    assert.deepEqual(release.trafficUrns, [await promiseOf(serviceUrn(c))]);
  });

  it("abort and revert move traffic only: the template keeps the candidate's revision", async () => {
    await deploy({ version: "v1" });
    const v1 = template().revision;
    const states = [
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 25 },
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
      { stableVersion: "v1", candidateWeight: 0 },
    ];
    const templates: unknown[] = [];
    for (const state of states) {
      await nextDeploy("web");
      setTrafficConfig({ web: state });
      await deploy();
      templates.push(template());
    }
    assert.deepEqual(templates[1], templates[0]);
    assert.deepEqual(templates[2], templates[0]);
    assert.match((templates[0] as { revision: string }).revision, /^web-v2-/);
    assert.deepEqual(traffics(), [{ type: T, revision: v1, percent: 100 }]);
  });

  it("a revert after promotion changes only traffic", async () => {
    await deploy({ version: "v1" });
    const v1 = template().revision;
    const promotion = [
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 100 },
      { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 },
      { stableVersion: "v2", candidateWeight: 0 },
    ];
    for (const state of promotion) {
      await nextDeploy("web");
      setTrafficConfig({ web: state });
      await deploy();
    }
    const promoted = { template: template(), traffics: traffics() };
    const v2 = promoted.template.revision;
    assert.deepEqual(promoted.traffics, [{ type: T, revision: v2, percent: 100 }]);
    // progressive rollback --to v1 writes the old version as stable.
    await nextDeploy("web");
    setTrafficConfig({ web: { stableVersion: "v1", candidateWeight: 0 } });
    const c = await deploy();
    assert.deepEqual(template(), promoted.template);
    assert.deepEqual(traffics(), [{ type: T, revision: v1, percent: 100 }]);
    assert.deepEqual(await promiseOf(c.revisions), { v1 });
    assert.equal(await promiseOf(c.templateRevision), v2);
  });

  it("the promotion's middle state lists the one revision twice: untagged at 0 %, tagged at 100 %", async () => {
    await deploy({ version: "v1" });
    await nextDeploy("web");
    setTrafficConfig({ web: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 100 } });
    await deploy();
    const v2 = template().revision;
    await nextDeploy("web");
    setTrafficConfig({ web: { stableVersion: "v2", candidateVersion: "v2", candidateWeight: 100 } });
    await deploy();
    assert.equal(template().revision, v2);
    assert.deepEqual(traffics(), [
      { type: T, revision: v2, percent: 0 },
      { type: T, revision: v2, percent: 100, tag: "candidate" },
    ]);
  });

  it("a config-only change yields a new revision name for the same version", async () => {
    await deploy({ version: "v1", env: { LOG_LEVEL: "info" } });
    const before = template().revision;
    await nextDeploy("web");
    await deploy({ version: "v1", env: { LOG_LEVEL: "debug" } });
    const after = template().revision;
    assert.match(after, /^web-v1-[0-9a-f]{6}$/);
    assert.notEqual(after, before);
    assert.deepEqual(traffics(), [{ type: T, revision: after, percent: 100 }]);
    assert.deepEqual(parseLedger(serviceOf("web").inputs.annotations)?.created, [before, after]);
  });

  it("the same config gives the same revision name: a repeated up changes nothing", async () => {
    await deploy({ version: "v1", env: { A: "1", B: "2" } });
    const first = { template: template(), annotations: serviceOf("web").inputs.annotations };
    await nextDeploy("web");
    await deploy({ version: "v1", env: { B: "2", A: "1" } });
    assert.deepEqual(template(), first.template);
    assert.deepEqual(serviceOf("web").inputs.annotations, first.annotations);
  });

  it("keeps the stable revision that exists when the config changes during a release", async () => {
    await deploy({ version: "v1", memory: "512Mi" });
    const v1 = template().revision;
    await nextDeploy("web");
    setTrafficConfig({ web: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 5 } });
    await deploy({ memory: "1Gi" });
    assert.equal(traffics()[0].revision, v1);
    assert.equal(template().containers[0].resources.limits.memory, "1Gi");
  });

  it("creates a service account with no project roles and grants it exactly the referenced secrets", async () => {
    const c = await deploy({
      version: "v1",
      secretEnv: {
        API_KEY: { secret: "api-key" },
        DB_PASSWORD: { secret: "db-password", version: "3" },
        API_KEY_COPY: { secret: "api-key" },
      },
      env: { LOG_LEVEL: "info" },
    });
    assert.deepEqual(find(ACCOUNT, "web-sa").inputs, {
      accountId: "web-run",
      displayName: "Cloud Run service web",
    });
    assert.equal(await promiseOf(c.serviceAccount), `web-run@${DEFAULT_PROJECT}.iam.gserviceaccount.com`);
    const member = `serviceAccount:web-run@${DEFAULT_PROJECT}.iam.gserviceaccount.com`;
    assert.deepEqual(
      all(SECRET_MEMBER).map((r) => [r.name, r.inputs]),
      [
        ["web-secret-api_key", { secretId: "api-key", role: "roles/secretmanager.secretAccessor", member }],
        [
          "web-secret-db_password",
          { secretId: "db-password", role: "roles/secretmanager.secretAccessor", member },
        ],
      ],
    );
    assert.deepEqual(template().containers[0].envs, [
      { name: "LOG_LEVEL", value: "info" },
      { name: "API_KEY", valueSource: { secretKeyRef: { secret: "api-key", version: "latest" } } },
      { name: "API_KEY_COPY", valueSource: { secretKeyRef: { secret: "api-key", version: "latest" } } },
      { name: "DB_PASSWORD", valueSource: { secretKeyRef: { secret: "db-password", version: "3" } } },
    ]);
  });

  it("uses a given service account and creates none", async () => {
    await deploy({ version: "v1", serviceAccount: "runner@acme.iam.gserviceaccount.com" });
    assert.equal(all(ACCOUNT).length, 0);
    assert.equal(template().serviceAccount, "runner@acme.iam.gserviceaccount.com");
  });

  it("grants the invoker role to allUsers when public, to exactly the listed members otherwise", async () => {
    await deploy({ version: "v1" });
    assert.deepEqual(
      all(INVOKER).map((r) => r.inputs),
      [
        {
          name: "web",
          location: "europe-west1",
          project: DEFAULT_PROJECT,
          role: "roles/run.invoker",
          member: "allUsers",
        },
      ],
    );
    await useGcpMocks();
    await deploy({
      version: "v1",
      invokers: ["serviceAccount:caller@acme.iam.gserviceaccount.com", "group:qa@acme.com"],
    });
    assert.deepEqual(
      all(INVOKER).map((r) => r.inputs.member),
      ["serviceAccount:caller@acme.iam.gserviceaccount.com", "group:qa@acme.com"],
    );
    await useGcpMocks();
    await deploy({ version: "v1", invokers: [] });
    assert.equal(all(INVOKER).length, 0);
  });

  it("deploys as a first deploy when the live service cannot be read", async () => {
    failLiveRead("Error 403: Permission 'run.services.get' denied");
    const c = await deploy({ version: "v1" });
    assert.deepEqual(traffics(), [{ type: T, revision: await promiseOf(c.templateRevision), percent: 100 }]);
    assert.equal(liveReads.length, 1);
  });

  it("refuses a header route: Cloud Run cannot route by header", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          ...BASE,
          version: "v1",
          strategy: { kind: "canary", headerRoute: { name: "X-Canary" } },
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message ===
          'invalid CanaryService "web": strategy.headerRoute ({"name":"X-Canary"}): cannot be honoured: Cloud Run splits traffic by percent only and cannot route by header; set headerRoute: false; testers reach the candidate at its tag URL (previewEndpoint)',
    );
  });

  it("writes the ledger annotation as plain JSON even when env holds a secret", async () => {
    const pulumi = await import("@pulumi/pulumi");
    await deploy({ version: "v1", env: { TOKEN: pulumi.secret("s3cret") } });
    const annotations = serviceOf("web").inputs.annotations;
    assert.equal(typeof annotations[LEDGER_ANNOTATION], "string");
    assert.doesNotMatch(annotations[LEDGER_ANNOTATION], /s3cret/);
  });
});

function serviceUrn(c: CanaryService) {
  return c.trafficUrns.apply((u) => u[0]);
}
