// Units of a rolling set: one supervisor with one instance each, so instances can be replaced one
// batch at a time. The truth about which units run is on disk (a `unit.json` beside each
// supervisor's files), not in Pulumi state, so an update that failed half-way is finished, or
// reverted, by the next `up` instead of leaking processes.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type RouteTableInput, type SupervisorState, supervisorPaths, supervisorRef } from "../runtime";
import { writeJsonAtomic } from "../runtime/files";
import {
  instanceRefs,
  instancesOf,
  liveSupervisor,
  startInstances,
  stopInstances,
  supervisorOf,
} from "./supervise";
import type { InstanceInfo, ProcessTemplate, UnitInfo } from "./types";

/** A unit as found on disk. */
export interface LiveUnit extends UnitInfo {
  /** Hash of the template the unit was started from. */
  readonly hash: string;
}

const TEMPLATE_FIELDS = [
  "version",
  "command",
  "cwd",
  "env",
  "secretEnv",
  "inheritEnv",
  "readiness",
  "stopGraceMs",
] as const;

/** Hash of everything that decides what a unit runs; units with another hash are replaced. */
export function templateHash(template: ProcessTemplate): string {
  const picked = TEMPLATE_FIELDS.map((k) => [k, template[k]]);
  return createHash("sha256").update(JSON.stringify(picked)).digest("hex").slice(0, 16);
}

function unitFile(stateDir: string, service: string, dirName: string): string {
  return path.join(supervisorPaths(stateDir, service, dirName).dir, "unit.json");
}

/** The processes of a unit: its supervisor and its instance, each with its start time when known. */
function unitProcesses(
  state: SupervisorState,
  instance: InstanceInfo | undefined,
): Pick<UnitInfo, "supervisorPid" | "supervisorStartTime" | "pid" | "startTime"> {
  const { startTime } = supervisorRef(state);
  return {
    supervisorPid: state.pid,
    ...(startTime !== undefined ? { supervisorStartTime: startTime } : {}),
    pid: instance?.pid ?? null,
    ...(instance?.startTime !== undefined ? { startTime: instance.startTime } : {}),
  };
}

/** Units of a set whose supervisor still runs, oldest first. */
export function discoverUnits(stateDir: string, service: string, setId: string): LiveUnit[] {
  const root = path.join(stateDir, service);
  const prefix = `${setId}-u`;
  const names = fs.existsSync(root) ? fs.readdirSync(root).filter((n) => n.startsWith(prefix)) : [];
  const units: Array<LiveUnit & { n: number }> = [];
  for (const dirName of names) {
    const state = liveSupervisor(stateDir, service, dirName);
    if (!state) continue;
    let meta: { version?: string; hash?: string } = {};
    try {
      meta = JSON.parse(fs.readFileSync(unitFile(stateDir, service, dirName), "utf8"));
    } catch {
      // A unit without its file is from an interrupted start: it will be replaced.
    }
    const [instance] = instancesOf(state, []);
    units.push({
      n: Number(dirName.slice(prefix.length)),
      dirName,
      ...unitProcesses(state, instance),
      port: instance?.port ?? 0,
      version: meta.version ?? "unknown",
      status: instance?.status ?? "gone",
      restarts: instance?.restarts ?? 0,
      hash: meta.hash ?? "",
    });
  }
  return units.sort((a, b) => a.n - b.n).map(({ n: _n, ...u }) => u);
}

/** Folder names of every unit of a set, running or not (for the sweep on delete). */
export function unitDirNames(stateDir: string, service: string, setId: string): string[] {
  const root = path.join(stateDir, service);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).filter((n) => n.startsWith(`${setId}-u`));
}

/** Starts `count` units numbered from `first`, in parallel; on any failure stops the others and throws. */
export async function startUnits(
  template: ProcessTemplate,
  setId: string,
  first: number,
  count: number,
): Promise<LiveUnit[]> {
  const hash = templateHash(template);
  const results = await Promise.allSettled(
    Array.from({ length: count }, async (_, i): Promise<LiveUnit> => {
      const dirName = `${setId}-u${first + i}`;
      const state = await startInstances(
        template,
        dirName,
        1,
        `instance ${first + i} of ${template.service} (version ${template.version})`,
      );
      writeJsonAtomic(unitFile(template.stateDir, template.service, dirName), {
        version: template.version,
        hash,
      });
      const [instance] = instancesOf(state, []);
      return {
        dirName,
        ...unitProcesses(state, instance),
        port: instance?.port ?? 0,
        version: template.version,
        status: instance?.status ?? "ready",
        restarts: 0,
        hash,
      };
    }),
  );
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await stopUnits(template, started).catch(() => undefined);
    throw failed.reason;
  }
  return started;
}

/** Stops units, checks their ports are free, and removes their unit files (they hold a template hash). */
export async function stopUnits(
  template: Pick<ProcessTemplate, "stateDir" | "service" | "stopGraceMs">,
  units: readonly UnitInfo[],
): Promise<void> {
  await Promise.all(
    units.map(async (u) => {
      await stopInstances(template.stateDir, template.service, u.dirName, {
        supervisor: supervisorOf(u),
        instances: instanceRefs([u]),
        ports: u.port ? [u.port] : [],
        graceMs: template.stopGraceMs,
      });
      fs.rmSync(unitFile(template.stateDir, template.service, u.dirName), { force: true });
    }),
  );
}

/**
 * The routing table for a set of units: one route per version, weights proportional to instance
 * counts (largest remainder, so they add up to 100). No units: an empty table (503).
 */
export function unitsTable(units: readonly Pick<UnitInfo, "version" | "port">[]): RouteTableInput {
  const groups = new Map<string, number[]>();
  for (const u of units) groups.set(u.version, [...(groups.get(u.version) ?? []), u.port]);
  const total = units.length;
  const entries = [...groups.entries()].map(([name, ports]) => {
    const exact = total === 0 ? 0 : (100 * ports.length) / total;
    return { name, ports, weight: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = total === 0 ? 0 : 100 - entries.reduce((s, e) => s + e.weight, 0);
  for (const e of [...entries].sort((a, b) => b.rest - a.rest)) {
    if (left <= 0) break;
    e.weight++;
    left--;
  }
  return {
    versions: entries.map((e) => ({
      name: e.name,
      weight: e.weight,
      instances: e.ports.map((port) => ({ host: "127.0.0.1", port })),
    })),
  };
}
