// Every pid the local platform's state files name, stopped by pid if still alive: what a
// benchmark stack left running is stopped after it (step-cost.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { isAlive } from "../../components/local/runtime";

/** The pids the state files under `stateDir` name. */
export function statePids(stateDir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".state.json")) {
        try {
          const s = JSON.parse(fs.readFileSync(p, "utf8")) as {
            pid?: number;
            instances?: { pid?: number | null }[];
          };
          if (s.pid) pids.push(s.pid);
          for (const i of s.instances ?? []) if (i.pid) pids.push(i.pid);
        } catch {
          // A state file being rewritten: the next read has it.
        }
      }
    }
  };
  walk(stateDir);
  return pids;
}

/** Stops the pids still alive (SIGTERM, then SIGKILL after 2 s); how many were. */
export async function stopLeftovers(pids: Iterable<number>): Promise<number> {
  const alive = [...new Set(pids)].filter(isAlive);
  for (const pid of alive) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Gone already.
    }
  }
  await new Promise((r) => setTimeout(r, alive.length > 0 ? 2_000 : 0));
  for (const pid of alive.filter(isAlive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  return alive.length;
}
