import * as assert from "node:assert/strict";
import { Strategy, type TrafficState } from "../../../components/core";
import { CanaryService, TrafficRouter } from "../../../components/kubernetes";
import {
  canaryReplicas,
  deployCanary,
  find,
  HPA,
  HTTPROUTE,
  INGRESS,
  promiseOf,
  SERVICE,
  useMocks,
} from "./harness";

const V1 = "v1";
const V2 = "v2";

describe("kubernetes: CanaryService with the ingress-nginx router", () => {
  beforeEach(useMocks);
  const router = () =>
    TrafficRouter.nginx({
      host: "shop.example.com",
      tls: [{ hosts: ["shop.example.com"], secretName: "shop-tls" }],
    });

  const states: [string, TrafficState, string, boolean, { stable: number; canary: number }][] = [
    ["no candidate", { stableVersion: V1, candidateWeight: 0 }, "0", false, { stable: 4, canary: 0 }],
    [
      "candidate at 0",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 0 },
      "0",
      true,
      { stable: 4, canary: 1 },
    ],
    [
      "candidate at 25 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 25 },
      "25",
      true,
      { stable: 4, canary: 1 },
    ],
    [
      "candidate at 50 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 50 },
      "50",
      true,
      { stable: 4, canary: 2 },
    ],
    [
      "candidate at 100 %",
      { stableVersion: V1, candidateVersion: V2, candidateWeight: 100 },
      "100",
      true,
      { stable: 4, canary: 4 },
    ],
    ["promoted", { stableVersion: V2, candidateWeight: 0 }, "0", false, { stable: 4, canary: 0 }],
  ];
  for (const [title, traffic, weight, header, replicas] of states) {
    it(`${title}: canary-weight ${weight}, stable stays at ${replicas.stable}`, async () => {
      const service = await deployCanary({ replicas: 4, traffic, router: router() });
      const main = find(INGRESS, "web-ingress").inputs;
      const canary = find(INGRESS, "web-canary-ingress").inputs;
      assert.equal(main.metadata.name, "web");
      assert.equal(canary.metadata.name, "web-canary");
      assert.equal(main.spec.rules[0].http.paths[0].backend.service.name, "web-stable");
      assert.equal(canary.spec.rules[0].http.paths[0].backend.service.name, "web-canary");
      assert.equal(canary.spec.rules[0].host, "shop.example.com");
      assert.equal(main.metadata.annotations["nginx.ingress.kubernetes.io/canary"], undefined);
      const a = canary.metadata.annotations;
      assert.equal(a["nginx.ingress.kubernetes.io/canary"], "true");
      assert.equal(a["nginx.ingress.kubernetes.io/canary-weight"], weight);
      assert.equal(a["nginx.ingress.kubernetes.io/canary-by-header"], header ? "X-Canary" : undefined);
      assert.equal(a["nginx.ingress.kubernetes.io/canary-by-header-value"], header ? "true" : undefined);
      assert.deepEqual(canaryReplicas("web"), replicas);
      assert.equal(await promiseOf(service.plannedWeight), traffic.candidateWeight);
      assert.equal(await promiseOf(service.endpoint), "https://shop.example.com/");
      assert.equal(await promiseOf(service.serviceName), "web-stable");
      // The canary Ingress holds the weight; both Deployments are sized by it.
      const urns = await promiseOf(service.trafficUrns);
      assert.deepEqual(
        urns.map((u) => u.split("::").pop()),
        ["web-canary-ingress", "web-canary", "web-stable"],
      );
    });
  }

  it("describes the router and its metrics by the two Ingresses it declared", async () => {
    const service = await deployCanary({
      namespace: "shop",
      traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 10 },
      router: router(),
    });
    const release = await promiseOf(service.release);
    const ingresses = {
      namespace: "shop",
      ingress: find(INGRESS, "web-ingress").inputs.metadata.name,
      canaryIngress: find(INGRESS, "web-canary-ingress").inputs.metadata.name,
    };
    assert.deepEqual(ingresses, { namespace: "shop", ingress: "web", canaryIngress: "web-canary" });
    assert.deepEqual(release.router, { kind: "kubernetes-nginx", ...ingresses });
    assert.deepEqual(release.metrics, { kind: "ingress-nginx", ...ingresses });
    assert.deepEqual(release.trafficUrns, await promiseOf(service.trafficUrns));
  });

  it("allows an autoscaler on the stable slot and leaves its replica count to it", async () => {
    await deployCanary({
      traffic: { stableVersion: V1, candidateWeight: 0 },
      router: router(),
      autoscaling: { maxReplicas: 8 },
    });
    const hpa = find(HPA, "web-hpa").inputs;
    assert.equal(hpa.spec.scaleTargetRef.name, "web-stable");
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 8);
  });

  it("rejects a bad host", () => {
    assert.throws(
      () =>
        new CanaryService("web", {
          image: "x",
          traffic: { stableVersion: V1, candidateWeight: 0 },
          router: TrafficRouter.nginx({ host: "Shop Example" }),
        }),
      /invalid CanaryService "web": router\.host \("Shop Example"\): is not a host name; use a lowercase host such as "shop\.example\.com"/,
    );
  });
});

describe("kubernetes: CanaryService with the Gateway API router", () => {
  beforeEach(useMocks);
  const router = () =>
    TrafficRouter.gatewayApi({
      parentRefs: [{ name: "public", namespace: "gateways" }],
      hostnames: ["api.example.com"],
    });

  const states: [string, TrafficState, [number, number], boolean][] = [
    ["no candidate", { stableVersion: V1, candidateWeight: 0 }, [100, 0], false],
    ["candidate at 0", { stableVersion: V1, candidateVersion: V2, candidateWeight: 0 }, [100, 0], true],
    ["candidate at 10 %", { stableVersion: V1, candidateVersion: V2, candidateWeight: 10 }, [90, 10], true],
    ["candidate at 100 %", { stableVersion: V1, candidateVersion: V2, candidateWeight: 100 }, [0, 100], true],
    ["aborted", { stableVersion: V1, candidateVersion: V2, candidateWeight: 0 }, [100, 0], true],
  ];
  for (const [title, traffic, [stableWeight, canaryWeight], header] of states) {
    it(`${title}: backendRefs ${stableWeight}/${canaryWeight}`, async () => {
      const service = await deployCanary({ traffic, router: router() }, "api");
      const route = find(HTTPROUTE, "api-route").inputs;
      assert.equal(route.apiVersion, "gateway.networking.k8s.io/v1");
      assert.equal(route.kind, "HTTPRoute");
      assert.deepEqual(route.spec.parentRefs, [
        { group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "gateways" },
      ]);
      assert.deepEqual(route.spec.hostnames, ["api.example.com"]);
      const rules = route.spec.rules;
      assert.equal(rules.length, header ? 2 : 1);
      const weighted = rules[rules.length - 1];
      assert.deepEqual(
        weighted.backendRefs.map((b: { name: string; weight: number; port: number }) => [
          b.name,
          b.weight,
          b.port,
        ]),
        [
          ["api-stable", stableWeight, 80],
          ["api-canary", canaryWeight, 80],
        ],
      );
      if (header) {
        assert.deepEqual(rules[0].matches[0].headers, [{ type: "Exact", name: "X-Canary", value: "true" }]);
        assert.deepEqual(
          rules[0].backendRefs.map((b: { name: string }) => b.name),
          ["api-canary"],
        );
      }
      assert.equal(await promiseOf(service.endpoint), "http://api.example.com/");
      assert.equal(await promiseOf(service.plannedWeight), canaryWeight);
    });
  }

  it("describes the router by the HTTPRoute and the two Services it declared", async () => {
    const service = await deployCanary(
      { traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 10 }, router: router() },
      "api",
    );
    const release = await promiseOf(service.release);
    assert.deepEqual(release.router, {
      kind: "kubernetes-gateway-api",
      namespace: "default",
      httpRoute: find(HTTPROUTE, "api-route").inputs.metadata.name,
      stableService: find(SERVICE, "api-stable-service").inputs.metadata.name,
      canaryService: find(SERVICE, "api-canary-service").inputs.metadata.name,
    });
    assert.deepEqual(release.router, {
      kind: "kubernetes-gateway-api",
      namespace: "default",
      httpRoute: "api",
      stableService: "api-stable",
      canaryService: "api-canary",
    });
    assert.deepEqual(release.metrics, { kind: "none" });
    assert.match(release.trafficUrns[0] as string, /HTTPRoute::api-route$/);
  });

  it("omits the tester rule when header routing is off", async () => {
    await deployCanary(
      {
        traffic: { stableVersion: V1, candidateVersion: V2, candidateWeight: 10 },
        router: router(),
        strategy: Strategy.canary({ headerRoute: false }),
      },
      "api",
    );
    assert.equal(find(HTTPROUTE, "api-route").inputs.spec.rules.length, 1);
  });

  it("rejects a route without a gateway", () => {
    assert.throws(
      () =>
        new CanaryService("api", {
          image: "x",
          traffic: { stableVersion: V1, candidateWeight: 0 },
          router: TrafficRouter.gatewayApi({ parentRefs: [] }),
        }),
      /router\.parentRefs \(\[\]\): must list at least one Gateway by name; use \[\{ name: "public-gateway" \}\]/,
    );
  });
});
