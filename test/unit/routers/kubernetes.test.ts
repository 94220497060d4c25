// The Kubernetes routers against the fake API server: the shared cases, then what only a fake can
// show (the content types sent, write conflicts) and the ways a cluster can be out of reach.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { routerControl } from "../../../automation/routers";
import { FAKE_TOKEN, type FakeKube, startFakeKube } from "./fake-kube";
import { httpRoute, ingress, kubeconfigText, NS } from "./kube-cluster";
import {
  asked,
  describeKubernetesRouters,
  GATEWAY,
  NGINX,
  REPLICAS,
  reasonOf,
  SELECTOR,
  verified,
} from "./kubernetes-cases";

describeKubernetesRouters("kubernetes routers (fake API server)", startFakeKube);

describe("kubernetes routers: what the fake shows", function () {
  this.timeout(30_000);
  let fake: FakeKube;
  before(async () => {
    fake = await startFakeKube();
  });
  after(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.beforeWrite = undefined;
  });
  const control = (d: Parameters<typeof routerControl>[0]) =>
    routerControl(d, {}, { kubeconfig: fake.kubeconfig });

  it("patches with a JSON merge patch that nulls the header annotations", async () => {
    await fake.put(ingress("web", "web-stable"));
    await fake.put(
      ingress("web-canary", "web-canary", {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "20",
      }),
    );
    assert.deepEqual(await control(NGINX).sendAllToStable(asked(0), "v2"), { applied: true });
    const patch = fake.requests.find((r) => r.method === "PATCH");
    assert.equal(patch?.contentType, "application/merge-patch+json");
    assert.equal(patch?.path, `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/web-canary`);
    assert.deepEqual(patch?.body, {
      metadata: {
        annotations: {
          "nginx.ingress.kubernetes.io/canary-weight": "0",
          "nginx.ingress.kubernetes.io/canary-by-header": null,
          "nginx.ingress.kubernetes.io/canary-by-header-value": null,
          "nginx.ingress.kubernetes.io/canary-by-header-pattern": null,
          "nginx.ingress.kubernetes.io/canary-by-cookie": null,
        },
      },
    });
    // The brake's last call is the read back.
    assert.equal(fake.requests.at(-1)?.method, "GET");
  });

  it("replaces the HTTPRoute with the resourceVersion read, and reads again after a conflict", async () => {
    await fake.put(httpRoute("web", [[70, 30]]));
    let conflicts = 1;
    fake.beforeWrite = (req) => {
      if (req.method !== "PUT" || conflicts-- <= 0) return;
      // Another writer (an `up`) changes the route between the brake's read and its write.
      const now = fake.requests.length;
      fake.putRaw({
        ...httpRoute("web", [[60, 40]]),
        metadata: { name: "web", namespace: NS, resourceVersion: `other-${now}` },
      });
    };
    assert.deepEqual(await control(GATEWAY).sendAllToStable(asked(0), "v2"), { applied: true });
    const puts = fake.requests.filter((r) => r.method === "PUT");
    assert.equal(puts.length, 2);
    const sentVersions = puts.map(
      (p) => (p.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion,
    );
    assert.ok(sentVersions.every((v) => v !== undefined));
    assert.equal(verified(await control(GATEWAY).read(asked(0))).candidateWeight, 0);
  });

  it("gives up after three conflicts, saying so", async () => {
    await fake.put(httpRoute("web", [[70, 30]]));
    fake.beforeWrite = (req) => {
      if (req.method === "PUT")
        fake.putRaw({
          ...httpRoute("web", [[70, 30]]),
          metadata: { name: "web", namespace: NS, resourceVersion: `x${fake.requests.length}` },
        });
    };
    const r = await control(GATEWAY).sendAllToStable(asked(0), "v2");
    assert.equal(r.applied, false);
    assert.match(
      r.reason ?? "",
      /could not replace HTTPRoute shop\/web: another writer changed it at the same time \(409\)/,
    );
    assert.equal(fake.requests.filter((q) => q.method === "PUT").length, 3);
  });

  it("reports a wrong token as refused credentials", async () => {
    const kubeconfig = kubeconfigText([{ name: "fake", server: fake.server, token: "wrong-token" }], "fake");
    const r = await routerControl(NGINX, {}, { kubeconfig }).read(asked(10));
    assert.match(
      reasonOf(r),
      /could not read Ingress shop\/web: the API server refused the kubeconfig's credentials \(401\)/,
    );
  });

  it("reads the kubeconfig from a file, and picks the context asked for", async () => {
    await fake.put(ingress("web", "web-stable"));
    await fake.put(
      ingress("web-canary", "web-canary", {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "5",
      }),
    );
    const text = kubeconfigText(
      [
        { name: "dead", server: "http://127.0.0.1:1", token: FAKE_TOKEN },
        { name: "fake", server: fake.server, token: FAKE_TOKEN },
      ],
      "dead",
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "routers-kubeconfig-"));
    try {
      const file = path.join(dir, "config");
      fs.writeFileSync(file, text, { mode: 0o600 });
      const r = await routerControl(NGINX, {}, { kubeconfig: file, context: "fake" }).read(asked(10));
      assert.equal(verified(r).candidateWeight, 5);
      const unknown = await routerControl(NGINX, {}, { kubeconfig: file, context: "prod" }).read(asked(10));
      assert.equal(reasonOf(unknown), 'the kubeconfig has no context "prod"; use one of "dead", "fake"');
      const missing = await routerControl(NGINX, {}, { kubeconfig: path.join(dir, "nope") }).read(asked(10));
      assert.match(reasonOf(missing), /could not load kubeconfig .*nope: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("kubernetes routers: cluster out of reach (never throw)", function () {
  this.timeout(30_000);
  const all = [NGINX, GATEWAY, REPLICAS, SELECTOR];

  it("reads unverified and does not brake when nothing listens", async () => {
    // A port that was just free: bind it, note it, release it.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const kubeconfig = kubeconfigText(
      [{ name: "gone", server: `http://127.0.0.1:${port}`, token: FAKE_TOKEN }],
      "gone",
    );
    for (const d of all) {
      const c = routerControl(d, {}, { kubeconfig });
      assert.match(
        reasonOf(await c.read(asked(10))),
        new RegExp(`the API server http://127.0.0.1:${port} is not reachable`),
      );
      const brake = await c.sendAllToStable(asked(0), "v2");
      assert.equal(brake.applied, false, d.kind);
      assert.match(brake.reason ?? "", /is not reachable/);
    }
  });

  it("gives up after timeoutMs when the server does not answer, and on the caller's abort", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const server = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const kubeconfig = kubeconfigText([{ name: "silent", server, token: FAKE_TOKEN }], "silent");
      for (const d of all) {
        const c = routerControl(d, {}, { kubeconfig, timeoutMs: 200 });
        const started = Date.now();
        assert.match(reasonOf(await c.read(asked(10))), /timed out after 200 ms/);
        assert.ok(Date.now() - started < 2_000, "the deadline ends the call");
        assert.match((await c.sendAllToStable(asked(0), "v2")).reason ?? "", /timed out after 200 ms/);
      }
      const abort = new AbortController();
      const pending = routerControl(NGINX, {}, { kubeconfig }).read(asked(10), abort.signal);
      setTimeout(() => abort.abort(), 50);
      assert.match(reasonOf(await pending), /aborted by the caller/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
