// The emergency brake of a canary revert: where the router has an admin API (the local platform's
// proxy), the driver first writes "all traffic to stable" to the router directly and reads it
// back, then runs the `up` that records the same state in the stack. This is the one exception to
// "traffic moves only through stack state", taken because a revert must not wait for a whole `up`
// (seconds) while a bad version serves users; the drift lasts only until that `up`, which the
// driver always runs next, and a driver killed in between leaves a journal that `resume`/`abort`
// finish. Routers without an admin API (Kubernetes, the clouds) revert through `up` alone.
import { ProxyAdminClient } from "../../components/local/runtime/admin-client";
import type { RouteTableInput } from "../../components/local/runtime/routing";
import type { ServiceOutputs } from "./stack";

/** What the brake did. */
export interface FastRevertResult {
  readonly applied: boolean;
  /** Why it was not applied, when it was not. */
  readonly reason?: string;
}

/**
 * Sends every request to `stable` and none to `candidate` on the router behind `outputs`, and
 * verifies the table read back. Never throws: a failure only means the `up` does the work.
 */
export async function fastRevert(
  outputs: ServiceOutputs,
  stable: string,
  candidate: string,
): Promise<FastRevertResult> {
  const { adminEndpoint, adminToken } = outputs;
  if (!adminEndpoint || !adminToken) return { applied: false, reason: "the router has no admin API" };
  try {
    const url = new URL(adminEndpoint);
    const client = new ProxyAdminClient({
      host: url.hostname,
      port: Number(url.port),
      token: adminToken,
      timeoutMs: 3_000,
    });
    const current = await client.getRoutes();
    const versions = current.routes.versions;
    if (!versions.some((v) => v.name === stable && v.instances.length > 0)) {
      return { applied: false, reason: `the router has no instances of ${stable}` };
    }
    const table: RouteTableInput = {
      versions: versions.map((v) => ({
        name: v.name,
        weight: v.name === stable ? 100 : 0,
        instances: v.instances,
      })),
      ...(current.routes.previewVersion ? { previewVersion: current.routes.previewVersion } : {}),
    };
    await client.putRoutes(table, current.generation);
    const after = await client.getRoutes();
    const ok =
      after.routes.versions.every((v) => v.weight === (v.name === stable ? 100 : 0)) &&
      after.routes.headerRoute?.version !== candidate;
    return ok ? { applied: true } : { applied: false, reason: "the table read back does not match" };
  } catch (err) {
    return { applied: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
