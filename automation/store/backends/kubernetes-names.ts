// What the Kubernetes store's objects are called and carry, shared by its ConfigMaps and its
// Leases: names derived from the store name and the key (a hash keeps them unique and within 253
// characters, a readable tail helps kubectl users), the key in an annotation, a label naming the
// store, and how an API answer's status becomes a result.
import { createHash } from "node:crypto";
import { describeError } from "./common";

export const STORE_LABEL = "progressive.dev/store";
export const KEY_ANNOTATION = "progressive.dev/key";
export const HOLDER_ANNOTATION = "progressive.dev/holder";
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "pulumi-progressive-delivery" };
/** Asks the API server for metadata only: list() needs names and annotations, not bodies. */
export const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/**
 * The object name of `key` in store `store`: `<store>-<16 hex of sha256>-<readable tail>`, a
 * DNS-1123 subdomain of at most 253 characters. Case and punctuation fold into the tail, the
 * hash keeps keys that fold alike apart.
 */
export function objectName(store: string, key: string): string {
  const hash = createHash("sha256").update(key, "utf8").digest("hex").slice(0, 16);
  const tail = key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${store}-${hash}${tail ? `-${tail}` : ""}`.slice(0, 253).replace(/-+$/, "");
}

export const statusOf = (err: unknown): number | undefined => {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "number" && c >= 100 ? c : undefined;
};

/** The API server's own message (its Status body), when it sent one. */
export function serverMessage(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  try {
    const parsed = typeof body === "string" ? JSON.parse(body) : body;
    const m = (parsed as { message?: unknown } | null)?.message;
    if (typeof m === "string") return m;
  } catch {
    // not JSON: fall through
  }
  return describeError(err).split("\n")[0] ?? "";
}

/** `p`'s value, or `onStatus[status]` when the API server answered that status. */
export async function answer<T, U>(p: Promise<T>, onStatus: Record<number, U>): Promise<T | U> {
  try {
    return await p;
  } catch (err) {
    const s = statusOf(err);
    if (s !== undefined && s in onStatus) return onStatus[s] as U;
    throw err;
  }
}

/** Metadata of an object the store writes: its name, the store's label, annotations, a precondition. */
export function objectMeta(
  namespace: string,
  store: string,
  name: string,
  annotations: Record<string, string>,
  resourceVersion?: string,
): {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resourceVersion?: string;
} {
  return {
    name,
    namespace,
    labels: { [STORE_LABEL]: store, ...MANAGED_BY },
    annotations,
    ...(resourceVersion ? { resourceVersion } : {}),
  };
}
