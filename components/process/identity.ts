// Which process a recorded pid names. A pid alone is not an identity: the kernel reuses pids, and
// a thread id answers kill(2) and has a /proc entry (with its process's command line) like a
// process, so a stale pid can name a thread of a live daemon. A process is its pid together with
// its start time (field 22 of /proc/<pid>/stat, clock ticks after boot), which the kernel never
// repeats for one pid before a reboot. Without /proc (macOS) only the pid can be checked.
import * as fs from "node:fs";

/** A process as recorded: its pid and, where /proc exists, its start time. */
export interface ProcessRef {
  readonly pid: number;
  /** Field 22 of `/proc/<pid>/stat`; absent where there is no /proc, and in files of older versions. */
  readonly startTime?: number;
}

/** True where the kernel has /proc (Linux); elsewhere the checks below fall back to the pid. */
export const HAS_PROC = fs.existsSync("/proc/self/stat");

interface Stat {
  /** One-letter state: R, S, D, Z (zombie), X (dead), ... */
  readonly state: string;
  readonly pgid: number;
  readonly startTime: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", pgid: Number(fields[2]), startTime: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** The thread-group id of `pid` (equal to `pid` for a process, another pid for a thread). */
function tgidOf(pid: number): number | undefined {
  try {
    const match = /^Tgid:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function exists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * True while `pid` is a running process: not gone, not a zombie, and not the id of a thread (which
 * kill(2) accepts and would deliver to the thread's whole process). Without /proc: kill(pid, 0).
 */
export function isAlive(pid: number): boolean {
  if (!exists(pid)) return false;
  if (!HAS_PROC) return true;
  const stat = readStat(pid);
  if (stat === undefined) return false; // gone between the two calls
  return stat.state !== "Z" && stat.state !== "X" && tgidOf(pid) === pid;
}

/**
 * The start time of process `pid`, also of a zombie (a child not reaped yet is still the process
 * that was spawned); undefined for a thread id, a pid that does not exist, or without /proc.
 */
export function startTimeOf(pid: number): number | undefined {
  if (!HAS_PROC || !Number.isInteger(pid) || pid <= 0) return undefined;
  const stat = readStat(pid);
  return stat !== undefined && tgidOf(pid) === pid ? stat.startTime : undefined;
}

/** A ref to the process `pid` as it is now (with its start time where /proc exists). */
export function processRef(pid: number): ProcessRef {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? { pid } : { pid, startTime };
}

/** The pid and start time of this process, recorded once. */
export const SELF: ProcessRef = processRef(process.pid);

/** False when `pid` is alive but its command line does not contain `marker`; true when it cannot be read (no /proc). */
export function commandLineContains(pid: number, marker: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return !HAS_PROC;
  }
}

/** False when /proc shows `pid` was started without `NAME=value` in its environment. */
export function environmentHas(pid: number, entry: string): boolean {
  try {
    return `\0${fs.readFileSync(`/proc/${pid}/environ`, "utf8")}`.includes(`\0${entry}\0`);
  } catch {
    return !HAS_PROC;
  }
}

/** True when `pid` leads its own process group (so `kill(-pid)` reaches it and its children only). */
export function isGroupLeader(pid: number): boolean {
  if (!HAS_PROC) return true;
  return readStat(pid)?.pgid === pid;
}

/**
 * Whether the process `ref` recorded still runs: the pid is a live process (not a thread, not a
 * zombie), its start time is the recorded one when one was recorded, and its command line holds
 * every marker (a daemon's entry name and its config file, say). A recorded pid that now names
 * another process is gone: nothing of ours to signal.
 */
export function isRunning(ref: ProcessRef, ...markers: readonly string[]): boolean {
  if (!isAlive(ref.pid)) return false;
  if (ref.startTime !== undefined && HAS_PROC && startTimeOf(ref.pid) !== ref.startTime) return false;
  return markers.every((m) => commandLineContains(ref.pid, m));
}

/** A ref from a state file's fields, or undefined when the pid is missing. */
export function refOf(pid: unknown, startTime: unknown): ProcessRef | undefined {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return undefined;
  return typeof startTime === "number" ? { pid, startTime } : { pid };
}
