// A fake Kubernetes API server on 127.0.0.1 for the router tests: objects in a Map, keyed by their
// REST path, answering GET, merge PATCH and PUT (with resourceVersion conflicts) the way the API
// server does for the calls the routers make, with a bearer token. It logs requests so tests can
// assert what was sent, and lets a test act between a read and a write.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { type KubeObject, type KubeTestCluster, kubeconfigText } from "./kube-cluster";

/** Token the fake accepts. */
export const FAKE_TOKEN = "fake-kube-token-0123456789";

const KINDS: Readonly<Record<string, { apiVersion: string; plural: string }>> = {
  Ingress: { apiVersion: "networking.k8s.io/v1", plural: "ingresses" },
  HTTPRoute: { apiVersion: "gateway.networking.k8s.io/v1", plural: "httproutes" },
  Deployment: { apiVersion: "apps/v1", plural: "deployments" },
  Service: { apiVersion: "v1", plural: "services" },
  ConfigMap: { apiVersion: "v1", plural: "configmaps" },
};

function pathOf(kind: string, namespace: string, name: string): string {
  const k = KINDS[kind];
  if (!k) throw new Error(`the fake API server does not know kind ${kind}; add it to KINDS`);
  const group = k.apiVersion.includes("/") ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
  return `${group}/namespaces/${namespace}/${k.plural}/${name}`;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** One request the fake received. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** The fake server: a {@link KubeTestCluster} plus what only a fake can do. */
export interface FakeKube extends KubeTestCluster {
  /** `http://127.0.0.1:<port>`. */
  readonly server: string;
  /** Requests received, oldest first. */
  readonly requests: LoggedRequest[];
  /** Called before each PATCH or PUT is applied (e.g. to change the object under the writer). */
  beforeWrite: ((req: LoggedRequest) => void) | undefined;
  /** Stores an object as-is, without a write's bookkeeping (for `beforeWrite`). */
  putRaw(obj: KubeObject): void;
}

/** Starts the fake API server on 127.0.0.1 (a free port). Close it in `after`. */
export async function startFakeKube(): Promise<FakeKube> {
  const objects = new Map<string, KubeObject>();
  const requests: LoggedRequest[] = [];
  let version = 100;

  const store = (path: string, obj: KubeObject, previous: KubeObject | undefined): KubeObject => {
    const generation = Number(previous?.metadata.generation ?? obj.metadata.generation ?? 1);
    const specChanged = previous !== undefined && JSON.stringify(previous.spec) !== JSON.stringify(obj.spec);
    const saved = {
      ...obj,
      metadata: {
        ...obj.metadata,
        resourceVersion: String(++version),
        generation: specChanged ? generation + 1 : generation,
      },
    };
    objects.set(path, saved);
    return saved;
  };

  const status = (res: http.ServerResponse, code: number, reason: string, message: string) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code }));
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, text: string) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const contentType = req.headers["content-type"]?.split(";")[0]?.trim();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return status(res, 400, "BadRequest", "the body is not JSON");
    }
    const logged: LoggedRequest = { method: req.method ?? "", path, contentType, body };
    requests.push(logged);
    if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`)
      return status(res, 401, "Unauthorized", "Unauthorized");
    const m = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/[^/]+\/([^/]+)\/([^/]+)$/.exec(path);
    if (!m) return status(res, 404, "NotFound", `the server could not find the requested resource (${path})`);
    const current = objects.get(path);
    const notFound = () => status(res, 404, "NotFound", `${m[1]} "${m[2]}" not found`);
    const send = (obj: KubeObject) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(obj));
    };
    switch (req.method) {
      case "GET":
        return current ? send(current) : notFound();
      case "PATCH": {
        if (!current) return notFound();
        // The routers send merge patches; anything else would be a change to assert on.
        if (contentType !== "application/merge-patch+json") {
          return status(res, 415, "UnsupportedMediaType", `the fake takes merge patches, not ${contentType}`);
        }
        beforeWrite?.(logged);
        const now = objects.get(path) ?? current;
        return send(store(path, mergePatch(now, body) as KubeObject, now));
      }
      case "PUT": {
        if (!current) return notFound();
        beforeWrite?.(logged);
        const now = objects.get(path) ?? current;
        const sent = (body as KubeObject | undefined)?.metadata?.resourceVersion;
        if (sent !== undefined && sent !== now.metadata.resourceVersion) {
          return status(
            res,
            409,
            "Conflict",
            `Operation cannot be fulfilled on ${m[1]} "${m[2]}": the object has been modified; please apply your changes to the latest version and try again`,
          );
        }
        return send(store(path, body as KubeObject, now));
      }
      default:
        return status(res, 405, "MethodNotAllowed", `${req.method} is not supported by the fake`);
    }
  };

  let beforeWrite: ((req: LoggedRequest) => void) | undefined;
  const server = http.createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      text += c;
    });
    req.on("end", () => handle(req, res, text));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    server: url,
    kubeconfig: kubeconfigText([{ name: "fake", server: url, token: FAKE_TOKEN }], "fake"),
    requests,
    get beforeWrite() {
      return beforeWrite;
    },
    set beforeWrite(fn) {
      beforeWrite = fn;
    },
    putRaw(obj) {
      objects.set(pathOf(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
    },
    async put(obj) {
      const path = pathOf(obj.kind, obj.metadata.namespace, obj.metadata.name);
      store(path, obj, undefined);
    },
    async get(kind, namespace, name) {
      return objects.get(pathOf(kind, namespace, name));
    },
    async remove(kind, namespace, name) {
      objects.delete(pathOf(kind, namespace, name));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
