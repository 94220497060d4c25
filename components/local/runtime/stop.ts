// Stopping daemons: SIGTERM, a grace period, SIGKILL, then proof that their processes are gone and
// their ports can be bound again. Nothing is signalled on the word of a pid alone: a process is
// signalled only while it is still the one recorded (start time, command line naming its config,
// a process and not a thread; see identity.ts), and never when the caller's state knows it as live.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  environmentHas,
  HAS_PROC,
  isGroupLeader,
  isRunning,
  type ProcessRef,
  refOf,
} from "../../process/identity";
import { readJsonFile } from "./files";
import { signal, waitForExit, waitForPortsFree } from "./processes";
import { keeperOf, workerOf } from "./proxy-config";
import { isSupervisorState } from "./supervisor-config";
import { isRecord } from "./validate";

/** What {@link stopSupervisor} and {@link stopProxy} did. */
export interface StopResult {
  pid: number;
  /** True when SIGTERM was sent to the daemon (false when it was already gone). */
  signalled: boolean;
  /** True when something had to be killed with SIGKILL after the grace period. */
  forced: boolean;
  /** Ports verified free (bindable) after the stop. */
  ports: number[];
}

/** An instance (a process-group leader) as recorded: its port tells a legacy pid without start time from a reused one. */
export interface InstanceRef extends ProcessRef {
  readonly port?: number;
}

/** Extra things a stop should wait for, when the state file is gone or the caller knows better. */
export interface StopKnown {
  /** The daemon's state file: its instances, ports, and a proxy's current keeper and worker. */
  stateFile?: string;
  /** Ports that must be free after the stop. */
  ports?: readonly number[];
  /** Instances that must be gone after the stop (signalled with their group while still the ones recorded). */
  pids?: readonly (number | InstanceRef)[];
  /** Pids never to signal, nor their groups: the processes the caller's state knows as live. */
  protect?: ReadonlySet<number>;
  /**
   * A proxy's id ({@link ProxyConfig.id}): the state file counts only when it names this proxy.
   * Without it, the proxy that runs in the state file's folder is the one stopped (one per folder).
   */
  proxyId?: string;
}

type Kind = "supervisor-main" | "proxy-main";

/** The processes of a daemon to stop: found in its state file when that file is this daemon's. */
interface Targets {
  /** True when the state file is this daemon's (so what it names is this daemon's). */
  matched: boolean;
  daemons: ProcessRef[];
  workers: ProcessRef[];
  instances: InstanceRef[];
  ports: number[];
}

function sameProcess(a: ProcessRef, b: ProcessRef): boolean {
  return (
    a.pid === b.pid && (a.startTime === undefined || b.startTime === undefined || a.startTime === b.startTime)
  );
}

function targetsOf(kind: Kind, target: ProcessRef, known: StopKnown): Targets {
  const refs = (known.pids ?? []).map((p) => (typeof p === "number" ? { pid: p } : p));
  const t: Targets = {
    matched: false,
    daemons: [target],
    workers: [],
    instances: refs,
    ports: [...(known.ports ?? [])],
  };
  let state: unknown;
  try {
    state = known.stateFile ? readJsonFile(known.stateFile) : undefined;
  } catch {
    return t; // a torn or foreign file names nothing to signal
  }
  if (!isRecord(state)) return t;
  if (kind === "supervisor-main") {
    const ref = refOf(state["pid"], state["startTime"]);
    if (!isSupervisorState(state) || !ref || !sameProcess(ref, target)) return t;
    t.matched = true;
    for (const i of state.instances) {
      t.ports.push(i.port);
      const instance = refOf(i.pid, i.startTime);
      if (instance) t.instances.push({ ...instance, port: i.port });
    }
    return t;
  }
  const ours = known.proxyId === undefined || state["id"] === known.proxyId;
  if (!ours || typeof state["pid"] !== "number") return t;
  const proxy = state as unknown as Parameters<typeof keeperOf>[0];
  t.matched = true;
  t.daemons.push(keeperOf(proxy));
  const worker = workerOf(proxy);
  if (worker) t.workers.push(worker);
  for (const port of [proxy.port, proxy.previewPort, proxy.adminPort]) if (port) t.ports.push(port);
  return t;
}

/** Processes (not threads) whose command line holds every marker: a proxy's keepers not yet in its state. */
function processesNaming(...markers: string[]): ProcessRef[] {
  if (!HAS_PROC) return [];
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .map((d) => ({ pid: Number(d) }))
    .filter((r) => isRunning(r, ...markers));
}

/** SIGTERM, wait `graceMs`, SIGKILL what is still the recorded process; true when SIGKILL was needed. */
async function terminate(refs: readonly ProcessRef[], graceMs: number, group = false): Promise<boolean> {
  if (refs.length === 0) return false;
  const send = (r: ProcessRef, sig: NodeJS.Signals) => (group ? signal(-r.pid, sig) : signal(r.pid, sig));
  for (const r of refs) send(r, "SIGTERM");
  if (await waitForExit(refs, graceMs)) return false;
  for (const r of refs) if (isRunning(r)) send(r, "SIGKILL");
  await waitForExit(refs, 5_000);
  return true;
}

async function stopDaemon(
  kind: Kind,
  target: number | ProcessRef,
  graceMs: number,
  known: StopKnown,
): Promise<StopResult> {
  const ref = typeof target === "number" ? { pid: target } : target;
  const protect = known.protect ?? new Set<number>();
  const config = known.stateFile
    ? path.join(
        path.dirname(known.stateFile),
        kind === "proxy-main" ? "proxy.config.json" : "supervisor.config.json",
      )
    : undefined;
  const markers = (entry: string) => (config ? [entry, config] : [entry]);
  const t = targetsOf(kind, ref, known);
  const mine = (r: ProcessRef, entry: string) => !protect.has(r.pid) && isRunning(r, ...markers(entry));
  const daemons = t.daemons.filter(
    (r, i) => mine(r, kind) && t.daemons.findIndex((o) => o.pid === r.pid) === i,
  );
  const signalled = daemons.length > 0;
  let forced = await terminate(daemons, graceMs + 5_000);
  // A proxy's worker stops with its keeper; one whose keeper was killed is stopped like the keeper
  // would have (it tells the keeper it started meanwhile, which then exits too).
  const workers = t.workers.filter((r) => mine(r, "proxy-worker"));
  forced = (await terminate(workers, graceMs)) || forced;
  if (kind === "proxy-main" && config && t.matched) {
    const late = [...processesNaming("proxy-main", config), ...processesNaming("proxy-worker", config)];
    const stray = late.filter((r) => !protect.has(r.pid));
    if (!(await waitForExit(stray, 2_000)))
      forced =
        (await terminate(
          stray.filter((r) => isRunning(r)),
          graceMs,
        )) || forced;
  }
  const leftovers = t.instances.filter(
    (r) =>
      !protect.has(r.pid) &&
      isRunning(r) &&
      isGroupLeader(r.pid) &&
      (r.startTime !== undefined || r.port === undefined || environmentHas(r.pid, `PORT=${r.port}`)),
  );
  forced = (await terminate(leftovers, graceMs, true)) || forced;
  const stillAlive = [...daemons, ...workers, ...leftovers].filter((r) => isRunning(r));
  if (stillAlive.length > 0)
    throw new Error(`processes ${stillAlive.map((r) => r.pid).join(", ")} are still running after SIGKILL`);
  const unique = [...new Set(t.ports)];
  const busy = await waitForPortsFree(unique, 5_000);
  if (busy.length > 0)
    throw new Error(`ports ${busy.join(", ")} are still in use after stopping ${kind} pid ${ref.pid}`);
  return { pid: ref.pid, signalled, forced, ports: unique };
}

/**
 * Stops a supervisor (SIGTERM; it stops its instances with `graceMs` each) and waits until it and
 * its instances are gone and their ports can be bound again. Kills leftovers after the grace period.
 */
export function stopSupervisor(
  target: number | ProcessRef,
  graceMs = 10_000,
  known: StopKnown = {},
): Promise<StopResult> {
  return stopDaemon("supervisor-main", target, graceMs, known);
}

/**
 * Stops a proxy (SIGTERM to its keeper, the one the state file names now when given; its worker
 * drains for its own grace period) and waits until keeper and worker are gone and the ports free.
 */
export function stopProxy(
  target: number | ProcessRef,
  graceMs = 10_000,
  known: StopKnown = {},
): Promise<StopResult> {
  return stopDaemon("proxy-main", target, graceMs, known);
}
