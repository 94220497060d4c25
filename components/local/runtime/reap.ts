// Finds and stops what a killed driver or engine left behind: supervisors of instance sets whose
// create never finished, so the stack's state does not know them. Every supervisor writes its
// folder (config, then state with its pid) under `<stateDir>/<service>/` before it serves, so the
// folder is the record that survives the crash; the state's `processes` output is what is known.
import * as fs from "node:fs";
import * as path from "node:path";
import { readState, stopSupervisor } from "./control";
import { isAlive } from "./processes";

/** What {@link reapOrphans} did. */
export interface ReapResult {
  /** Supervisor pids stopped (their instances with them). */
  readonly stopped: readonly number[];
  /** Config files removed (they may hold secret env). */
  readonly removed: readonly string[];
}

/**
 * Stops every supervisor under `serviceDir` whose pid is not in `known`, and removes the config
 * files of supervisors that are not running and not known. The proxy's folder is left alone.
 */
export async function reapOrphans(serviceDir: string, known: ReadonlySet<number>): Promise<ReapResult> {
  const stopped: number[] = [];
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(serviceDir);
  } catch {
    return { stopped, removed };
  }
  for (const entry of entries) {
    if (entry === "proxy") continue;
    const dir = path.join(serviceDir, entry);
    const stateFile = path.join(dir, "supervisor.state.json");
    const config = path.join(dir, "supervisor.config.json");
    if (!fs.existsSync(config) && !fs.existsSync(stateFile)) continue;
    const pid = readState(stateFile)?.pid;
    if (pid !== undefined && known.has(pid)) continue;
    if (pid !== undefined && isAlive(pid)) {
      await stopSupervisor(pid, 5_000, { stateFile });
      stopped.push(pid);
    }
    if (fs.existsSync(config)) {
      fs.rmSync(config, { force: true });
      removed.push(config);
    }
  }
  return { stopped, removed };
}
