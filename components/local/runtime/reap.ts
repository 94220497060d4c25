// Finds and stops what a killed driver or engine left behind: supervisors of instance sets whose
// create never finished, so the stack's state does not know them. Every supervisor writes its
// folder (config, then state with its pid and start time) under `<stateDir>/<service>/` before it
// serves, so the folder is the record that survives the crash; the state's outputs are what is known.
// A folder's pid is trusted only while it still names that folder's supervisor (identity.ts), and
// nothing the state knows as live (a known supervisor or one of its instances) is ever signalled:
// after pid reuse an old folder's pid can name a live process, even a thread of the live version.
import * as fs from "node:fs";
import * as path from "node:path";
import { isRunning, type ProcessRef, refOf } from "../../process/identity";
import { readState, supervisorRef } from "./control";
import { stopSupervisor } from "./stop";

/** What {@link reapOrphans} did. */
export interface ReapResult {
  /** Supervisor pids stopped (their instances with them). */
  readonly stopped: readonly number[];
  /** Config files removed (they may hold secret env). */
  readonly removed: readonly string[];
}

/**
 * Stops every supervisor under `serviceDir` that `known` (the supervisors the stack's state holds,
 * by pid and, when recorded, start time) does not name, and removes the config files of supervisors
 * that are not known. The proxy's folder is left alone. A bare pid in `known` (outputs of older
 * versions) protects every folder whose state has that pid.
 */
export async function reapOrphans(
  serviceDir: string,
  known: Iterable<number | ProcessRef>,
): Promise<ReapResult> {
  const stopped: number[] = [];
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(serviceDir);
  } catch {
    return { stopped, removed };
  }
  const knownRefs = [...known].map((k) => (typeof k === "number" ? { pid: k } : k));
  const isKnown = (ref: ProcessRef) =>
    knownRefs.some(
      (k) =>
        k.pid === ref.pid &&
        (k.startTime === undefined || ref.startTime === undefined || k.startTime === ref.startTime),
    );
  const folders = entries
    .filter((entry) => entry !== "proxy")
    .map((entry) => {
      const dir = path.join(serviceDir, entry);
      const stateFile = path.join(dir, "supervisor.state.json");
      const config = path.join(dir, "supervisor.config.json");
      let state: ReturnType<typeof readState>;
      try {
        state = readState(stateFile);
      } catch {
        state = undefined; // a torn file names no process
      }
      return { stateFile, config, state, ref: state ? supervisorRef(state) : undefined };
    })
    .filter((f) => fs.existsSync(f.config) || f.state !== undefined);
  // What the state knows as live, with the instances their own state files name: never signalled.
  const protect = new Set<number>(knownRefs.map((k) => k.pid));
  for (const f of folders) {
    if (!f.ref || !isKnown(f.ref) || !isRunning(f.ref, "supervisor-main", f.config)) continue;
    for (const i of f.state?.instances ?? []) if (i.pid !== null) protect.add(i.pid);
  }
  for (const f of folders) {
    if (f.ref && isKnown(f.ref)) continue;
    const instances = (f.state?.instances ?? []).filter((i) => {
      const ref = refOf(i.pid, i.startTime);
      return ref !== undefined && isRunning(ref);
    });
    const running = f.ref !== undefined && isRunning(f.ref, "supervisor-main", f.config);
    if (f.ref && (running || instances.length > 0) && !protect.has(f.ref.pid)) {
      await stopSupervisor(f.ref, 5_000, { stateFile: f.stateFile, protect });
      if (running) stopped.push(f.ref.pid);
    }
    if (fs.existsSync(f.config)) {
      fs.rmSync(f.config, { force: true });
      removed.push(f.config);
    }
  }
  return { stopped, removed };
}
