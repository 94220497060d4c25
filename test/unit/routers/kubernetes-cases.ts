// The Kubernetes router cases, against any cluster a KubeTestCluster reaches: the fake API server in
// the unit tier, a real API server in the cluster tier (which passes its own `start`).
import * as assert from "node:assert/strict";
import { type RouterReading, routerControl } from "../../../automation/routers";
import { loadKubernetesClient } from "../../../automation/routers/kubernetes/client";
import type { RouterDescriptor } from "../../../components/core/contract";
import type { TrafficState } from "../../../components/core/traffic";
import {
  deployment,
  httpRoute,
  ingress,
  type KubeObject,
  type KubeTestCluster,
  NS,
  service,
} from "./kube-cluster";

const CANARY = "nginx.ingress.kubernetes.io/canary";
const WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
const BY_HEADER = "nginx.ingress.kubernetes.io/canary-by-header";

/** A canary at `weight`, as the driver would ask for it. */
export const asked = (weight: number): TrafficState => ({
  stableVersion: "v1",
  candidateVersion: "v2",
  candidateWeight: weight,
});

export const NGINX: RouterDescriptor = {
  kind: "kubernetes-nginx",
  namespace: NS,
  ingress: "web",
  canaryIngress: "web-canary",
};
export const GATEWAY: RouterDescriptor = {
  kind: "kubernetes-gateway-api",
  namespace: NS,
  httpRoute: "web",
  stableService: "web-stable",
  canaryService: "web-canary",
};
export const REPLICAS: RouterDescriptor = {
  kind: "kubernetes-replica-ratio",
  namespace: NS,
  stableDeployment: "web-stable",
  canaryDeployment: "web-canary",
};
export const SELECTOR: RouterDescriptor = {
  kind: "kubernetes-service-selector",
  namespace: NS,
  service: "web",
  colorLabel: "progressive.dev/color",
};

/** Asserts a verified reading and returns it. */
export function verified(r: RouterReading): Extract<RouterReading, { verified: true }> {
  assert.ok(r.verified, `expected a verified reading, got: ${r.verified ? "" : r.reason}`);
  return r;
}

/** Asserts an unverified reading and returns its reason. */
export function reasonOf(r: RouterReading): string {
  assert.ok(!r.verified, `expected an unverified reading, got ${JSON.stringify(r)}`);
  return r.reason;
}

function annotationsOf(obj: KubeObject | undefined): Record<string, string> {
  return ((obj?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ??
    {}) as Record<string, string>;
}

/** Defines the cases; `start` gives a fresh cluster handle, closed after the cases. */
export function describeKubernetesRouters(title: string, start: () => Promise<KubeTestCluster>): void {
  describe(title, function () {
    this.timeout(30_000);
    let cluster: KubeTestCluster;
    const control = (d: RouterDescriptor) => routerControl(d, {}, { kubeconfig: cluster.kubeconfig });

    before(async function () {
      // The client is an ES module that takes seconds to load the first time; not a case's time.
      this.timeout(60_000);
      loadKubernetesClient();
      cluster = await start();
    });

    after(async () => {
      await cluster?.close();
    });

    describe("kubernetes-nginx", () => {
      beforeEach(async () => {
        await cluster.put(ingress("web", "web-stable"));
        await cluster.put(ingress("web-canary", "web-canary", { [CANARY]: "true", [WEIGHT]: "10" }));
      });

      it("reads the weight the canary Ingress applies, not the weight asked", async () => {
        const r = verified(await control(NGINX).read(asked(50)));
        assert.equal(r.candidateWeight, 10);
        assert.match(r.detail, /Ingress shop\/web-canary canary-weight=10/);
      });

      it("is unverified, naming the object and the 404, when an Ingress is missing", async () => {
        await cluster.remove("Ingress", NS, "web-canary");
        const reason = reasonOf(await control(NGINX).read(asked(10)));
        // The server's own message is kept (the real one names the group: ingresses.networking.k8s.io).
        assert.match(
          reason,
          /could not read Ingress shop\/web-canary: not found \(404\): ingresses(\.networking\.k8s\.io)? "web-canary" not found/,
        );
        assert.match(reason, /check the name and namespace/);
        await cluster.remove("Ingress", NS, "web");
        assert.match(reasonOf(await control(NGINX).read(asked(10))), /Ingress shop\/web: not found/);
      });

      it("is unverified when the Ingress is not marked canary", async () => {
        await cluster.put(ingress("web-canary", "web-canary", { [WEIGHT]: "10" }));
        assert.match(reasonOf(await control(NGINX).read(asked(10))), /canary is null, not "true"/);
      });

      it("brake: writes weight 0, drops the header rule, and reads it back", async () => {
        await cluster.put(
          ingress("web-canary", "web-canary", { [CANARY]: "true", [WEIGHT]: "30", [BY_HEADER]: "X-Canary" }),
        );
        assert.deepEqual(await control(NGINX).sendAllToStable(asked(0), "v2"), { applied: true });
        const a = annotationsOf(await cluster.get("Ingress", NS, "web-canary"));
        assert.equal(a[WEIGHT], "0");
        assert.equal(a[CANARY], "true");
        assert.equal(a[BY_HEADER], undefined);
        assert.equal(verified(await control(NGINX).read(asked(0))).candidateWeight, 0);
      });

      it("brake: not applied, with the reason, when the canary Ingress is missing", async () => {
        await cluster.remove("Ingress", NS, "web-canary");
        const r = await control(NGINX).sendAllToStable(asked(0), "v2");
        assert.equal(r.applied, false);
        assert.match(r.reason ?? "", /could not patch Ingress shop\/web-canary: not found \(404\)/);
      });
    });

    describe("kubernetes-gateway-api", () => {
      it("reads the backendRef weights of every rule", async () => {
        await cluster.put(
          httpRoute("web", [
            [90, 10],
            [9, 1],
          ]),
        );
        const r = verified(await control(GATEWAY).read(asked(50)));
        assert.equal(r.candidateWeight, 10);
        assert.match(r.detail, /HTTPRoute shop\/web web-stable=90 web-canary=10 \(2 rules\)/);
      });

      it("is unverified when the rules disagree, saying what each sends", async () => {
        await cluster.put(
          httpRoute("web", [
            [90, 10],
            [80, 20],
          ]),
        );
        assert.match(
          reasonOf(await control(GATEWAY).read(asked(10))),
          /HTTPRoute shop\/web: the rules disagree on the canary's share \(rule 0 sends 10%, rule 1 sends 20%\)/,
        );
      });

      it("is unverified with the 404 when the HTTPRoute is missing", async () => {
        await cluster.remove("HTTPRoute", NS, "web");
        assert.match(
          reasonOf(await control(GATEWAY).read(asked(10))),
          /could not read HTTPRoute shop\/web: not found \(404\)/,
        );
      });

      it("brake: stable 100 / canary 0 in every rule, other fields kept, read back", async () => {
        await cluster.put(
          httpRoute("web", [
            [70, 30],
            [70, 30],
            [100, undefined],
          ]),
        );
        assert.deepEqual(await control(GATEWAY).sendAllToStable(asked(0), "v2"), { applied: true });
        const spec = (await cluster.get("HTTPRoute", NS, "web"))?.spec as {
          rules: Array<{
            matches: unknown;
            backendRefs: Array<{ name: string; weight: number; port: number }>;
          }>;
        };
        assert.deepEqual(
          spec.rules.map((r) => r.backendRefs.map((b) => [b.name, b.weight, b.port])),
          [
            [
              ["web-stable", 100, 80],
              ["web-canary", 0, 80],
            ],
            [
              ["web-stable", 100, 80],
              ["web-canary", 0, 80],
            ],
            [["web-stable", 100, 80]],
          ],
        );
        assert.deepEqual(spec.rules[1]?.matches, [{ path: { type: "PathPrefix", value: "/p1" } }]);
        assert.equal(verified(await control(GATEWAY).read(asked(0))).candidateWeight, 0);
      });

      it("brake: not applied, route unchanged, when a rule reaches only the canary", async () => {
        const route = httpRoute("web", [
          [70, 30],
          [undefined, 100],
        ]);
        await cluster.put(route);
        // As stored: a real API server adds the CRD's defaults (group, kind) to what was put.
        const stored = (await cluster.get("HTTPRoute", NS, "web"))?.spec;
        const r = await control(GATEWAY).sendAllToStable(asked(0), "v2");
        assert.deepEqual(r, {
          applied: false,
          reason: "HTTPRoute shop/web: rule 1 has a backendRef to web-canary but none to web-stable",
        });
        assert.deepEqual((await cluster.get("HTTPRoute", NS, "web"))?.spec, stored);
      });
    });

    describe("kubernetes-replica-ratio", () => {
      it("reads the share of ready replicas", async () => {
        await cluster.put(deployment("web-stable", 3, 3));
        await cluster.put(deployment("web-canary", 1, 1));
        const r = verified(await control(REPLICAS).read(asked(10)));
        assert.equal(r.candidateWeight, 25);
        assert.equal(r.detail, "stable 3/3 ready, canary 1/1 ready");
      });

      it("is unverified with the counts while replicas are not all ready", async () => {
        await cluster.put(deployment("web-stable", 3, 3));
        await cluster.put(deployment("web-canary", 2, 1));
        assert.match(
          reasonOf(await control(REPLICAS).read(asked(40))),
          /not every desired replica is ready yet \(stable 3\/3 ready, canary 1\/2 ready\)/,
        );
      });

      it("is unverified with the 404 when a Deployment is missing", async () => {
        await cluster.put(deployment("web-stable", 3, 3));
        await cluster.remove("Deployment", NS, "web-canary");
        assert.match(
          reasonOf(await control(REPLICAS).read(asked(10))),
          /could not read Deployment shop\/web-canary: not found \(404\)/,
        );
      });

      it("brake: scales the canary to 0 and reads the spec back", async () => {
        await cluster.put(deployment("web-stable", 3, 3));
        await cluster.put(deployment("web-canary", 2, 2));
        assert.deepEqual(await control(REPLICAS).sendAllToStable(asked(0), "v2"), { applied: true });
        const spec = (await cluster.get("Deployment", NS, "web-canary"))?.spec as { replicas: number };
        assert.equal(spec.replicas, 0);
      });

      it("brake: not applied when no stable replica is ready (it would stop the service)", async () => {
        await cluster.put(deployment("web-stable", 3, 0));
        await cluster.put(deployment("web-canary", 2, 2));
        const r = await control(REPLICAS).sendAllToStable(asked(0), "v2");
        assert.equal(r.applied, false);
        assert.match(r.reason ?? "", /Deployment shop\/web-stable has no ready replica/);
        const spec = (await cluster.get("Deployment", NS, "web-canary"))?.spec as { replicas: number };
        assert.equal(spec.replicas, 2);
      });
    });

    describe("kubernetes-service-selector", () => {
      const label = "progressive.dev/color";

      it("reads the colour the Service selects, with weight 0", async () => {
        await cluster.put(service("web", label, "green"));
        const r = verified(
          await control(SELECTOR).read({ stableVersion: "v2", candidateWeight: 0, activeColor: "blue" }),
        );
        assert.equal(r.activeColor, "green");
        assert.equal(r.candidateWeight, 0);
        assert.equal(r.detail, "Service shop/web selects progressive.dev/color=green");
      });

      it("is unverified when the selector has no colour", async () => {
        await cluster.put(service("web", "other", "green"));
        assert.match(
          reasonOf(await control(SELECTOR).read({ stableVersion: "v1", candidateWeight: 0 })),
          /Service shop\/web: spec.selector\["progressive.dev\/color"\] is null, not "blue" or "green"/,
        );
      });

      it("brake: selects the target's active colour (default blue) and reads it back", async () => {
        await cluster.put(service("web", label, "green"));
        const target = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 };
        assert.deepEqual(await control(SELECTOR).sendAllToStable(target, "v2"), { applied: true });
        const spec = (await cluster.get("Service", NS, "web"))?.spec as { selector: Record<string, string> };
        assert.deepEqual(spec.selector, { app: "web", [label]: "blue" });
        assert.deepEqual(await control(SELECTOR).sendAllToStable({ ...target, activeColor: "green" }, "v2"), {
          applied: true,
        });
        assert.equal(verified(await control(SELECTOR).read(target)).activeColor, "green");
      });
    });
  });
}
