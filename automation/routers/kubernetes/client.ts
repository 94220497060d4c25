// The Kubernetes API, as the routers use it: the official client loaded only when a Kubernetes
// router is used (it is an optional peer dependency, and an ES module that costs seconds to load),
// a kubeconfig resolved once per control, per-call deadlines and errors that say what to do.
// Only types are imported at the top, so nothing here loads the client on the local path.
import type * as k8s from "@kubernetes/client-node";
import { type ControlContext, controlContext } from "../context";
import { type Deadline, errorText, type RouterControlOptions } from "../types";

/** The client package's module. */
export type KubernetesClient = typeof k8s;

/** Name of the optional peer dependency. */
export const KUBERNETES_CLIENT_PACKAGE = "@kubernetes/client-node";

/** Message of the error thrown when the client package is not installed. */
export const MISSING_CLIENT_MESSAGE =
  "install @kubernetes/client-node to release Kubernetes services (npm install @kubernetes/client-node)";

let loaded: KubernetesClient | undefined;

/**
 * Loads `@kubernetes/client-node` (cached after the first success with the default `load`).
 * Throws an Error saying how to install it when it is missing, or which Node.js it needs when
 * this one cannot `require()` an ES module. `load` is injectable for tests.
 */
export function loadKubernetesClient(load: (id: string) => unknown = require): KubernetesClient {
  const useCache = load === require;
  if (useCache && loaded) return loaded;
  let mod: unknown;
  try {
    mod = load(KUBERNETES_CLIENT_PACKAGE);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const first = errorText(err).split("\n")[0] ?? "";
    if (
      (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") &&
      first.includes(KUBERNETES_CLIENT_PACKAGE)
    ) {
      throw new Error(MISSING_CLIENT_MESSAGE, { cause: err });
    }
    if (code === "ERR_REQUIRE_ESM") {
      throw new Error(
        `${KUBERNETES_CLIENT_PACKAGE} is an ES module that Node.js ${process.version} cannot require(); use Node.js 20.19 or later`,
        { cause: err },
      );
    }
    throw new Error(
      `could not load ${KUBERNETES_CLIENT_PACKAGE}: ${first}; reinstall it (npm install ${KUBERNETES_CLIENT_PACKAGE})`,
      { cause: err },
    );
  }
  const client = mod as Partial<KubernetesClient> | null;
  if (typeof client?.KubeConfig !== "function" || typeof client.CoreV1Api !== "function") {
    throw new Error(
      `${KUBERNETES_CLIENT_PACKAGE} loaded without KubeConfig or CoreV1Api; install version 1 or later (npm install ${KUBERNETES_CLIENT_PACKAGE}@^1)`,
    );
  }
  if (useCache) loaded = client as KubernetesClient;
  return client as KubernetesClient;
}

/**
 * A KubeConfig from `o.kubeconfig` (a path, or YAML text when it has a newline), else the default
 * one; `o.context` selects a context. Throws an Error naming what is wrong and the fix.
 */
export function loadKubeConfig(k: KubernetesClient, o: RouterControlOptions): k8s.KubeConfig {
  const kc = new k.KubeConfig();
  const source = o.kubeconfig;
  try {
    if (source === undefined) kc.loadFromDefault();
    else if (source.includes("\n")) kc.loadFromString(source);
    else kc.loadFromFile(source);
  } catch (err) {
    const where =
      source === undefined
        ? "the default kubeconfig"
        : source.includes("\n")
          ? "the kubeconfig text"
          : `kubeconfig ${source}`;
    throw new Error(`could not load ${where}: ${errorText(err)}; pass kubeconfig (a path or YAML text)`);
  }
  if (o.context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(o.context)) {
      throw new Error(
        `the kubeconfig has no context ${JSON.stringify(o.context)}; use one of ${names.map((n) => JSON.stringify(n)).join(", ") || "(none)"}`,
      );
    }
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error("the kubeconfig has no current cluster; set current-context or pass context");
  }
  return kc;
}

/** The API groups the routers call, and the cluster they talk to. */
export interface KubeApis {
  readonly k: KubernetesClient;
  readonly server: string;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly networking: k8s.NetworkingV1Api;
  readonly custom: k8s.CustomObjectsApi;
}

/**
 * A lazy connection: the client is loaded and the kubeconfig read at the first call, and kept
 * after a success (a failure is retried at the next call, so a fixed kubeconfig is picked up).
 */
export function kubeSession(o: RouterControlOptions): () => KubeApis {
  let apis: KubeApis | undefined;
  return () => {
    if (apis) return apis;
    const k = loadKubernetesClient();
    const kc = loadKubeConfig(k, o);
    apis = {
      k,
      server: kc.getCurrentCluster()?.server ?? "(unknown server)",
      core: kc.makeApiClient(k.CoreV1Api),
      apps: kc.makeApiClient(k.AppsV1Api),
      networking: kc.makeApiClient(k.NetworkingV1Api),
      custom: kc.makeApiClient(k.CustomObjectsApi),
    };
    return apis;
  };
}

/** Content type of every patch the routers send: a JSON merge patch (RFC 7386), understood by every kind. */
export const MERGE_PATCH = "application/merge-patch+json";

/**
 * Per-call options: the deadline's signal on the request and, for patches, the content type (the
 * generated client would otherwise send a JSON patch).
 */
export function callOptions(apis: KubeApis, d: Deadline, contentType?: string): k8s.ConfigurationOptions {
  const { Observable } = apis.k;
  const middleware: k8s.ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(d.signal);
      if (contentType) ctx.setHeaderParam("Content-Type", contentType);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res) => new Observable(Promise.resolve(res)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: "append" };
}

/** An API error's status and the server's message, when `err` is one. */
function apiStatus(err: unknown): { code: number; message: string } | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { code, body } = err as { code?: unknown; body?: unknown };
  if (typeof code !== "number") return undefined;
  // The generated client hands the body over parsed or as text, depending on the content type.
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = body.trim();
    }
  }
  const said = (parsed as { message?: unknown } | null | undefined)?.message;
  const message = typeof said === "string" ? said : typeof parsed === "string" ? parsed : "";
  return { code, message };
}

/**
 * Why a call about `what` (e.g. "read Ingress web/web-canary") failed, and what to do. The one
 * place that knows the client's error shapes.
 */
export function kubeFailure(what: string, err: unknown, d: Deadline, server: string): string {
  const status = apiStatus(err);
  if (status) {
    const said = status.message ? `: ${status.message}` : "";
    switch (status.code) {
      case 404:
        return `could not ${what}: not found (404)${said}; check the name and namespace, and that the kubeconfig points at the cluster the stack deployed to`;
      case 401:
        return `could not ${what}: the API server refused the kubeconfig's credentials (401); refresh them`;
      case 403:
        return `could not ${what}: forbidden (403)${said}; grant the kubeconfig's user get, patch and update on it`;
      case 409:
        return `could not ${what}: another writer changed it at the same time (409)${said}; retry`;
      default:
        return `could not ${what}: the API server answered ${status.code}${said}`;
    }
  }
  const text = d.describe(err);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(text)) {
    return `could not ${what}: the API server ${server} is not reachable (${text}); check the kubeconfig's cluster and your network`;
  }
  return `could not ${what}: ${text}`;
}

/** A failed API call; the message says what failed and what to do. */
export class KubeCallError extends Error {
  /** HTTP status of the API server's answer. @default unset: no answer (network, deadline) */
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, cause: unknown) {
    super(message, { cause });
    this.name = "KubeCallError";
    this.status = status;
  }
}

/**
 * One API call about `what` (e.g. "read Ingress web/web-canary") under the deadline `d`; throws a
 * {@link KubeCallError} whose message is the reason to report.
 */
export async function kubeCall<T>(
  apis: KubeApis,
  d: Deadline,
  what: string,
  call: (options: k8s.ConfigurationOptions) => Promise<T>,
  contentType?: string,
): Promise<T> {
  d.check();
  try {
    return await call(callOptions(apis, d, contentType));
  } catch (err) {
    throw new KubeCallError(kubeFailure(what, err, d, apis.server), apiStatus(err)?.code, err);
  }
}

/** One merge patch about `what` (e.g. "patch Service web/web"): a {@link kubeCall} with {@link MERGE_PATCH}. */
export function kubePatch<T>(
  apis: KubeApis,
  d: Deadline,
  what: string,
  call: (options: k8s.ConfigurationOptions) => Promise<T>,
): Promise<T> {
  return kubeCall(apis, d, what, call, MERGE_PATCH);
}

/**
 * The context of a control built with `options`: the connection is made at its first call (see
 * {@link kubeSession}), and a failed call's reason is the {@link KubeCallError}'s message.
 */
export function kubeContext(options: RouterControlOptions): ControlContext<KubeApis> {
  return controlContext({
    connect: kubeSession(options),
    timeoutMs: options.timeoutMs,
    reason: (err, d) => (err instanceof KubeCallError ? err.message : d.describe(err)),
  });
}

/** `namespace/name`, as reasons name objects. */
export function ref(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
