// What every backend shares: its options, loading its optional SDK, one call with a deadline,
// keys under the store's prefix, and the StoreError messages that name the URL and the fix.
import { importPackage, loadSdk, MissingPackageError, type PackageImporter } from "../../metrics/sdk-call";
import { Deadline, errorText } from "../../routers/types";
import { CONFLICT, checkKey, StoreError, type StoreFailure } from "../object-store";

/** Options every backend takes (openBackend passes them through). */
export interface BackendOptions {
  /** Deadline of one call to the service, retries included, in milliseconds. @default 30000 */
  readonly timeoutMs?: number;
  /** Keys asked per list page; tests pass a small one to exercise pagination. @default the service's (1000; 500 on Kubernetes) */
  readonly pageSize?: number;
  /** Loads an optional SDK package; tests pass one that fails. @default Node's dynamic import */
  readonly importer?: PackageImporter;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Loads the optional SDK a store URL needs, or throws a StoreError naming the package and the
 * command that installs it (the cloud SDKs are optional peer dependencies).
 */
export async function loadStorePackage<T>(
  url: string,
  packageName: string,
  importer: PackageImporter = importPackage,
): Promise<T> {
  try {
    return await loadSdk<T>(`store ${url}`, packageName, importer);
  } catch (err) {
    if (!(err instanceof MissingPackageError)) throw err;
    throw new StoreError(
      "failed",
      `store ${url} needs the package ${packageName}, which is not installed; install it with npm install ${packageName}`,
      err,
    );
  }
}

/**
 * Runs one service call with a signal that ends at the deadline or with the caller's; a call
 * still running then is abandoned (some SDKs ignore signals). Errors go to `classify` (with the
 * deadline's reason when it ended the call), except the caller's abort, rethrown as it is.
 */
export async function storeCall<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
  classify: (err: unknown, timedOut: string | undefined) => StoreError,
): Promise<T> {
  signal?.throwIfAborted();
  const d = new Deadline(timeoutMs, signal);
  try {
    return await d.race(call(d.signal));
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw classify(err, d.signal.aborted ? d.describe(err) : undefined);
  } finally {
    d.dispose();
  }
}

/** A key as read back from a listing: the relative key when it is one of ours, else undefined. */
export function ownKey(name: string, root: string): string | undefined {
  if (!name.startsWith(root)) return undefined;
  const key = name.slice(root.length);
  try {
    return checkKey(key);
  } catch {
    return undefined; // not written through this interface (another tool's file, a check probe)
  }
}

/** `prefix` checked as list() takes it: "" or a valid key followed by "/". */
export function checkPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  if (!prefix.endsWith("/"))
    throw new StoreError("badUrl", `list prefix ${JSON.stringify(prefix)} must be "" or end with "/"`);
  checkKey(prefix.slice(0, -1));
  return prefix;
}

/**
 * The name of a short-lived object that check() writes and removes: outside the key syntax (it
 * starts with `~`), so no listing ever returns it, and unique per call.
 */
export function probeName(): string {
  return `~check-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Is this a connection-level failure (no answer from the service)? */
export function isNetworkError(err: unknown): boolean {
  const text = describeError(err);
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|socket hang up|fetch failed/i.test(
    text,
  );
}

/** An error's text with its code and causes (SDKs wrap the socket error one or two levels deep). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const o = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    const code = typeof o.code === "string" ? `${o.code}: ` : "";
    parts.push(`${code}${errorText(e)}`);
    e = o.cause ?? (Array.isArray(o.errors) ? o.errors[0] : undefined);
  }
  return parts.filter((p) => p.trim() !== "").join(" <- ");
}

/** The fix for each failure kind, as the backend words it for its service. */
export type Fixes = Readonly<Partial<Record<StoreFailure, string>>>;

/** A StoreError whose message is `store <url>: could not <what>: <reason>; <fix>`. */
export function storeError(
  failure: StoreFailure,
  url: string,
  what: string,
  reason: string,
  fixes: Fixes,
  cause?: unknown,
): StoreError {
  const fix = fixes[failure];
  return new StoreError(failure, `store ${url}: could not ${what}: ${reason}${fix ? `; ${fix}` : ""}`, cause);
}

/** The Content-Type an object is stored with, from its key's extension (for people browsing the bucket). */
export function contentType(key: string): string {
  if (key.endsWith(".json")) return "application/json; charset=utf-8";
  if (key.endsWith(".jsonl")) return "application/jsonl; charset=utf-8";
  if (key.endsWith(".md")) return "text/markdown; charset=utf-8";
  if (key.endsWith(".svg")) return "image/svg+xml; charset=utf-8";
  if (key.endsWith(".html")) return "text/html; charset=utf-8";
  return "text/plain; charset=utf-8";
}

/** `key` under the store's prefix (`prefix` is "" or ends with "/"). */
export function fullName(prefix: string, key: string): string {
  return `${prefix}${checkKey(key)}`;
}

/**
 * check()'s proof that the service honours preconditions, on a probe object: created twice with
 * create-if-absent (the second must be a conflict), then, when given, deleted at a stale version
 * (a conflict too), then removed. A service that ignores them fails with `unsupported(what)`.
 */
export async function proveConditionalWrites(p: {
  readonly create: (body: string) => Promise<unknown>;
  readonly deleteStale?: () => Promise<unknown>;
  readonly remove: () => Promise<unknown>;
  readonly unsupported: (what: string) => StoreError;
}): Promise<void> {
  await p.create("probe");
  try {
    if ((await p.create("again")) !== CONFLICT)
      throw p.unsupported("overwrote an object despite a create-if-absent precondition");
    if (p.deleteStale && (await p.deleteStale()) !== CONFLICT)
      throw p.unsupported("deleted an object despite a precondition on a stale version");
  } finally {
    await p.remove().catch(() => undefined);
  }
}
