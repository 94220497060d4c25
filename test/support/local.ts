// Helpers of the local platform's engine tests: stack config from plain values, the processes a
// service reported, and the proof that nothing is left afterwards (pids gone, ports bindable, no
// daemon whose command line names the test's state folder).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { OutputMap, Stack } from "@pulumi/pulumi/automation";
import { isAlive, isPortFree } from "../../components/local/runtime";

export { configure, LOCAL_FIXTURE, portOf, tempStateDir } from "../../harness/local";

interface ProcessesOutput {
  proxy: { pid: number; ports: number[] };
  slots: Record<
    string,
    { version: string; supervisorPids: number[]; instances: Array<{ pid: number | null; port: number }> }
  >;
}

/** Pids and ports a test saw; `assertNothingLeft` checks every one of them. */
export class Seen {
  readonly pids = new Set<number>();
  readonly ports = new Set<number>();

  /** Records the `processes` stack output; returns it. */
  record(outputs: OutputMap): ProcessesOutput {
    const p = outputs["processes"]?.value as ProcessesOutput;
    assert.ok(p?.proxy, "the stack has a processes output");
    this.pids.add(p.proxy.pid);
    for (const port of p.proxy.ports) this.ports.add(port);
    for (const slot of Object.values(p.slots)) {
      for (const pid of slot.supervisorPids) this.pids.add(pid);
      for (const i of slot.instances) {
        if (i.pid !== null) this.pids.add(i.pid);
        this.ports.add(i.port);
      }
    }
    return p;
  }

  /** Records every pid and port in the state files under `stateDir` (also of sets that failed). */
  recordStateFiles(stateDir: string): void {
    for (const file of listFiles(stateDir).filter((f) => f.endsWith(".state.json"))) {
      const state = JSON.parse(fs.readFileSync(file, "utf8")) as {
        pid?: number;
        port?: number;
        adminPort?: number;
        previewPort?: number;
        instances?: Array<{ pid: number | null; port: number }>;
      };
      if (state.pid) this.pids.add(state.pid);
      for (const port of [state.port, state.adminPort, state.previewPort]) if (port) this.ports.add(port);
      for (const i of state.instances ?? []) {
        if (i.pid) this.pids.add(i.pid);
        this.ports.add(i.port);
      }
    }
  }
}

/** Pids of running processes whose command line contains `text`. */
export function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text) && isAlive(Number(entry))) {
        out.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Fails unless every pid seen is gone, every port seen can be bound, and no daemon names `stateDir`. */
export async function assertNothingLeft(stateDir: string, seen: Seen): Promise<void> {
  seen.recordStateFiles(stateDir);
  const deadline = Date.now() + 5_000;
  let alive: number[] = [];
  let busy: number[] = [];
  let daemons: number[] = [];
  do {
    alive = [...seen.pids].filter(isAlive);
    busy = [];
    for (const port of seen.ports) if (!(await isPortFree(port))) busy.push(port);
    daemons = processesMentioning(stateDir);
    if (alive.length + busy.length + daemons.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  assert.deepEqual(alive, [], `processes still running: ${alive.join(", ")}`);
  assert.deepEqual(busy, [], `ports still bound: ${busy.join(", ")}`);
  assert.deepEqual(daemons, [], `daemons of ${stateDir} still running: ${daemons.join(", ")}`);
  assert.ok(seen.pids.size > 0 && seen.ports.size > 0, "the test saw processes and ports to check");
}

/** Every file below a folder. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full) : [full];
  });
}

/** The outputs of the one resource of a type and name in the stack's state. */
export async function resourceOutputs(
  stack: Stack,
  type: string,
  name: string,
): Promise<Record<string, unknown>> {
  const { deployment } = await stack.exportStack();
  const found = (
    deployment.resources as Array<{ type: string; urn: string; outputs: Record<string, unknown> }>
  ).find((r) => r.type === type && r.urn.endsWith(`::${name}`));
  assert.ok(found, `no ${type} named ${name} in the state`);
  return found.outputs;
}
