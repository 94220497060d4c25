// The storage primitive every shared release store is built on: small text objects under
// slash-separated keys, read with a version and written with a precondition, so that of two
// writers racing on one key exactly one wins and the other learns it lost (compare-and-swap). The
// release store (journals, leases, history, reports, flag index) is written once over this
// interface; each backend (S3, Azure Blob, Google Cloud Storage, the Kubernetes API, a folder)
// implements only these few calls with its own conditional-write mechanism.

/** An object as read: its text and the version a conditional write compares against. */
export interface StoredObject {
  readonly body: string;
  /** Opaque: an S3/Azure ETag, a GCS generation, a Kubernetes resourceVersion. */
  readonly version: string;
}

/** When a write or delete may happen: only if the key is absent, or only if it is still at `version`. */
export type Precondition = { readonly ifAbsent: true } | { readonly ifVersion: string };

/** A conditional write that lost: the object was created, changed or deleted by someone else. */
export const CONFLICT = "conflict" as const;

/**
 * Keys are relative paths of segments made of `[A-Za-z0-9._-]`, joined by `/` (e.g.
 * `releases/shop/dev/web.json`); at most 512 characters, each segment at most 200 (a segment is a
 * file name in the folder store, and filesystems stop at 255 bytes with room needed for the
 * mutex suffix). Bodies are UTF-8 text (JSON, Markdown, SVG), at most 512 KiB. Every call may
 * throw a {@link StoreError}.
 */
export interface ObjectStore {
  /** Where it is, printable (never credentials or signed query strings), e.g. `s3://bucket/prefix`. */
  readonly url: string;
  /**
   * Checks that the store can be used now: reachable, credentials accepted, bucket/container/
   * namespace present, reads and conditional writes allowed. Throws a StoreError whose message
   * names the URL and the fix. Writes nothing that outlives the call.
   */
  check(signal?: AbortSignal): Promise<void>;
  /** The object at `key`, or undefined when there is none. */
  get(key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  /**
   * Writes `body` at `key`. With a precondition the write is atomic against every other writer:
   * `ifAbsent` creates only when there is no object, `ifVersion` replaces only that version.
   * Resolves with the new version, or {@link CONFLICT} when the precondition does not hold.
   * Without a precondition the write is unconditional (last writer wins).
   */
  put(
    key: string,
    body: string,
    precondition?: Precondition,
    signal?: AbortSignal,
  ): Promise<{ readonly version: string } | typeof CONFLICT>;
  /**
   * Deletes `key` (only at `ifVersion` when given). Resolves "deleted", "absent" (nothing there),
   * or {@link CONFLICT} (there, but at another version).
   */
  delete(
    key: string,
    precondition?: { readonly ifVersion: string },
    signal?: AbortSignal,
  ): Promise<"deleted" | "absent" | typeof CONFLICT>;
  /** Every key under `prefix` (a key prefix ending in `/`, or "" for all), sorted. */
  list(prefix: string, signal?: AbortSignal): Promise<string[]>;
}

/** Why a store call failed, with what to do about it. */
export type StoreFailure =
  | "unreachable" // connection refused, DNS, timeout
  | "credentials" // missing or refused credentials
  | "notFound" // the bucket, container or namespace does not exist
  | "forbidden" // authenticated, but not allowed
  | "unsupported" // the service does not honour the conditional write (e.g. an old S3-compatible server)
  | "badUrl" // the store URL itself is wrong
  | "failed"; // anything else the service answered

/** A store call that failed; the message names the store's URL and the fix. */
export class StoreError extends Error {
  constructor(
    readonly failure: StoreFailure,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** The longest key every backend accepts. */
export const MAX_KEY_LENGTH = 512;

/** A key as every backend accepts it; throws a StoreError("badUrl") naming the key otherwise. */
export function checkKey(key: string): string {
  if (
    key.length === 0 ||
    key.length > MAX_KEY_LENGTH ||
    !/^[A-Za-z0-9._-]{1,200}(\/[A-Za-z0-9._-]{1,200})*$/.test(key) ||
    /(^|\/)\.\.?(\/|$)/.test(key)
  )
    throw new StoreError(
      "badUrl",
      `store key ${JSON.stringify(key)} is not a relative path of [A-Za-z0-9._-] segments (at most ${MAX_KEY_LENGTH} characters, 200 a segment, no "." or ".." segment)`,
    );
  return key;
}

/**
 * A lease as stored: who holds it and until when. The release store decides takeovers from
 * `expiresAt`; a backend only stores and compares versions.
 */
export interface LeaseRecord {
  /** The holder, as JSON text (host, pid, run id, CI run URL, what it does). */
  readonly holder: string;
  /** A short printable identity of the holder, e.g. `runner-7/4242/r-20261206T1500Z-ab12`. */
  readonly holderIdentity: string;
  readonly acquiredAt: string;
  readonly renewedAt: string;
  /** Seconds from `renewedAt` until the lease may be taken over. */
  readonly durationSeconds: number;
}

/**
 * Where leases live. By default leases are objects of the store, at their name as a key; a backend
 * with a native lease object (Kubernetes `coordination.k8s.io/v1` Lease) provides its own and maps
 * each name to a valid object name. Names are keys (see {@link checkKey}), e.g.
 * `releases/shop/dev/web.lock`.
 */
export interface LeaseBackend {
  get(
    name: string,
    signal?: AbortSignal,
  ): Promise<{ readonly record: LeaseRecord; readonly version: string } | undefined>;
  /** Creates the lease; {@link CONFLICT} when one exists. */
  create(
    name: string,
    record: LeaseRecord,
    signal?: AbortSignal,
  ): Promise<{ readonly version: string } | typeof CONFLICT>;
  /** Replaces the lease at `version` (a renewal or a takeover); {@link CONFLICT} when it changed. */
  update(
    name: string,
    record: LeaseRecord,
    version: string,
    signal?: AbortSignal,
  ): Promise<{ readonly version: string } | typeof CONFLICT>;
  delete(
    name: string,
    version: string,
    signal?: AbortSignal,
  ): Promise<"deleted" | "absent" | typeof CONFLICT>;
}

/** An opened store: its objects and, when the backend has them natively, its leases. */
export interface Backend {
  readonly objects: ObjectStore;
  /** @default leases stored as objects of `objects` */
  readonly leases?: LeaseBackend;
}
