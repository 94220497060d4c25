import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Check, Step, Strategy, type TrafficState, ValidationError } from "../../../components/core";
import { CanaryService } from "../../../components/kubernetes";
import {
  all,
  canaryReplicas,
  DEPLOYMENT,
  deployCanary,
  find,
  HTTPROUTE,
  INGRESS,
  isSecret,
  promiseOf,
  SECRET,
  SERVICE,
  useMocks,
} from "./harness";

const V1 = "v1";
const V2 = "v2";

function imagesOf(name: string): { stable: string; canary: string } {
  const image = (role: string) =>
    find(DEPLOYMENT, `${name}-${role}`).inputs.spec.template.spec.containers[0].image;
  return { stable: image("stable"), canary: image("canary") };
}

describe("kubernetes: CanaryService with the replica-ratio router", () => {
  beforeEach(useMocks);

  const states: [
    string,
    TrafficState,
    { stable: number; canary: number },
    number,
    { stable: string; canary: string },
  ][] = [
    [
      "no candidate",
      { stableVersion: V1, candidateWeight: 0 },
      { stable: 4, canary: 0 },
      0,
      { stable: "ghcr.io/acme/web:v1", canary: "ghcr.io/acme/web:v1" },
    ],
    [
      "candidate at 0",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 0 },
      { stable: 4, canary: 0 },
      0,
      { stable: "ghcr.io/acme/web:v1", canary: "ghcr.io/acme/web:v2" },
    ],
    [
      "candidate at 33 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 33 },
      { stable: 4, canary: 2 },
      33.33,
      { stable: "ghcr.io/acme/web:v1", canary: "ghcr.io/acme/web:v2" },
    ],
    [
      "candidate at 100 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 100 },
      { stable: 0, canary: 4 },
      100,
      { stable: "ghcr.io/acme/web:v1", canary: "ghcr.io/acme/web:v2" },
    ],
    [
      "promoted",
      { stableVersion: V2, candidateWeight: 0 },
      { stable: 4, canary: 0 },
      0,
      { stable: "ghcr.io/acme/web:v2", canary: "ghcr.io/acme/web:v2" },
    ],
    [
      "aborted",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 0 },
      { stable: 4, canary: 0 },
      0,
      { stable: "ghcr.io/acme/web:v1", canary: "ghcr.io/acme/web:v2" },
    ],
  ];
  for (const [title, traffic, replicas, planned, images] of states) {
    it(`${title}: replicas ${replicas.stable}/${replicas.canary}, planned weight ${planned}`, async () => {
      const service = await deployCanary({ replicas: 4, traffic });
      assert.deepEqual(canaryReplicas("web"), replicas);
      assert.deepEqual(imagesOf("web"), images);
      assert.equal(await promiseOf(service.plannedWeight), planned);
      assert.deepEqual(await promiseOf(service.replicas), replicas);
      // One Service over both slots carries the traffic; each slot also has its own Service.
      const entry = find(SERVICE, "web-service").inputs;
      assert.equal(entry.metadata.name, "web");
      assert.deepEqual(entry.spec.selector, { app: "web" });
      assert.deepEqual(find(SERVICE, "web-stable-service").inputs.spec.selector, {
        app: "web",
        track: "stable",
      });
      assert.deepEqual(find(SERVICE, "web-canary-service").inputs.spec.selector, {
        app: "web",
        track: "canary",
      });
      assert.equal(await promiseOf(service.serviceName), "web");
      assert.equal(await promiseOf(service.endpoint), "http://web.default.svc.cluster.local");
      assert.equal(all(INGRESS).length + all(HTTPROUTE).length, 0);
    });
  }

  it("describes the router by the Deployments it declared, and targets them to revert", async () => {
    const service = await deployCanary({
      replicas: 4,
      namespace: "shop",
      traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 20 },
    });
    const release = await promiseOf(service.release);
    assert.deepEqual(release.router, {
      kind: "kubernetes-replica-ratio",
      namespace: "shop",
      stableDeployment: find(DEPLOYMENT, "web-stable").inputs.metadata.name,
      canaryDeployment: find(DEPLOYMENT, "web-canary").inputs.metadata.name,
    });
    assert.deepEqual(release.router, {
      kind: "kubernetes-replica-ratio",
      namespace: "shop",
      stableDeployment: "web-stable",
      canaryDeployment: "web-canary",
    });
    assert.deepEqual(release.metrics, { kind: "none" });
    assert.equal(release.endpoint, "http://web.shop.svc.cluster.local");
    assert.equal(release.previewEndpoint, undefined);
    assert.deepEqual(
      release.trafficUrns.map((u) => u.split("::").pop()),
      ["web-canary", "web-stable"],
    );
  });

  it("selects and labels each slot's pods", async () => {
    await deployCanary({
      traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 50 },
      replicas: 2,
      namespace: "shop",
    });
    const stable = find(DEPLOYMENT, "web-stable").inputs;
    const canary = find(DEPLOYMENT, "web-canary").inputs;
    assert.deepEqual(stable.spec.selector.matchLabels, { app: "web", track: "stable" });
    assert.deepEqual(canary.spec.selector.matchLabels, { app: "web", track: "canary" });
    assert.deepEqual(canary.spec.template.metadata.labels, { app: "web", track: "canary", version: V2 });
    assert.equal(stable.metadata.namespace, "shop");
    assert.equal(canary.metadata.annotations["progressive.pulumi.io/strategy"], "canary");
    assert.equal(canary.metadata.annotations["progressive.pulumi.io/role"], "canary");
    assert.equal(canary.metadata.annotations["progressive.pulumi.io/version"], V2);
    assert.equal(canary.metadata.annotations["progressive.pulumi.io/candidate-weight"], "50");
    assert.equal(stable.spec.template.metadata.annotations["progressive.pulumi.io/role"], "stable");
  });

  it("fits the default steps to the replica count and exposes the strategy", async () => {
    const service = await deployCanary({ replicas: 4, traffic: { stableVersion: V1, candidateWeight: 0 } });
    const strategy = await promiseOf(service.strategy);
    assert.deepEqual(
      strategy.steps.flatMap((s) => (s.kind === "setWeight" ? [s.weight] : [])),
      [20, 50, 100],
    );
  });

  it("rejects a weight the replica ratio cannot represent, naming the nearest", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          image: "ghcr.io/acme/web",
          replicas: 4,
          strategy: Strategy.canary({ steps: [Step.setWeight(25), Step.analysis(), Step.setWeight(100)] }),
          traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 25 },
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message ===
          [
            'invalid CanaryService "web": 2 problems',
            "  - strategy.steps[0].setWeight (25): the replica-ratio router with 4 replicas cannot send 25% of traffic to the candidate (it can do 0/20/33/43/50/100); use 20, the nearest weight it can, or raise replicas, or use TrafficRouter.nginx() or TrafficRouter.gatewayApi()",
            "  - traffic.candidateWeight (25): the replica-ratio router with 4 replicas cannot send 25% of traffic to the candidate (it can do 0/20/33/43/50/100); use 20, the nearest weight it can, or raise replicas, or use TrafficRouter.nginx() or TrafficRouter.gatewayApi()",
          ].join("\n"),
    );
  });

  it("rejects an autoscaler and an explicit header route, which the replica ratio cannot honour", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          image: "ghcr.io/acme/web",
          autoscaling: { maxReplicas: 10 },
          strategy: Strategy.canary({ headerRoute: { name: "X-Tester" } }),
          traffic: { stableVersion: V1, candidateWeight: 0 },
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.problems.map((p) => p.path).join(",") === "autoscaling,strategy.headerRoute" &&
        e.message.includes(
          '- autoscaling ("set"): the replica-ratio router splits traffic by instance counts, which an autoscaler would change; remove autoscaling, or use TrafficRouter.nginx() or TrafficRouter.gatewayApi()',
        ),
    );
  });
});

describe("kubernetes: CanaryService pods", () => {
  beforeEach(useMocks);

  it("builds probes, resources, env, service account and pull secrets", async () => {
    await deployCanary({
      traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 0 },
      port: 3000,
      health: {
        readiness: { path: "/health/ready", interval: "5s", timeout: "2s", failureThreshold: 2 },
        liveness: { path: "/health", initialDelay: "30s" },
      },
      container: {
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        envFrom: [{ configMapRef: { name: "web-config" } }],
      },
      pod: { serviceAccountName: "web", imagePullSecrets: [{ name: "registry" }] },
      env: { NODE_ENV: "production", FEATURE: { configMapKeyRef: { name: "flags", key: "feature" } } },
      secretEnv: { API_TOKEN: pulumi.secret("t0ken") },
      strategy: Strategy.canary({
        checks: [Check.http({ name: "up", path: "/health" })],
        steps: [Step.setWeight(50), Step.analysis("up"), Step.setWeight(100)],
      }),
    });
    const pod = find(DEPLOYMENT, "web-canary").inputs.spec.template.spec;
    const container = pod.containers[0];
    assert.equal(container.image, "ghcr.io/acme/web:v2");
    assert.deepEqual(container.ports, [{ name: "http", containerPort: 3000 }]);
    assert.deepEqual(container.readinessProbe, {
      httpGet: { path: "/health/ready", port: 3000 },
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 2,
    });
    assert.equal(container.livenessProbe.httpGet.path, "/health");
    assert.equal(container.livenessProbe.initialDelaySeconds, 30);
    assert.deepEqual(container.resources.requests, { cpu: "250m", memory: "256Mi" });
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: "web-config" } }]);
    assert.deepEqual(container.env, [
      { name: "FEATURE", valueFrom: { configMapKeyRef: { name: "flags", key: "feature" } } },
      { name: "NODE_ENV", value: "production" },
      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "web-env", key: "API_TOKEN" } } },
    ]);
    assert.equal(pod.serviceAccountName, "web");
    assert.deepEqual(pod.imagePullSecrets, [{ name: "registry" }]);
    // The secret value never appears in the Deployment, and the Secret's data stays a Pulumi secret.
    assert.equal(JSON.stringify(find(DEPLOYMENT, "web-canary").inputs).includes("t0ken"), false);
    const secret = find(SECRET, "web-env").inputs;
    assert.equal(secret.metadata.name, "web-env");
    assert.equal(isSecret(secret.stringData), true);
  });

  it("rejects Kubernetes-specific mistakes together", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          image: "",
          port: 70000,
          traffic: { stableVersion: V1, candidateWeight: 0 },
          health: { liveness: { successThreshold: 2, expectedStatus: [200, 503] } },
          env: { TOKEN: "a" },
          secretEnv: { TOKEN: "b" },
        }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.problems.map((p) => `${p.path}: ${p.message}`).join("\n") ===
          [
            "image: must name an image repository",
            "port: must be a port from 1 to 65535",
            "health.liveness.expectedStatus: Kubernetes probes accept only statuses 200-399",
            "health.liveness.successThreshold: Kubernetes requires 1 for liveness probes",
            "secretEnv.TOKEN: is set in both env and secretEnv",
          ].join("\n"),
    );
  });

  it("rejects two services with the same name in one namespace", async () => {
    await deployCanary({ traffic: { stableVersion: V1, candidateWeight: 0 }, namespace: "shop" });
    assert.throws(
      () =>
        new CanaryService(
          "web",
          { image: "x", namespace: "shop", traffic: { stableVersion: V1, candidateWeight: 0 } },
          {},
        ),
      /invalid CanaryService "web": name \("web"\): CanaryService "web" already uses this name on kubernetes namespace "shop"; give each service in the stack its own name/,
    );
  });
});
