// The Kubernetes store against the cluster tier's real API server: the ObjectStore contract on
// ConfigMaps, check()'s failures (a missing namespace, a token the server refuses, a closed port),
// leases as coordination.k8s.io/v1 Lease objects with resourceVersion preconditions, and what the
// objects look like to kubectl users (names, labels, annotations, the Lease's spec).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  HOLDER_ANNOTATION,
  KEY_ANNOTATION,
  STORE_LABEL,
} from "../../automation/store/backends/kubernetes-names";
import {
  type Backend,
  CONFLICT,
  type LeaseBackend,
  type LeaseRecord,
} from "../../automation/store/object-store";
import { openBackend } from "../../automation/store/open";
import { freePort } from "../../harness/net";
import { requireCluster, type TestCluster } from "../support/cluster";
import { describeConformance, RACERS, REPEATS } from "../unit/store/conformance";

const NS = "release-store";
const PAGE = 3;

describe("Kubernetes store on the test cluster", function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let run = 0;
  let badToken = "";
  let closed = "";
  let nobody = "";

  const open = (ns: string, kubeconfig = cluster.kubeconfigPath, name = `s${++run}`): Promise<Backend> =>
    openBackend(`k8s://${ns}?kubeconfig=${kubeconfig}&name=${name}`, { pageSize: PAGE });

  before(async function () {
    cluster = await requireCluster(this);
    await cluster.createNamespace(NS);
    // Kubeconfigs that go wrong: a token the server refuses, a server where nothing listens.
    badToken = path.join(cluster.dir, "store-bad-token.kubeconfig");
    fs.writeFileSync(badToken, cluster.kubeconfig.replace(/token: \S+/, "token: not-the-token"));
    // A ServiceAccount the API server knows, with no role: every call is forbidden.
    await cluster.api.ok("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "store-nobody" },
    });
    const request = (await cluster.api.ok(
      "POST",
      `/api/v1/namespaces/${NS}/serviceaccounts/store-nobody/token`,
      {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    )) as { status: { token: string } };
    nobody = path.join(cluster.dir, "store-nobody.kubeconfig");
    fs.writeFileSync(nobody, cluster.kubeconfig.replace(/token: \S+/, `token: ${request.status.token}`));
    closed = path.join(cluster.dir, "store-closed.kubeconfig");
    const port = await freePort();
    fs.writeFileSync(
      closed,
      cluster.kubeconfig.replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`),
    );
  });

  describeConformance("kubernetes (ConfigMaps)", () => ({
    fresh: async () => (await open(NS)).objects,
    pageSize: PAGE,
    failing: () => [
      {
        label: "a namespace that does not exist",
        open: async () => (await open("no-such-namespace")).objects,
        failure: "notFound",
        mentions: [/404/, /kubectl create namespace no-such-namespace/],
      },
      {
        label: "a token the API server refuses",
        open: async () => (await open(NS, badToken)).objects,
        failure: "credentials",
        mentions: [/401/, /refresh the kubeconfig's credentials/],
      },
      {
        label: "an identity without a role in the namespace",
        open: async () => (await open(NS, nobody)).objects,
        failure: "forbidden",
        mentions: [
          /403/,
          /grant get, list, create, update, patch and delete on configmaps and coordination.k8s.io leases/,
        ],
      },
      {
        label: "a server where nothing listens",
        open: async () => (await open(NS, closed)).objects,
        failure: "unreachable",
        mentions: [/ECONNREFUSED/, /check that the API server https:\/\/127\.0\.0\.1:\d+ answers/],
      },
    ],
  }));

  it("objects are ConfigMaps a person can find: labelled with the store, the key in an annotation", async () => {
    const { objects } = await open(NS, cluster.kubeconfigPath, "kubectl-view");
    const key = `releases/Shop/dev/${"web-".repeat(45)}x.json`;
    assert.ok((await objects.put(key, '{"phase":"paused"}')) !== CONFLICT);
    const r = await cluster.api.request(
      "GET",
      `/api/v1/namespaces/${NS}/configmaps?labelSelector=${STORE_LABEL}%3Dkubectl-view`,
    );
    const items = (
      r.body as {
        items: {
          metadata: { name: string; annotations: Record<string, string> };
          data: Record<string, string>;
        }[];
      }
    ).items;
    assert.equal(items.length, 1);
    const [cm] = items as [(typeof items)[0]];
    assert.ok(cm.metadata.name.length <= 253, cm.metadata.name);
    assert.match(cm.metadata.name, /^kubectl-view-[0-9a-f]{16}-releases-shop-dev-web-/);
    assert.equal(cm.metadata.annotations[KEY_ANNOTATION], key);
    assert.deepEqual(cm.data, { body: '{"phase":"paused"}' });
  });

  describe("leases", () => {
    let leases: LeaseBackend;
    const record = (who: string, renewedAt = "2026-12-06T15:00:05.123Z"): LeaseRecord => ({
      holder: JSON.stringify({ host: who, pid: 4242, runId: "r-1", ci: "https://ci.example/run/7" }),
      holderIdentity: `${who}/4242/r-1`,
      acquiredAt: "2026-12-06T15:00:00.000Z",
      renewedAt,
      durationSeconds: 30,
    });

    beforeEach(async () => {
      const backend = await open(NS);
      assert.ok(backend.leases, "the Kubernetes backend has native leases");
      leases = backend.leases;
    });

    it("create, read back, renew at the version, refuse a stale renewal, delete at the version", async () => {
      const LOCK = "releases/shop/dev/web.lock"; // lease names are keys
      assert.equal(await leases.get(LOCK), undefined);
      const v1 = await leases.create(LOCK, record("runner-a"));
      assert.ok(v1 !== CONFLICT);
      assert.equal(await leases.create(LOCK, record("runner-b")), CONFLICT);
      assert.deepEqual(await leases.get(LOCK), { record: record("runner-a"), version: v1.version });
      const v2 = await leases.update(LOCK, record("runner-a", "2026-12-06T15:00:15.456Z"), v1.version);
      assert.ok(v2 !== CONFLICT);
      assert.equal(await leases.update(LOCK, record("runner-b"), v1.version), CONFLICT);
      assert.equal(await leases.delete(LOCK, v1.version), CONFLICT);
      assert.equal(await leases.delete(LOCK, v2.version), "deleted");
      assert.equal(await leases.delete(LOCK, v2.version), "absent");
      // A renewal after the lease was deleted must not bring it back.
      assert.equal(await leases.update(LOCK, record("runner-b"), v2.version), CONFLICT);
      assert.equal(await leases.get(LOCK), undefined);
    });

    it("a Lease object kubectl shows: holderIdentity, duration, times, the holder's JSON", async () => {
      const v = await leases.create("releases/shop/dev/stack-step.mutex", record("runner-a"));
      assert.ok(v !== CONFLICT);
      const list = await cluster.api.request("GET", `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`);
      const lease = (
        list.body as {
          items: { metadata: { annotations?: Record<string, string> }; spec: Record<string, unknown> }[];
        }
      ).items.find((l) => l.metadata.annotations?.[KEY_ANNOTATION] === "releases/shop/dev/stack-step.mutex");
      assert.ok(lease);
      assert.deepEqual(lease.spec, {
        holderIdentity: "runner-a/4242/r-1",
        leaseDurationSeconds: 30,
        acquireTime: "2026-12-06T15:00:00.000000Z",
        renewTime: "2026-12-06T15:00:05.123000Z",
      });
      assert.equal(lease.metadata.annotations?.[HOLDER_ANNOTATION], record("runner-a").holder);
    });

    it(`${RACERS} drivers racing to create one lease, then to take it over from the same read: one wins each (x${REPEATS})`, async () => {
      for (let round = 0; round < REPEATS; round++) {
        const name = `race-${round}`;
        const created = await Promise.all(
          Array.from({ length: RACERS }, (_, i) => leases.create(name, record(`runner-${i}`))),
        );
        assert.equal(created.filter((r) => r !== CONFLICT).length, 1, `round ${round}: creates`);
        const read = await leases.get(name);
        assert.ok(read);
        const taken = await Promise.all(
          Array.from({ length: RACERS }, (_, i) => leases.update(name, record(`taker-${i}`), read.version)),
        );
        const winners = taken.flatMap((r, i) => (r !== CONFLICT ? [i] : []));
        assert.equal(winners.length, 1, `round ${round}: takeovers`);
        assert.equal((await leases.get(name))?.record.holderIdentity, `taker-${winners[0]}/4242/r-1`);
      }
    });
  });
});
