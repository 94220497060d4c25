// The Kubernetes API as a store (`k8s://namespace?context=...&kubeconfig=...&name=...`). Objects
// are ConfigMaps of the namespace, leases are coordination.k8s.io/v1 Leases; both are written with
// the API server's own optimistic concurrency: create is a POST (409 AlreadyExists when the name is
// taken), replace a PUT carrying metadata.resourceVersion (409 Conflict when it moved on), delete
// carries preconditions.resourceVersion. A version is the resourceVersion.
// Objects are named as kubernetes-names.ts says, labelled with the store, so list() is one
// labelled list call (metadata only, bodies stay home); leases are in kubernetes-leases.ts.
import type * as k8s from "@kubernetes/client-node";
import { loadKubeConfig, loadKubernetesClient } from "../../routers/kubernetes/client";
import {
  CONFLICT,
  checkKey,
  type LeaseBackend,
  type ObjectStore,
  StoreError,
  type StoreFailure,
} from "../object-store";
import {
  type BackendOptions,
  checkPrefix,
  DEFAULT_TIMEOUT_MS,
  describeError,
  type Fixes,
  isNetworkError,
  ownKey,
  probeName,
  storeCall,
  storeError,
} from "./common";
import { kubernetesLeases } from "./kubernetes-leases";
import {
  answer,
  KEY_ANNOTATION,
  METADATA_ONLY,
  objectMeta,
  objectName,
  STORE_LABEL,
  serverMessage,
  statusOf,
} from "./kubernetes-names";

/** Where a Kubernetes store is, as parsed from its URL. */
export interface KubernetesLocation {
  readonly namespace: string;
  /** Label value and name prefix of everything the store writes (a DNS label). @default "progressive" */
  readonly name: string;
  /** @default the kubeconfig's current context */
  readonly context?: string;
  /** A kubeconfig path (or its YAML text). @default $KUBECONFIG, ~/.kube/config, or the in-cluster account */
  readonly kubeconfig?: string;
}

/** Opens a Kubernetes store: its objects and its leases. Reads the kubeconfig; calls nothing. */
export function kubernetesBackend(
  loc: KubernetesLocation,
  url: string,
  o: BackendOptions = {},
): { objects: ObjectStore; leases: LeaseBackend } {
  const fail = (failure: StoreFailure, what: string) => (err: unknown) =>
    new StoreError(failure, `store ${url}: ${what}: ${describeError(err)}`, err);
  let k: typeof k8s;
  let kc: k8s.KubeConfig;
  try {
    k = loadKubernetesClient();
  } catch (err) {
    throw fail("failed", "cannot load the Kubernetes client")(err);
  }
  try {
    kc = loadKubeConfig(k, {
      ...(loc.kubeconfig ? { kubeconfig: loc.kubeconfig } : {}),
      ...(loc.context ? { context: loc.context } : {}),
    });
  } catch (err) {
    throw fail("credentials", "cannot use the kubeconfig")(err);
  }
  const server = kc.getCurrentCluster()?.server ?? "(no server)";
  const core = kc.makeApiClient(k.CoreV1Api);
  const coordination = kc.makeApiClient(k.CoordinationV1Api);
  const { namespace, name: store } = loc;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fixes: Fixes = {
    unreachable: `check that the API server ${server} answers (the kubeconfig's cluster, the network)`,
    credentials: "refresh the kubeconfig's credentials (or name the right context with ?context=)",
    notFound: `create the namespace (kubectl create namespace ${namespace}), or name an existing one (e.g. k8s://progressive-system)`,
    forbidden: `grant get, list, create, update, patch and delete on configmaps and coordination.k8s.io leases in the namespace ${namespace}`,
  };

  const classify =
    (what: string) =>
    (err: unknown, timedOut: string | undefined): StoreError => {
      if (err instanceof StoreError) return err;
      const s = statusOf(err);
      const kind: StoreFailure =
        timedOut || (s === undefined && isNetworkError(err))
          ? "unreachable"
          : s === 401
            ? "credentials"
            : s === 403
              ? "forbidden"
              : s === 404
                ? "notFound"
                : "failed";
      const reason = timedOut ?? (s ? `${s} ${serverMessage(err)}` : describeError(err));
      return storeError(kind, url, `${what} in namespace ${namespace}`, reason, fixes, err);
    };

  /** One API call: the deadline's signal on the request, and headers (a list's Accept, a patch's Content-Type). */
  const send = <T>(
    what: string,
    signal: AbortSignal | undefined,
    call: (options: k8s.ConfigurationOptions) => Promise<T>,
    headers: Record<string, string> = {},
  ) =>
    storeCall(
      timeoutMs,
      signal,
      (s) =>
        call({
          middleware: [
            {
              pre: (ctx) => {
                ctx.setSignal(s);
                for (const [h, v] of Object.entries(headers)) ctx.setHeaderParam(h, v);
                return new k.Observable(Promise.resolve(ctx));
              },
              post: (res) => new k.Observable(Promise.resolve(res)),
            },
          ],
          middlewareMergeStrategy: "append",
        }),
      classify(what),
    );

  const configMap = (key: string, body: string, resourceVersion?: string): k8s.V1ConfigMap => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: objectMeta(
      namespace,
      store,
      objectName(store, key),
      { [KEY_ANNOTATION]: key },
      resourceVersion,
    ),
    data: { body },
  });

  const version = (obj: { metadata?: { resourceVersion?: string } }) => obj.metadata?.resourceVersion ?? "";

  const create = (key: string, body: string, signal?: AbortSignal) =>
    send(`create ${key}`, signal, (opt) =>
      answer(
        core.createNamespacedConfigMap({ namespace, body: configMap(key, body) }, opt).then((cm) => ({
          version: version(cm),
        })),
        { 409: CONFLICT },
      ),
    );

  const replace = (key: string, body: string, resourceVersion: string | undefined, signal?: AbortSignal) =>
    send(`replace ${key}`, signal, (opt) =>
      answer(
        core
          .replaceNamespacedConfigMap(
            { name: objectName(store, key), namespace, body: configMap(key, body, resourceVersion) },
            opt,
          )
          .then((cm) => ({ version: version(cm) })),
        // 404: not there (for an unconditional put: create it); 409: another version.
        { 409: CONFLICT, 404: "absent" as const },
      ),
    );

  const objects: ObjectStore = {
    url,

    async check(signal) {
      // Creating is the one call that tells a missing namespace (404) from an empty one.
      const probe = `${store}-${probeName().slice(1).toLowerCase()}`;
      const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: probe, namespace } };
      await send("create a probe ConfigMap", signal, (opt) =>
        core.createNamespacedConfigMap({ namespace, body: cm }, opt),
      );
      await send("remove the probe ConfigMap", signal, (opt) =>
        core.deleteNamespacedConfigMap({ name: probe, namespace }, opt),
      );
      const lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: probe, namespace },
      };
      await send("create a probe Lease", signal, (opt) =>
        coordination.createNamespacedLease({ namespace, body: lease }, opt),
      );
      await send("remove the probe Lease", signal, (opt) =>
        coordination.deleteNamespacedLease({ name: probe, namespace }, opt),
      );
    },

    async get(key, signal) {
      const name = objectName(store, checkKey(key));
      return send(`read ${key}`, signal, async (opt) => {
        const cm = await answer(core.readNamespacedConfigMap({ name, namespace }, opt), { 404: undefined });
        if (!cm) return undefined;
        if (cm.metadata?.annotations?.[KEY_ANNOTATION] !== key)
          throw new StoreError(
            "failed",
            `store ${url}: the ConfigMap ${namespace}/${name} holds ${JSON.stringify(cm.metadata?.annotations?.[KEY_ANNOTATION])}, not ${JSON.stringify(key)}; another tool wrote it, remove it`,
          );
        return { body: cm.data?.["body"] ?? "", version: version(cm) };
      });
    },

    async put(key, body, precondition, signal) {
      checkKey(key);
      if (precondition && "ifAbsent" in precondition) return create(key, body, signal);
      if (precondition) {
        const r = await replace(key, body, precondition.ifVersion, signal);
        return r === "absent" ? CONFLICT : r;
      }
      // Unconditional: replace, else create; a create that loses to another writer replaces again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const r = await replace(key, body, undefined, signal);
        if (r !== "absent") return r;
        const c = await create(key, body, signal);
        if (c !== CONFLICT) return c;
      }
      throw new StoreError(
        "failed",
        `store ${url}: could not write ${key}: it kept being created and deleted`,
      );
    },

    async delete(key, precondition, signal) {
      const name = objectName(store, checkKey(key));
      const body = precondition ? { preconditions: { resourceVersion: precondition.ifVersion } } : {};
      return send(`delete ${key}`, signal, (opt) =>
        answer(
          core.deleteNamespacedConfigMap({ name, namespace, body }, opt).then(() => "deleted" as const),
          { 404: "absent" as const, 409: CONFLICT },
        ),
      );
    },

    async list(prefix, signal) {
      checkPrefix(prefix);
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const from = token;
        const page = await send(
          `list ${prefix || "the store"}`,
          signal,
          (opt) =>
            core.listNamespacedConfigMap(
              {
                namespace,
                labelSelector: `${STORE_LABEL}=${store}`,
                limit: o.pageSize ?? 500,
                ...(from ? { _continue: from } : {}),
              },
              opt,
            ),
          { Accept: METADATA_ONLY },
        );
        // An empty metadata-only list carries `items: null`.
        for (const item of page.items ?? []) {
          const key = ownKey(item.metadata?.annotations?.[KEY_ANNOTATION] ?? "", prefix);
          if (key !== undefined) keys.push(prefix + key);
        }
        token = page.metadata?._continue || undefined;
      } while (token);
      return keys.sort();
    },
  };

  return {
    objects,
    leases: kubernetesLeases(k, coordination, { namespace, store, send }),
  };
}
