// The Azure management SDKs, as the Azure routers use them: each package loaded only when a service
// of its router kind is released (they are optional peer dependencies), one DefaultAzureCredential
// per process, per-operation deadlines, and errors that say what to do. Only local structural
// types appear in signatures, so declarations never name an optional package.
import { importPackage, isPackageNotFound, type PackageImporter } from "../../metrics/sdk-call";
import { type ControlContext, controlContext } from "../context";
import { type Deadline, errorText } from "../types";

/** Imports a package by name; tests pass one that fails. */
export type Importer = PackageImporter;

/** The credential the SDK clients take (an @azure/core-auth TokenCredential). */
export type AzureTokenCredential = {
  getToken(
    scopes: string | string[],
    options?: object,
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
};

/** Loads an optional Azure package for `kind`; the error names the package and the install command. */
export async function loadAzurePackage<T>(
  kind: string,
  packageName: string,
  importer: Importer = importPackage,
): Promise<T> {
  try {
    return (await importer(packageName)) as T;
  } catch (err) {
    if (isPackageNotFound(err, packageName)) {
      throw new Error(
        `install ${packageName} to release services with router kind ${kind} (npm install ${packageName} @azure/identity)`,
        { cause: err },
      );
    }
    throw new Error(`could not load ${packageName}: ${errorText(err).split("\n")[0]}`, { cause: err });
  }
}

let credential: Promise<AzureTokenCredential> | undefined;

/**
 * The default credential chain (environment, workload identity, managed identity, Azure CLI),
 * built once per process on first use.
 */
export function defaultCredential(
  kind: string,
  importer: Importer = importPackage,
): Promise<AzureTokenCredential> {
  if (importer !== importPackage) return build(kind, importer);
  credential ??= build(kind, importer).catch((err: unknown) => {
    credential = undefined; // a later call retries, e.g. after the package is installed
    throw err;
  });
  return credential;
}

async function build(kind: string, importer: Importer): Promise<AzureTokenCredential> {
  const identity = await loadAzurePackage<{ DefaultAzureCredential: new () => AzureTokenCredential }>(
    kind,
    "@azure/identity",
    importer,
  );
  return new identity.DefaultAzureCredential();
}

/** Why an Azure call about `what` failed, and what to do (the one place that knows RestError's shape). */
export function azureFailure(what: string, err: unknown, d: Deadline): string {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown } | null;
  const status = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  const said = typeof e?.message === "string" && e.message ? `: ${e.message.split("\n")[0]}` : "";
  switch (status) {
    case 404:
      return `could not ${what}: not found (404)${said}; check the subscription, resource group and name the release recorded`;
    case 401:
      return `could not ${what}: the credential was refused (401); sign in again (az login) or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET`;
    case 403:
      return `could not ${what}: forbidden (403)${said}; grant the driver's identity Contributor (or read and write) on the resource`;
    case 409:
      return `could not ${what}: another operation is in progress on it (409)${said}; retry`;
    case undefined:
      return `could not ${what}: ${d.describe(err)}`;
    default:
      return `could not ${what}: Azure answered ${status}${said}`;
  }
}

/** A failed call; the message is the reason to report. */
export class AzureCallError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "AzureCallError";
  }
}

/** One SDK call about `what` under the deadline; the SDK gets the deadline's signal and is raced against it. */
export async function azureCall<T>(
  d: Deadline,
  what: string,
  call: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  d.check();
  try {
    return await d.race(call(d.signal));
  } catch (err) {
    throw new AzureCallError(azureFailure(what, err, d), err);
  }
}

/**
 * The context of a control whose client `client` makes (lazily; loading the SDK and the first token
 * take seconds, outside the deadline): a failed call's reason is the {@link AzureCallError}'s message.
 */
export function azureContext<C>(client: () => Promise<C>, timeoutMs: number | undefined): ControlContext<C> {
  return controlContext({
    connect: client,
    timeoutMs,
    reason: (err, d) => (err instanceof AzureCallError ? err.message : d.describe(err)),
  });
}

/** A client made once per control on first use; a failure is retried at the next call. */
export function lazyClient<C>(make: () => Promise<C>): () => Promise<C> {
  let made: Promise<C> | undefined;
  return () => {
    made ??= make().catch((err: unknown) => {
      made = undefined;
      throw err;
    });
    return made;
  };
}
