// A small client of the test cluster's API server, for the harness and the cluster tests: plain
// HTTPS with the cluster's CA and bearer token, JSON in and out, and the handful of kinds the tests
// touch. The routers under test use @kubernetes/client-node; this one stays independent of it, so
// a test reads what the API server holds, not what the client under test believes.
import * as https from "node:https";

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** An API answer: status and parsed body (text when it is not JSON). */
export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Where each kind lives: API path prefix, plural, and whether it is namespaced. */
const KINDS: Readonly<
  Record<string, { readonly base: string; readonly plural: string; readonly namespaced: boolean }>
> = {
  Namespace: { base: "/api/v1", plural: "namespaces", namespaced: false },
  Node: { base: "/api/v1", plural: "nodes", namespaced: false },
  Service: { base: "/api/v1", plural: "services", namespaced: true },
  Pod: { base: "/api/v1", plural: "pods", namespaced: true },
  Secret: { base: "/api/v1", plural: "secrets", namespaced: true },
  ConfigMap: { base: "/api/v1", plural: "configmaps", namespaced: true },
  ServiceAccount: { base: "/api/v1", plural: "serviceaccounts", namespaced: true },
  Endpoints: { base: "/api/v1", plural: "endpoints", namespaced: true },
  Deployment: { base: "/apis/apps/v1", plural: "deployments", namespaced: true },
  ReplicaSet: { base: "/apis/apps/v1", plural: "replicasets", namespaced: true },
  Ingress: { base: "/apis/networking.k8s.io/v1", plural: "ingresses", namespaced: true },
  IngressClass: { base: "/apis/networking.k8s.io/v1", plural: "ingressclasses", namespaced: false },
  HTTPRoute: { base: "/apis/gateway.networking.k8s.io/v1", plural: "httproutes", namespaced: true },
  HorizontalPodAutoscaler: {
    base: "/apis/autoscaling/v2",
    plural: "horizontalpodautoscalers",
    namespaced: true,
  },
  PodDisruptionBudget: { base: "/apis/policy/v1", plural: "poddisruptionbudgets", namespaced: true },
  CustomResourceDefinition: {
    base: "/apis/apiextensions.k8s.io/v1",
    plural: "customresourcedefinitions",
    namespaced: false,
  },
};

/** Kinds a namespace can hold that the components create; `destroy` must leave none behind. */
export const WORKLOAD_KINDS = [
  "Deployment",
  "ReplicaSet",
  "Pod",
  "Service",
  "Ingress",
  "HTTPRoute",
  "Secret",
  "ConfigMap",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
] as const;

/** The collection path of a kind: in `namespace`, or across all namespaces when none is given. */
export function collectionPath(kind: string, namespace?: string): string {
  const k = KINDS[kind];
  if (!k) throw new Error(`kube-api: unknown kind ${kind}; add it to KINDS in harness/kube-api.ts`);
  return k.namespaced && namespace
    ? `${k.base}/namespaces/${namespace}/${k.plural}`
    : `${k.base}/${k.plural}`;
}

export class KubeApi {
  constructor(
    readonly server: string,
    private readonly token: string,
    private readonly ca: string,
  ) {}

  /** One request; never throws for an HTTP status, only when there was no answer. */
  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<KubeResponse> {
    const url = new URL(path, this.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.ca,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: "application/json",
            // A length, not chunked: the API server answered the request after a chunked DELETE
            // on the same kept-alive connection with a bare "400 Bad Request".
            ...(payload !== undefined
              ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) }
              : {}),
          },
          timeout: 15_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("end", () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON (e.g. /readyz): keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Throws with the server's message unless the status is 2xx. */
  async ok(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const r = await this.request(method, path, body, contentType);
    if (r.status < 200 || r.status > 299) {
      const msg = (r.body as { message?: string } | undefined)?.message ?? JSON.stringify(r.body);
      throw new Error(`${method} ${path}: HTTP ${r.status}: ${msg}`);
    }
    return r.body;
  }

  /** The object, or undefined on 404. */
  async get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const r = await this.request("GET", `${collectionPath(kind, namespace)}/${name}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${kind} ${namespace ?? ""}/${name}: HTTP ${r.status}`);
    return r.body as KubeObject;
  }

  /** The object; throws when there is none. */
  async must(kind: string, namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.get(kind, namespace, name);
    if (!obj) throw new Error(`no ${kind} ${namespace ?? ""}/${name} on the API server`);
    return obj;
  }

  /** Objects of a kind in a namespace (or cluster-wide). */
  async list(kind: string, namespace?: string): Promise<KubeObject[]> {
    const body = (await this.ok("GET", collectionPath(kind, namespace))) as { items?: KubeObject[] };
    return body.items ?? [];
  }

  /** Creates the object, or replaces it (keeping its resourceVersion) when it exists. */
  async put(obj: KubeObject): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    const existing = await this.get(obj.kind, ns, obj.metadata.name);
    if (!existing) return (await this.ok("POST", collectionPath(obj.kind, ns), obj)) as KubeObject;
    const replaced = {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion },
    };
    return (await this.ok(
      "PUT",
      `${collectionPath(obj.kind, ns)}/${obj.metadata.name}`,
      replaced,
    )) as KubeObject;
  }

  /** Deletes the object if it exists (foreground, so a Deployment's pods go with it). */
  async remove(kind: string, namespace: string | undefined, name: string): Promise<void> {
    const r = await this.request("DELETE", `${collectionPath(kind, namespace)}/${name}`, {
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: "Foreground",
    });
    if (r.status !== 404 && (r.status < 200 || r.status > 299)) {
      throw new Error(`DELETE ${kind} ${namespace ?? ""}/${name}: HTTP ${r.status}`);
    }
  }

  /** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes; throws with `what`. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ""}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
