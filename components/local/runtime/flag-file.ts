// The local platform's flag store: one flagd flag file that applications read with the OpenFeature
// SDK and the flagd provider in in-process mode. Several FeatureFlag components (and the driver's
// kill switch) may share one file, so every change is a read-modify-write of one flag under a lock
// file, and the file is replaced atomically (temporary file, fsync, rename): a reader polling it
// sees the old document or the new one, never half of one.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { FlagdDocument, FlagdFlag } from "../../core/flags";
import { FLAGD_SCHEMA } from "../../core/flags";

/** How long a writer waits for another writer's lock before giving up. */
const LOCK_WAIT_MS = 10_000;
/** A lock older than this whose holder is gone (or unreadable) is taken over. */
const STALE_LOCK_MS = 30_000;

/** The flagd document in `file`; an empty one when the file does not exist. Throws on bad JSON. */
export function readFlagFile(file: string): FlagdDocument {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { $schema: FLAGD_SCHEMA, flags: {} };
    throw err;
  }
  const doc = JSON.parse(text) as FlagdDocument;
  if (!doc || typeof doc !== "object" || typeof doc.flags !== "object" || doc.flags === null) {
    throw new Error(`${file} is not a flagd flag file (no "flags" object)`);
  }
  return doc;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes `<file>.lock` (exclusive create); waits for another holder, takes over a dead one's. */
async function lock(file: string): Promise<() => void> {
  const lockPath = `${file}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }));
      fs.closeSync(fd);
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let stale = false;
    try {
      const holder = JSON.parse(fs.readFileSync(lockPath, "utf8")) as { pid?: number; host?: string };
      stale = holder.host === os.hostname() && typeof holder.pid === "number" && !alive(holder.pid);
    } catch {
      // Unreadable: being written, or left half-written by a crash; judged by its age below.
    }
    try {
      if (!stale) stale = Date.now() - fs.statSync(lockPath).mtimeMs > STALE_LOCK_MS;
    } catch {
      continue; // gone meanwhile: try again at once
    }
    if (stale) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`${lockPath} is held by another writer; remove it if no deploy or driver runs`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Writes `text` to `file` so readers see the old or the new content, never a part. */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, "w", mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Sets (or, with `undefined`, removes) flag `key` in the flag file, under the file's lock. Removing
 * the last flag removes the file. Returns the document written.
 */
export async function updateFlag(
  file: string,
  key: string,
  change: FlagdFlag | undefined | ((current: FlagdFlag | undefined) => FlagdFlag | undefined),
): Promise<FlagdDocument> {
  const release = await lock(file);
  try {
    const doc = readFlagFile(file);
    const current = doc.flags[key];
    const next = typeof change === "function" ? change(current) : change;
    const flags: Record<string, FlagdFlag> = { ...doc.flags };
    if (next === undefined) delete flags[key];
    else flags[key] = next;
    const written: FlagdDocument = { $schema: doc.$schema ?? FLAGD_SCHEMA, flags };
    if (Object.keys(flags).length === 0) fs.rmSync(file, { force: true });
    else writeFileAtomic(file, `${JSON.stringify(written, null, 2)}\n`);
    return written;
  } finally {
    release();
  }
}
