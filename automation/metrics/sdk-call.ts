// Optional cloud SDKs, loaded only when a provider first queries (they are optional peer
// dependencies: a missing one is named with the command that installs it), and one SDK call
// with a deadline and the caller's signal, its failures turned into MetricQueryError. SDKs that
// ignore AbortSignal are raced against it, so a query never outlives its deadline even when the
// client keeps working in the background.
import { MetricQueryError } from "./types";

/** Runs `call` with a signal that aborts after `timeoutMs` or when `signal` aborts. */
export async function callSdk<T>(
  provider: string,
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(combined.reason);
    combined.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([call(combined), aborted]);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (deadline.aborted)
      throw new MetricQueryError(provider, "timeout", `${what}: no answer within ${timeoutMs} ms`);
    const e = err as { name?: unknown; message?: unknown; code?: unknown };
    const label = typeof e?.name === "string" && e.name !== "Error" ? `${e.name}: ` : "";
    const text = typeof e?.message === "string" ? e.message : String(err);
    throw new MetricQueryError(provider, "sdk-error", `${what} failed: ${label}${text}`, { cause: err });
  } finally {
    if (onAbort) combined.removeEventListener("abort", onAbort);
  }
}

/** Imports a package by name; the default is Node's own import. Tests pass one that fails. */
export type PackageImporter = (packageName: string) => Promise<unknown>;

/** Node's dynamic import: the SDK is read from disk only when a provider first needs it. */
export const importPackage: PackageImporter = (packageName) => import(packageName);

/**
 * An optional SDK package is not installed. The cloud SDKs are optional peer dependencies of
 * this package, so a user who names a provider must install its SDK; the message says how.
 */
export class MissingPackageError extends Error {
  /** The package to install, e.g. `@aws-sdk/client-cloudwatch`. */
  readonly packageName: string;
  /** Name of the provider that needed it. */
  readonly provider: string;

  constructor(provider: string, packageName: string, options?: { cause?: unknown }) {
    super(
      `metric provider "${provider}": package ${packageName} is not installed; install it with npm install ${packageName}`,
      options,
    );
    this.name = "MissingPackageError";
    this.packageName = packageName;
    this.provider = provider;
  }
}

/** True when `err` says that `packageName` itself (not one of its own imports) cannot be found. */
export function isPackageNotFound(err: unknown, packageName: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== "MODULE_NOT_FOUND" && e?.code !== "ERR_MODULE_NOT_FOUND") return false;
  // require() says "Cannot find module 'x'", import() says "Cannot find package 'x' imported from".
  const message = typeof e.message === "string" ? e.message : "";
  return message.includes(`'${packageName}'`) || message.includes(`'${packageName}/`);
}

/**
 * Loads an optional SDK package for `provider`; throws {@link MissingPackageError} naming the
 * package when it is not installed. Other load failures (a broken install) are rethrown as they are.
 */
export async function loadSdk<T>(
  provider: string,
  packageName: string,
  importer: PackageImporter = importPackage,
): Promise<T> {
  try {
    return (await importer(packageName)) as T;
  } catch (err) {
    if (isPackageNotFound(err, packageName))
      throw new MissingPackageError(provider, packageName, { cause: err });
    throw err;
  }
}

/** True when `packageName` can be resolved from here; reads no module code. */
export function isPackageInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}
