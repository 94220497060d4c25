// Leases of the Kubernetes store: coordination.k8s.io/v1 Lease objects (holderIdentity,
// leaseDurationSeconds, acquireTime, renewTime; the holder's JSON in an annotation), created with a
// POST (409 when taken), renewed or taken over with a merge patch carrying resourceVersion, deleted
// with preconditions.resourceVersion. `kubectl get leases -l progressive.dev/store=<name>` shows them.
import type * as k8s from "@kubernetes/client-node";
import { MERGE_PATCH } from "../../routers/kubernetes/client";
import { CONFLICT, checkKey, type LeaseBackend, type LeaseRecord } from "../object-store";
import { answer, HOLDER_ANNOTATION, KEY_ANNOTATION, objectMeta, objectName } from "./kubernetes-names";

/** One API call of the store: the deadline's signal on it, and extra headers. */
export type Send = <T>(
  what: string,
  signal: AbortSignal | undefined,
  call: (options: k8s.ConfigurationOptions) => Promise<T>,
  headers?: Record<string, string>,
) => Promise<T>;

/** Leases as coordination.k8s.io/v1 Lease objects, with the holder's JSON in an annotation. */
export function kubernetesLeases(
  k: typeof k8s,
  api: k8s.CoordinationV1Api,
  c: { readonly namespace: string; readonly store: string; readonly send: Send },
): LeaseBackend {
  const { namespace, store, send } = c;
  const leaseName = (name: string) => objectName(store, checkKey(name));
  const lease = (name: string, r: LeaseRecord, resourceVersion?: string): k8s.V1Lease => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: objectMeta(
      namespace,
      store,
      leaseName(name),
      { [KEY_ANNOTATION]: name, [HOLDER_ANNOTATION]: r.holder },
      resourceVersion,
    ),
    spec: {
      holderIdentity: r.holderIdentity,
      leaseDurationSeconds: r.durationSeconds,
      acquireTime: new k.V1MicroTime(r.acquiredAt),
      renewTime: new k.V1MicroTime(r.renewedAt),
    },
  });
  const iso = (t: unknown) => (t === undefined ? "" : new Date(t as string | Date).toISOString());
  const version = (l: k8s.V1Lease) => ({ version: l.metadata?.resourceVersion ?? "" });

  return {
    async get(name, signal) {
      const n = leaseName(name);
      return send(`read the lease ${name}`, signal, async (opt) => {
        const l = await answer(api.readNamespacedLease({ name: n, namespace }, opt), { 404: undefined });
        if (!l) return undefined;
        const record: LeaseRecord = {
          holder: l.metadata?.annotations?.[HOLDER_ANNOTATION] ?? "",
          holderIdentity: l.spec?.holderIdentity ?? "",
          acquiredAt: iso(l.spec?.acquireTime),
          renewedAt: iso(l.spec?.renewTime),
          durationSeconds: l.spec?.leaseDurationSeconds ?? 0,
        };
        return { record, version: l.metadata?.resourceVersion ?? "" };
      });
    },
    async create(name, record, signal) {
      const body = lease(name, record);
      return send(`create the lease ${name}`, signal, (opt) =>
        answer(api.createNamespacedLease({ namespace, body }, opt).then(version), { 409: CONFLICT }),
      );
    },
    async update(name, record, resourceVersion, signal) {
      // A merge patch carrying resourceVersion, not a PUT: a PUT would re-create a Lease that was
      // deleted meanwhile (Leases allow create on update), and a renewal must never do that.
      const { apiVersion: _a, kind: _k, ...body } = lease(name, record, resourceVersion);
      return send(
        `update the lease ${name}`,
        signal,
        (opt) =>
          answer(api.patchNamespacedLease({ name: leaseName(name), namespace, body }, opt).then(version), {
            409: CONFLICT,
            404: CONFLICT,
          }),
        { "Content-Type": MERGE_PATCH },
      );
    },
    async delete(name, resourceVersion, signal) {
      const body = { preconditions: { resourceVersion } };
      return send(`delete the lease ${name}`, signal, (opt) =>
        answer(
          api
            .deleteNamespacedLease({ name: leaseName(name), namespace, body }, opt)
            .then(() => "deleted" as const),
          { 404: "absent" as const, 409: CONFLICT },
        ),
      );
    },
  };
}
