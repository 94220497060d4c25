// The platform mappers and the view: what a Kubernetes or local resource becomes, values not
// known during preview, and how workloads and exposures are grouped under services.

import * as assert from "node:assert/strict";
import { unknownCheckingProxy } from "@pulumi/policy";
import { Strategy } from "../../../components/core";
import { kubernetes } from "../../../policies/platforms/kubernetes";
import { local } from "../../../policies/platforms/local";
import { buildView, parseStrategy } from "../../../policies/view";
import { bareDeployment, goodContainer, slot } from "./fixture";
import { component, deployment, instanceSet, resolved, stackArgs } from "./util";

const PROD = { name: "prod", class: "prod", source: "config" } as const;
/** What the policy SDK sends for a string that is not known during preview. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("policies: kubernetes mapper", () => {
  it("reads containers, env sources, probes, resources, annotations and the update strategy", () => {
    const props = slot("canary", "stable", "v3", 4, goodContainer("ghcr.io/acme/web:v3"));
    if (props.spec)
      props.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: "50%" } };
    const w = kubernetes.workload({
      type: "kubernetes:apps/v1:Deployment",
      name: "web-stable",
      urn: "u",
      props,
    });
    assert.deepEqual(w, {
      platform: "kubernetes",
      type: "kubernetes:apps/v1:Deployment",
      name: "web-stable",
      urn: "u",
      role: "stable",
      strategy: "canary",
      version: "v3",
      replicas: 4,
      containers: [
        {
          name: "app",
          image: "ghcr.io/acme/web:v3",
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
      update: { kind: "rolling", maxUnavailable: 1, maxSurge: "50%" },
    });
  });

  it("skips what is not known during preview instead of failing the rule", () => {
    const props = slot("canary", "stable", "v1", 2, {
      name: "app",
      image: UNKNOWN_STRING,
      env: [{ name: "API_TOKEN", value: UNKNOWN_STRING }],
    });
    const proxied = unknownCheckingProxy(props) as Record<string, unknown>;
    const w = kubernetes.workload({
      type: "kubernetes:apps/v1:Deployment",
      name: "web",
      urn: "u",
      props: proxied,
    });
    const container = w?.containers[0];
    assert.equal(container?.image, undefined);
    assert.deepEqual(container?.env, [{ name: "API_TOKEN", source: "unknown" }]);
  });

  it("counts an unset replicas field as Kubernetes' default of 1", () => {
    const props = slot("rolling", "app", "v1", 1, goodContainer("ghcr.io/a/b:1"));
    if (props.spec) props.spec.replicas = undefined;
    assert.equal(
      kubernetes.workload({ type: "kubernetes:apps/v1:Deployment", name: "a", urn: "u", props })?.replicas,
      1,
    );
  });

  it("maps Services by type and ignores ClusterIP", () => {
    const svc = (type: string) => ({
      type: "kubernetes:core/v1:Service",
      name: "s",
      urn: "u",
      props: { spec: { type } },
    });
    assert.equal(kubernetes.exposure(svc("ClusterIP")), undefined);
    assert.equal(kubernetes.exposure(svc("NodePort"))?.kind, "node-port");
    assert.equal(kubernetes.exposure(svc("LoadBalancer"))?.public, true);
  });
});

describe("policies: local mapper", () => {
  it("maps an instance set: slot, plain and secret env, readiness, no liveness, no sizes", () => {
    const w = local.workload({
      type: "pulumi-nodejs:dynamic/local:InstanceSet",
      name: "api-canary",
      urn: "u",
      props: {
        slot: "canary",
        version: "v2",
        replicas: 1,
        env: { LOG_LEVEL: "debug" },
        secretEnv: { DB_PASSWORD: "x" },
        readiness: { path: "/ready" },
      },
    });
    assert.deepEqual(w, {
      platform: "local",
      type: "pulumi-nodejs:dynamic/local:InstanceSet",
      name: "api-canary",
      urn: "u",
      role: "canary",
      version: "v2",
      replicas: 1,
      containers: [
        {
          name: "process",
          env: [
            { name: "LOG_LEVEL", source: "value" },
            { name: "DB_PASSWORD", source: "secret" },
          ],
          readiness: true,
          liveness: false,
        },
      ],
      supportsLiveness: false,
    });
  });
});

describe("policies: view", () => {
  it("groups children under the nearest progressive component and keeps bare workloads apart", () => {
    const args = stackArgs([
      component("kubernetes", "CanaryService", "web", {
        strategy: resolved(Strategy.canary()),
        stableVersion: "v1",
      }),
      deployment("web-stable", slot("canary", "stable", "v1", 2, goodContainer("ghcr.io/a/w:1")), "web"),
      component("local", "BlueGreenService", "api", { stableVersion: "v4", activeColor: "green" }),
      instanceSet("api-green", { slot: "green", version: "v4", replicas: 2 }, "api"),
      bareDeployment("legacy"),
    ]);
    const view = buildView(args.resources, PROD);
    assert.deepEqual(
      view.services.map((s) => [
        s.name,
        s.platform,
        s.component,
        s.strategy?.kind,
        s.workloads.map((w) => w.name),
      ]),
      [
        ["web", "kubernetes", true, "canary", ["web-stable"]],
        ["api", "local", true, undefined, ["api-green"]],
        ["legacy", "kubernetes", false, "rolling", ["legacy"]],
      ],
    );
    assert.deepEqual(
      view.workloads.map((w) => w.service),
      ["web", "api", "legacy"],
    );
  });

  it("reads the strategy a component registered, and gives up on shapes it does not know", () => {
    assert.deepEqual(
      parseStrategy({ kind: "blueGreen", prePromotionChecks: [{}, {}], scaleDownDelaySeconds: 30 }),
      {
        kind: "blueGreen",
        prePromotionChecks: 2,
        scaleDownDelaySeconds: 30,
      },
    );
    assert.deepEqual(parseStrategy({ kind: "canary", steps: [{ kind: "jump" }] }), { kind: "canary" });
    assert.equal(parseStrategy({ kind: "teleport" }), undefined);
    assert.equal(parseStrategy(undefined), undefined);
  });
});
