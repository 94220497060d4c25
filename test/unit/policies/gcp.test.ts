// The Cloud Run mapper, and every rule over a Cloud Run stack: a production CanaryService as
// components/gcp declares it passes all rules; each case changes one field. Resource props are
// typed by @pulumi/gcp's own input types.

import * as assert from "node:assert/strict";
import type * as gcpSdk from "@pulumi/gcp";
import type { StackValidationPolicy } from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";
import { type CanaryStrategy, Strategy } from "../../../components/core";
import { PLATFORMS, type PlatformMapper } from "../../../policies/platforms";
import { GCP_TYPES, gcp } from "../../../policies/platforms/gcp";
import { allRules } from "../../../policies/rules";
import { buildView } from "../../../policies/view";
import { DIGEST } from "./fixture";
import { component, type FakeResource, resolved, run, type ServiceOutputs, stackArgs } from "./util";

type ServiceProps = Unwrap<gcpSdk.cloudrunv2.ServiceArgs>;
type MemberProps = Unwrap<gcpSdk.cloudrunv2.ServiceIamMemberArgs>;
type BindingProps = Unwrap<gcpSdk.cloudrunv2.ServiceIamBindingArgs>;

const PROD = { name: "prod", class: "prod", source: "config" } as const;
const IMAGE = `europe-docker.pkg.dev/acme/web/app@${DIGEST}`;

/** The service a production CanaryService declares (components/gcp/service.ts). */
function runService(): ServiceProps {
  return {
    name: "web",
    location: "europe-west1",
    ingress: "INGRESS_TRAFFIC_ALL",
    deletionProtection: false,
    template: {
      revision: "web-v1-abcdef",
      serviceAccount: "web-run@acme.iam.gserviceaccount.com",
      scaling: { minInstanceCount: 2, maxInstanceCount: 10 },
      containers: [
        {
          image: IMAGE,
          ports: { containerPort: 8080 },
          envs: [
            { name: "LOG_LEVEL", value: "info" },
            {
              name: "DB_PASSWORD",
              valueSource: { secretKeyRef: { secret: "db-password", version: "latest" } },
            },
          ],
          resources: { limits: { cpu: "1", memory: "512Mi" } },
          startupProbe: { httpGet: { path: "/ready", port: 8080 } },
          livenessProbe: { httpGet: { path: "/health", port: 8080 } },
        },
      ],
    },
    traffics: [{ type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", revision: "web-v1-abcdef", percent: 100 }],
  };
}

interface GcpFixture {
  outputs: ServiceOutputs;
  service: ServiceProps;
  invoker: MemberProps;
  extra: FakeResource[];
}

function gcpStack(change?: (f: GcpFixture) => void, config: object = {}) {
  const f: GcpFixture = {
    outputs: {
      strategy: resolved<CanaryStrategy>(Strategy.canary({ headerRoute: false })),
      stableVersion: "v1",
    },
    service: runService(),
    invoker: {
      name: "web",
      location: "europe-west1",
      role: "roles/run.invoker",
      member: "serviceAccount:frontend@acme.iam.gserviceaccount.com",
    },
    extra: [],
  };
  change?.(f);
  return stackArgs(
    [
      component("gcp", "CanaryService", "web", f.outputs),
      { type: GCP_TYPES.service, name: "web-service", props: f.service, parent: "web" },
      { type: GCP_TYPES.iamMember, name: "web-invoker-x", props: f.invoker, parent: "web" },
      ...f.extra,
    ],
    { config: { environment: "prod", registries: ["europe-docker.pkg.dev"], ...config } },
  );
}

/** Every rule's violations (rule name: message) for a stack. */
async function violations(args: ReturnType<typeof gcpStack>, rules: StackValidationPolicy[] = allRules()) {
  const out: string[] = [];
  for (const rule of rules) {
    const outcome = await run(rule, args);
    out.push(...outcome.violations.map((v) => `${rule.name}: ${v.message}`));
  }
  return out;
}

describe("policies: gcp (Cloud Run) mapper", () => {
  it("reads a Cloud Run service as a workload: containers, env sources, probes, limits, min instances", () => {
    const w = gcp.workload({ type: GCP_TYPES.service, name: "web-service", urn: "u", props: runService() });
    assert.deepEqual(w, {
      platform: "gcp",
      type: GCP_TYPES.service,
      name: "web-service",
      urn: "u",
      replicas: 2,
      containers: [
        {
          name: "(unnamed)",
          image: IMAGE,
          env: [
            { name: "LOG_LEVEL", source: "value" },
            { name: "DB_PASSWORD", source: "secret", detail: "secretKeyRef" },
          ],
          readiness: true,
          liveness: true,
          resources: { requests: ["cpu", "memory"], limits: ["cpu", "memory"] },
        },
      ],
      supportsLiveness: true,
    });
  });

  it("sees a public URL in an invoker grant to allUsers or allAuthenticatedUsers, or invoker IAM disabled", () => {
    const member = (m: string): MemberProps => ({ name: "web", role: "roles/run.invoker", member: m });
    const at = (type: string, props: object) =>
      gcp.exposure({ type, name: "x", urn: "u", props: props as never });
    assert.deepEqual(at(GCP_TYPES.iamMember, member("allUsers")), {
      platform: "gcp",
      type: GCP_TYPES.iamMember,
      name: "x",
      urn: "u",
      kind: "public-url",
      public: true,
      hosts: [],
      via: ["web", "allUsers"],
    });
    assert.equal(at(GCP_TYPES.iamMember, member("user:ann@acme.com")), undefined);
    assert.equal(at(GCP_TYPES.iamMember, { ...member("allUsers"), role: "roles/run.viewer" }), undefined);
    const binding: BindingProps = {
      name: "web",
      role: "roles/run.invoker",
      members: ["group:qa@acme.com", "allAuthenticatedUsers"],
    };
    assert.deepEqual(at(GCP_TYPES.iamBinding, binding)?.via, ["web", "allAuthenticatedUsers"]);
    const policy = {
      name: "web",
      policyData: JSON.stringify({ bindings: [{ role: "roles/run.invoker", members: ["allUsers"] }] }),
    };
    assert.equal(at(GCP_TYPES.iamPolicy, policy)?.public, true);
    assert.equal(at(GCP_TYPES.service, { ...runService(), invokerIamDisabled: true })?.kind, "public-url");
    assert.equal(
      at(GCP_TYPES.service, {
        ...runService(),
        invokerIamDisabled: true,
        ingress: "INGRESS_TRAFFIC_INTERNAL_ONLY",
      }),
      undefined,
    );
    assert.equal(at(GCP_TYPES.service, runService()), undefined);
  });

  it("groups the service under its component", () => {
    const args = gcpStack();
    const view = buildView(args.resources, PROD, [...PLATFORMS.filter((p) => p.platform !== "gcp"), gcp]);
    const [service] = view.services;
    assert.equal(service?.platform, "gcp");
    assert.equal(service?.strategy?.kind, "canary");
    assert.deepEqual(
      service?.workloads.map((w) => w.name),
      ["web-service"],
    );
  });
});

describe("policies: every rule over a Cloud Run stack", () => {
  // Until policies/platforms/index.ts registers the mapper, register it for these tests only.
  const added = !PLATFORMS.includes(gcp as PlatformMapper);
  before(() => {
    if (added) (PLATFORMS as PlatformMapper[]).push(gcp);
  });
  after(() => {
    if (added) (PLATFORMS as PlatformMapper[]).splice(PLATFORMS.indexOf(gcp), 1);
  });

  it("accepts a production CanaryService as components/gcp declares it", async () => {
    assert.deepEqual(await violations(gcpStack()), []);
  });

  it("public-exposure: an invoker grant to allUsers exposes the service", async () => {
    const args = gcpStack((f) => {
      f.invoker.member = "allUsers";
    });
    assert.deepEqual(await violations(args), [
      'public-exposure: Make the public URL "web-invoker-x" internal, or allow service "web" in public-exposure\'s allowedServices: it exposes "web" publicly.',
    ]);
    assert.deepEqual(
      await violations(
        gcpStack(
          (f) => {
            f.invoker.member = "allUsers";
          },
          { allowedServices: ["web"] },
        ),
      ),
      [],
    );
  });

  it("image-digest and allowed-registries: a tag from another registry", async () => {
    const args = gcpStack((f) => {
      const container = f.service.template.containers?.[0];
      if (container) container.image = "docker.io/acme/web:v1";
    });
    assert.deepEqual(await violations(args), [
      'image-digest: Pin the image of container "(unnamed)" of "web-service" by digest (image@sha256:...): "docker.io/acme/web:v1" has no digest, and its tag can be pushed again.',
      'allowed-registries: Pull the image of container "(unnamed)" of "web-service" from an allowed registry (europe-docker.pkg.dev): "docker.io/acme/web:v1" comes from docker.io/acme/web.',
    ]);
  });

  it("no-plaintext-secrets: a secret-looking variable with a plain value", async () => {
    const args = gcpStack((f) => {
      const container = f.service.template.containers?.[0];
      if (container) container.envs = [{ name: "API_TOKEN", value: "tok-do-not-print" }];
    });
    const found = await violations(args);
    assert.equal(found.length, 1);
    assert.match(
      found[0] as string,
      /^no-plaintext-secrets: Read API_TOKEN of container "\(unnamed\)" of "web-service" from a secret/,
    );
    assert.doesNotMatch(found[0] as string, /tok-do-not-print/);
  });

  it("health-checks and min-replicas: no startup probe, scale to zero in production", async () => {
    const args = gcpStack((f) => {
      const container = f.service.template.containers?.[0];
      if (container) delete container.startupProbe;
      if (f.service.template.scaling) f.service.template.scaling.minInstanceCount = 0;
    });
    assert.deepEqual(await violations(args), [
      'health-checks: Define a readiness check for container "(unnamed)" of "web-service" (health.readiness): without one, traffic reaches instances before they are ready.',
      'min-replicas: Set replicas of "web" to at least 2 in prod: "web-service" runs 0.',
    ]);
  });
});
