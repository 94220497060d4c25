// The Cloud Run Admin API (v2) as the router uses it: the part of @google-cloud/run's
// ServicesClient it calls, as small structural types (published declarations never name the
// optional SDK), the client loaded only when a Cloud Run service is released, and errors that say
// what to do.
import { importPackage, isPackageNotFound, type PackageImporter } from "../../metrics/sdk-call";
import { errorText } from "../types";

/** Name of the optional peer dependency. */
export const CLOUD_RUN_PACKAGE = "@google-cloud/run";

/** Message of the error thrown when the client package is not installed. */
export const MISSING_RUN_CLIENT_MESSAGE =
  "install @google-cloud/run to release Cloud Run services (npm install @google-cloud/run)";

/** How a traffic target picks its revision: by name, or the latest ready one (never used here). */
export type RunAllocationType =
  | "TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED"
  | "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
  | "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"
  | number;

/** A traffic target of a service (what is asked), as the API returns and takes it. */
export interface RunTrafficTarget {
  type?: RunAllocationType | null;
  revision?: string | null;
  percent?: number | null;
  tag?: string | null;
}

/** A traffic target's status (what Cloud Run applies). */
export interface RunTrafficStatus extends RunTrafficTarget {
  uri?: string | null;
}

/** The fields of a Cloud Run service the router reads and writes. */
export interface RunService {
  name?: string | null;
  etag?: string | null;
  annotations?: { [key: string]: string } | null;
  traffic?: RunTrafficTarget[] | null;
  trafficStatuses?: RunTrafficStatus[] | null;
}

/** A long-running operation of the Admin API. */
export interface RunOperation {
  promise(): Promise<readonly [RunService, ...unknown[]]>;
}

/** Per-call options the client takes. */
export interface RunCallOptions {
  timeout?: number;
}

/** The part of `ServicesClient` (v2) the router uses; tests pass a fake. */
export interface RunServicesClient {
  getService(
    request: { name: string },
    options?: RunCallOptions,
  ): Promise<readonly [RunService, ...unknown[]]>;
  updateService(
    request: { service: RunService; allowMissing?: boolean },
    options?: RunCallOptions,
  ): Promise<readonly [RunOperation, ...unknown[]]>;
}

/** Builds a client for a project; tests pass one that returns a fake. */
export type RunClientFactory = (projectId: string) => Promise<RunServicesClient>;

/**
 * Loads `@google-cloud/run` and builds a ServicesClient with Application Default Credentials.
 * Throws an Error naming the package to install when it is missing.
 */
export async function loadRunClient(
  projectId: string,
  importer: PackageImporter = importPackage,
): Promise<RunServicesClient> {
  let mod: unknown;
  try {
    mod = await importer(CLOUD_RUN_PACKAGE);
  } catch (err) {
    if (isPackageNotFound(err, CLOUD_RUN_PACKAGE))
      throw new Error(MISSING_RUN_CLIENT_MESSAGE, { cause: err });
    throw new Error(
      `could not load ${CLOUD_RUN_PACKAGE}: ${errorText(err).split("\n")[0]}; reinstall it (npm install ${CLOUD_RUN_PACKAGE})`,
      { cause: err },
    );
  }
  type Ctor = new (opts: { projectId: string }) => RunServicesClient;
  const m = mod as {
    ServicesClient?: Ctor;
    v2?: { ServicesClient?: Ctor };
    default?: { ServicesClient?: Ctor };
  };
  const ServicesClient = m.ServicesClient ?? m.v2?.ServicesClient ?? m.default?.ServicesClient;
  if (typeof ServicesClient !== "function") {
    throw new Error(
      `${CLOUD_RUN_PACKAGE} loaded without ServicesClient; install version 1 or later (npm install ${CLOUD_RUN_PACKAGE}@^3)`,
    );
  }
  return new ServicesClient({ projectId });
}

/** gRPC status codes the Admin API answers with, as the client library reports them. */
const CODES: Readonly<Record<number, string>> = {
  5: "not found; check the project, location and service name, and that the stack deployed there",
  7: "permission denied; grant the driver's credentials run.services.get and run.services.update (roles/run.developer)",
  16: "not authenticated; set up Application Default Credentials (gcloud auth application-default login)",
  14: "the Cloud Run API is unavailable; retry",
  10: "another writer changed the service at the same time; retry",
};

/** Why a call about `what` failed, and what to do. */
export function runFailure(what: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const said = errorText(err);
  const hint = typeof code === "number" ? CODES[code] : undefined;
  return hint ? `could not ${what}: ${said} (${hint})` : `could not ${what}: ${said}`;
}
