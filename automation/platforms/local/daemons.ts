// What the local platform does before a stopped release is taken over: an instance set whose
// create the crash cut short is gone from the state but may still run, so the daemons under the
// service's folder that the state does not know are stopped, and config files that may hold
// secret env are removed.
import * as path from "node:path";
import { reapOrphans } from "../../../components/local/runtime/reap";
import { type ProcessRef, refOf } from "../../../components/process/identity";
import type { StateResource, TakeOverContext } from "../types";

/** The type token prefix of the local platform's dynamic resources (instance sets, rolling sets). */
const LOCAL_RESOURCE_TYPE = "pulumi-nodejs:dynamic/local:";

type Supervised = { supervisorPid?: unknown; supervisorStartTime?: unknown };

/**
 * What the state knows of a local service's daemons: its folder (the component's `processes`
 * output) and every supervisor (each instance set's, each unit's of a rolling set) with its start
 * time when recorded, so that a reused pid is not taken for it. What runs beyond these under that
 * folder was left by a crash.
 */
export function localDaemons(
  service: TakeOverContext["service"],
  resources: readonly StateResource[],
): { dir?: string; known: ProcessRef[] } {
  const known: ProcessRef[] = [];
  const add = (s: Supervised | undefined) => {
    const ref = refOf(s?.supervisorPid, s?.supervisorStartTime);
    if (ref) known.push(ref);
  };
  let dir: string | undefined;
  for (const r of resources) {
    const outputs = r.outputs as
      | (Supervised & { units?: unknown; processes?: { stateDir?: unknown } })
      | undefined;
    const stateDir = r.urn === service.urn ? outputs?.processes?.stateDir : undefined;
    if (typeof stateDir === "string") dir = path.join(stateDir, service.release.service);
    if (!r.type?.startsWith(LOCAL_RESOURCE_TYPE)) continue;
    add(outputs);
    if (Array.isArray(outputs?.units)) for (const u of outputs.units as Supervised[]) add(u);
  }
  return { ...(dir ? { dir } : {}), known };
}

/** Stops the service's daemons the state does not know; a warning for each thing done. */
export async function reapUnknownDaemons(context: TakeOverContext): Promise<readonly string[]> {
  const { dir, known } = localDaemons(context.service, await context.stateResources());
  if (!dir) return [];
  const reaped = await reapOrphans(dir, known);
  if (reaped.stopped.length === 0 && reaped.removed.length === 0) return [];
  return [
    `stopped ${reaped.stopped.length} process group(s) the state did not know (pids ${reaped.stopped.join(", ") || "none"}) and removed ${reaped.removed.length} config file(s) left by the interrupted run`,
  ];
}
