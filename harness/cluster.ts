// A real Kubernetes API for the cluster tier: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok (fake nodes that make scheduled pods Running and Ready), built by
// scripts/ensure-cluster.sh into a cache outside the repo, started here on free 127.0.0.1 ports
// with certificates, a service-account key and a kubeconfig made in a temporary folder, and
// stopped by PID (waiting for each to exit) when the run ends. One cluster serves every suite of a
// run. Under CI=true a cluster that cannot start fails the suite; locally the suite is skipped
// with the reason, as requireEngine does for the Pulumi CLI. No container runs: pods are API
// objects whose status kwok writes, so nothing serves traffic.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { collectionPath, KubeApi, type KubeObject } from "./kube-api";
import { freePort } from "./net";

/** A plain CommonJS script shared with scripts/ensure-cluster.sh. */
const clusterTools: typeof import("../scripts/cluster/cluster.js") = require("../scripts/cluster/cluster.js");

export type ClusterTools = ReturnType<typeof clusterTools.toolPaths>;

/** The fake node kwok manages; pods are scheduled there. */
export const NODE_NAME = "kwok-node-0";

/** A running test cluster. */
export interface TestCluster {
  /** Temporary folder of certificates, data and logs, removed by `stop`. */
  readonly dir: string;
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** Path of a kubeconfig (admin token, the cluster's CA) for the provider, the driver and kubectl. */
  readonly kubeconfigPath: string;
  /** The same kubeconfig as text. */
  readonly kubeconfig: string;
  /** A client of the API server with the admin token. */
  readonly api: KubeApi;
  /** Seconds from the first process start to a Ready node with the CRDs installed. */
  readonly startSeconds: number;
  readonly tools: ClusterTools;
  /**
   * A fresh PULUMI_HOME (inside `dir`) whose plugin cache holds the Kubernetes provider built by
   * ensure-cluster.sh, linked, not copied (158 MB); pass it, with KUBECONFIG, in a test stack's env.
   */
  pulumiHome(): string;
  /** Environment a stack on this cluster needs: KUBECONFIG and a PULUMI_HOME with the provider. */
  stackEnv(): Record<string, string>;
  /** Creates a namespace and waits for its default ServiceAccount (pods need it). */
  createNamespace(name: string): Promise<void>;
  /** Stops every process by PID, waits for each to exit, removes `dir`. */
  stop(): Promise<void>;
}

const TOKEN = "progressive-cluster-test-token";

/** A CA, a serving certificate for 127.0.0.1 signed by it, and the service-account key pair. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=progressive-test-ca",
  );
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=kube-apiserver",
  );
  fs.writeFileSync(
    path.join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc,IP:10.96.0.1\n",
  );
  ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  );
  ssl("genrsa", "-out", "sa.key", "2048");
  ssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
}

function kubeconfigText(server: string, ca: string): string {
  const caData = Buffer.from(ca).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: test",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${caData}`,
    "users:",
    "- name: admin",
    "  user:",
    `    token: ${TOKEN}`,
    "contexts:",
    "- name: test",
    "  context:",
    "    cluster: test",
    "    user: admin",
    "current-context: test",
    "",
  ].join("\n");
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly log: string;
}

/** Starts a process with its output in `<dir>/logs/<name>.log`. */
function launch(dir: string, name: string, bin: string, args: string[]): Proc {
  const log = path.join(dir, "logs", `${name}.log`);
  const fd = fs.openSync(log, "a");
  const child = spawn(bin, args, { cwd: dir, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  child.on("error", () => undefined);
  return { name, child, exited, log };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
async function terminate(p: Proc, graceMs = 15_000): Promise<void> {
  const pid = p.child.pid;
  if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  process.kill(pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (p.child.exitCode === null && p.child.signalCode === null) process.kill(pid, "SIGKILL");
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls `probe` until true; throws with the process's log tail when it exits or time runs out. */
async function until(
  what: string,
  p: Proc,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(
        `${p.name} exited (${p.child.exitCode ?? p.child.signalCode}) before ${what}:\n${tail(p.log)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${tail(p.log)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Installs the CRDs and IngressClass from the cache, and waits for the CRDs to be served. */
async function installCrds(api: KubeApi, file: string): Promise<void> {
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS() as KubeObject | null);
  for (const obj of docs) if (obj) await api.put(obj);
  for (const obj of docs) {
    if (obj?.kind !== "CustomResourceDefinition") continue;
    await api.waitFor(`CRD ${obj.metadata.name} established`, async () => {
      const crd = await api.get("CustomResourceDefinition", undefined, obj.metadata.name);
      const conditions = (crd?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
        ?.conditions;
      return conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
    });
  }
}

/** A Node kwok manages (the annotation), big enough for every test's pods. */
function fakeNode(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", type: "kwok" },
    },
    spec: {},
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "250" },
      capacity: { cpu: "32", memory: "256Gi", pods: "250" },
    },
  };
}

/**
 * Plays ingress-nginx's part in publishing status: every Ingress of class `nginx` without an
 * address gets `status.loadBalancer.ingress: [{ ip: 127.0.0.1 }]`, as the controller writes once
 * it serves the Ingress. The provider's await of an Ingress waits for that address (10 minutes,
 * then fails). No traffic is served. Polls every 500 ms until `stop` is called.
 */
function publishIngressStatus(api: KubeApi): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        for (const ing of await api.list("Ingress")) {
          const spec = ing.spec as { ingressClassName?: string } | undefined;
          const status = ing.status as { loadBalancer?: { ingress?: unknown[] } } | undefined;
          if (spec?.ingressClassName !== "nginx" || (status?.loadBalancer?.ingress?.length ?? 0) > 0)
            continue;
          const at = `${collectionPath("Ingress", ing.metadata.namespace)}/${ing.metadata.name}/status`;
          const patch = { status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } };
          await api.request("PATCH", at, patch, "application/merge-patch+json");
        }
      } catch {
        // The API server is starting or stopping; the next round tries again.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** Starts a cluster. Throws with the failing process's log when one does not come up. */
export async function startCluster(): Promise<TestCluster> {
  const missing = clusterTools.missing();
  if (missing.length > 0) throw new Error(`${missing.join("; ")}; run \`bash scripts/ensure-cluster.sh\``);
  const tools = clusterTools.toolPaths();
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-cluster-"));
  fs.mkdirSync(path.join(dir, "logs"));
  const procs: Proc[] = [];
  let stopPublisher: () => Promise<void> = async () => undefined;
  const stop = async () => {
    await stopPublisher();
    // Reverse order: kwok and the controllers before the API server, etcd last.
    for (const p of [...procs].reverse()) await terminate(p);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    makeCertificates(dir);
    const [etcdPort, peerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, freePort),
    );
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = launch(dir, "etcd", tools.etcd, [
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      // Tests need no durability; fsync on every write only slows a shared disk.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    procs.push(etcd);
    await until("etcd to answer /health", etcd, () => httpOk(`${etcdUrl}/health`));

    fs.writeFileSync(path.join(dir, "tokens.csv"), `${TOKEN},admin,admin,system:masters\n`);
    const server = `https://127.0.0.1:${apiPort}`;
    const ca = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
    const api = new KubeApi(server, TOKEN, ca);
    const apiserver = launch(dir, "kube-apiserver", tools.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${path.join(dir, "server.crt")}`,
      `--tls-private-key-file=${path.join(dir, "server.key")}`,
      `--client-ca-file=${path.join(dir, "ca.crt")}`,
      `--token-auth-file=${path.join(dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${path.join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      // New nodes would get the not-ready taint, which only the node lifecycle controller lifts
      // once kwok reports Ready (tens of seconds); without it the fake node is usable at once.
      "--disable-admission-plugins=TaintNodesByCondition",
      "--profiling=false",
    ]);
    procs.push(apiserver);
    await until("kube-apiserver to answer /readyz", apiserver, async () => {
      const r = await api.request("GET", "/readyz");
      return r.status === 200;
    });

    const kubeconfig = kubeconfigText(server, ca);
    const kubeconfigPath = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    procs.push(
      launch(dir, "kube-controller-manager", tools.kubeControllerManager, [
        `--kubeconfig=${kubeconfigPath}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        `--service-account-private-key-file=${path.join(dir, "sa.key")}`,
        `--root-ca-file=${path.join(dir, "ca.crt")}`,
        "--leader-elect=false",
        // No pod network to allocate: nodeipam off. Everything else (deployment, replicaset,
        // endpoints, serviceaccount, namespace, garbage collector, node lifecycle) runs.
        "--controllers=*,-nodeipam",
        "--profiling=false",
      ]),
      launch(dir, "kube-scheduler", tools.kubeScheduler, [
        `--kubeconfig=${kubeconfigPath}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${schedPort}`,
        "--leader-elect=false",
        "--profiling=false",
      ]),
      launch(dir, "kwok", tools.kwok, [
        `--kubeconfig=${kubeconfigPath}`,
        `--config=${tools.kwokStages}`,
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        `--server-address=127.0.0.1:${kwokPort}`,
      ]),
    );
    const kwok = procs[procs.length - 1] as Proc;
    stopPublisher = publishIngressStatus(api);
    await installCrds(api, tools.crds);
    await api.put(fakeNode());
    await until("the fake node to be Ready", kwok, async () => {
      const node = await api.get("Node", undefined, NODE_NAME);
      const conditions = (
        node?.status as { conditions?: Array<{ type: string; status: string }> } | undefined
      )?.conditions;
      return conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
    });
    for (const p of procs) {
      if (p.child.exitCode !== null)
        throw new Error(`${p.name} exited (${p.child.exitCode}):\n${tail(p.log)}`);
    }
    const startSeconds = (performance.now() - started) / 1000;
    let homes = 0;
    const pulumiHome = () => {
      const home = path.join(dir, `pulumi-home-${++homes}`);
      // A real folder holding links to the plugin's files: the CLI skips a plugin folder that is
      // itself a symbolic link ("no resource plugin ... found").
      const plugin = path.join(home, "plugins", path.basename(tools.pluginDir));
      fs.mkdirSync(plugin, { recursive: true });
      for (const f of fs.readdirSync(tools.pluginDir)) {
        fs.symlinkSync(path.join(tools.pluginDir, f), path.join(plugin, f));
      }
      return home;
    };
    return {
      dir,
      server,
      kubeconfigPath,
      kubeconfig,
      api,
      startSeconds,
      tools,
      pulumiHome,
      stackEnv: () => ({ KUBECONFIG: kubeconfigPath, PULUMI_HOME: pulumiHome() }),
      createNamespace: async (name: string) => {
        await api.put({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
        await api.waitFor(`ServiceAccount ${name}/default`, async () =>
          (await api.get("ServiceAccount", name, "default")) ? true : undefined,
        );
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
export { clusterTools };
