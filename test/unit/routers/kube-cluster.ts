// What the Kubernetes router tests need of a cluster, so the same cases run against the fake API
// server here and against a real API server in the cluster tier: a kubeconfig, and a way to put
// and get objects. Plus builders of the objects the routers read.

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A cluster the tests can use. */
export interface KubeTestCluster {
  /** Kubeconfig YAML text whose current context reaches the cluster. */
  readonly kubeconfig: string;
  /** Creates or replaces an object (status included, where the cluster allows it). */
  put(obj: KubeObject): Promise<void>;
  /** The object, or undefined when there is none. */
  get(kind: string, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Deletes an object if it exists. */
  remove(kind: string, namespace: string, name: string): Promise<void>;
  /** Stops what the helper started. */
  close(): Promise<void>;
}

/** Kubeconfig text for a plain-HTTP server with a bearer token; `current` picks the current context. */
export function kubeconfigText(
  contexts: ReadonlyArray<{ name: string; server: string; token: string }>,
  current: string,
): string {
  const lines = ["apiVersion: v1", "kind: Config", "clusters:"];
  for (const c of contexts) {
    lines.push(
      `- name: ${c.name}`,
      "  cluster:",
      `    server: ${c.server}`,
      "    insecure-skip-tls-verify: true",
    );
  }
  lines.push("users:");
  for (const c of contexts) lines.push(`- name: ${c.name}`, "  user:", `    token: ${c.token}`);
  lines.push("contexts:");
  for (const c of contexts) {
    lines.push(`- name: ${c.name}`, "  context:", `    cluster: ${c.name}`, `    user: ${c.name}`);
  }
  lines.push(`current-context: ${current}`, "");
  return lines.join("\n");
}

export const NS = "shop";

/** A plain Ingress to `service`. */
export function ingress(name: string, service: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: NS, annotations },
    spec: {
      rules: [
        {
          host: "shop.example",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** An HTTPRoute whose rules have these `[stable, canary]` weights (undefined: no ref to that Service). */
export function httpRoute(
  name: string,
  rules: ReadonlyArray<readonly [number | undefined, number | undefined]>,
): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: "gw" }],
      rules: rules.map(([stable, canary], i) => ({
        matches: [{ path: { type: "PathPrefix", value: `/p${i}` } }],
        backendRefs: [
          ...(stable === undefined ? [] : [{ name: "web-stable", port: 80, weight: stable }]),
          ...(canary === undefined ? [] : [{ name: "web-canary", port: 80, weight: canary }]),
        ],
      })),
    },
  };
}

/** A Deployment with `replicas` desired and `ready` ready (status as a fake server keeps it). */
export function deployment(name: string, replicas: number, ready: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web", slot: name } },
      template: {
        metadata: { labels: { app: "web", slot: name } },
        spec: { containers: [{ name: "web", image: "web:v1" }] },
      },
    },
    status: { observedGeneration: 1, replicas, ...(ready > 0 ? { readyReplicas: ready } : {}) },
  };
}

/** A Service selecting `app: web` and `label: color`. */
export function service(name: string, label: string, color: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: NS },
    spec: { selector: { app: "web", [label]: color }, ports: [{ port: 80, targetPort: 8080 }] },
  };
}
