// Durable release history: one append-only JSON-lines file per stack under
// `<stateDir>/history/`. Each record is one write followed by fsync, so a record that was
// acknowledged survives a crash; a crash in the middle of a write leaves a torn last line,
// which reading skips and the next append fences off with a newline.
import { randomBytes } from "node:crypto";
import * as fsSync from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { foldReleases, type HistoryRecord, type Release, recordProblem } from "./records";

/** Environment variable that moves the state directory. */
export const STATE_DIR_ENV = "PROGRESSIVE_STATE_DIR";

/**
 * The state directory: `$PROGRESSIVE_STATE_DIR`, else `~/.local/state/pulumi-progressive-delivery`
 * (the same folder the local platform keeps its daemons' files in), so history, journals and
 * reports outlive the checkout and the driver.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env[STATE_DIR_ENV];
  if (fromEnv && fromEnv.trim() !== "") return path.resolve(cwd, fromEnv);
  return path.join(env.HOME ?? os.homedir(), ".local", "state", "pulumi-progressive-delivery");
}

/**
 * Why a state folder cannot be used (it is not a folder, or cannot be read, written or created),
 * as a fix-naming sentence; undefined when it can. `source` names where it came from
 * (`--state-dir`, `$PROGRESSIVE_STATE_DIR` or the default).
 */
export function stateDirProblem(dir: string, source: string): string | undefined {
  const fix = `give a folder this user can write, e.g. ${source === "--state-dir" ? "--state-dir ~/.local/state/pulumi-progressive-delivery" : `${STATE_DIR_ENV}=~/.local/state/pulumi-progressive-delivery`}`;
  let existing = path.resolve(dir);
  while (!fsSync.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    if (!fsSync.statSync(existing).isDirectory())
      return `${source} (${dir}): ${existing === path.resolve(dir) ? "is" : `is under ${existing}, which is`} not a folder; ${fix}`;
    fsSync.accessSync(existing, fsSync.constants.R_OK | fsSync.constants.W_OK | fsSync.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return `${source} (${dir}): ${existing === path.resolve(dir) ? "cannot be read and written" : `cannot be created in ${existing}`} (${code}); ${fix}`;
  }
  // /proc and similar pseudo file systems answer access() but refuse new folders. One level at a
  // time: Node's recursive mkdir loops forever on a folder that answers ENOENT under an existing one.
  const missing: string[] = [];
  for (let d = path.resolve(dir); d !== existing; d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fsSync.mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      if (code !== "EEXIST") return `${source} (${dir}): cannot be created (${code}); ${fix}`;
    }
  }
  return undefined;
}

/** A fresh release id: UTC time to the second plus 6 random hex digits, e.g. `20250102T030405Z-1a2b3c`. */
export function newReleaseId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** What reading one history file found. */
export interface HistoryReadResult {
  /** Valid records in file order. */
  readonly records: HistoryRecord[];
  /** Lines that were skipped (1-based), with why. */
  readonly skipped: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
  /** The file ended in an incomplete line (a write cut short); it was skipped. */
  readonly tornTail: boolean;
}

/** Parses the text of a history file. Pure; tolerates a torn last line and bad lines. */
export function parseHistory(text: string): HistoryReadResult {
  const lines = text.split("\n");
  const complete = text.endsWith("\n");
  const records: HistoryRecord[] = [];
  const skipped: Array<{ line: number; reason: string }> = [];
  let tornTail = false;
  lines.forEach((line, i) => {
    const isLast = i === lines.length - 1;
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (isLast && !complete) tornTail = true;
      skipped.push({
        line: i + 1,
        reason: isLast && !complete ? "incomplete last line (torn write)" : "not JSON",
      });
      return;
    }
    const problem = recordProblem(value);
    if (problem) skipped.push({ line: i + 1, reason: problem });
    else records.push(value as HistoryRecord);
  });
  return { records, skipped, tornTail };
}

/** Where the history lives. */
export interface ReleaseHistoryOptions {
  /** State directory; history files go in its `history/` folder. @default defaultStateDir() */
  readonly stateDir?: string;
}

/** The last release that was promoted on a stack: what to revert to. */
export interface GoodState {
  readonly releaseId: string;
  readonly version: string;
  /** When it was promoted, ISO 8601. */
  readonly at: string;
  /** Traffic config recorded at promotion. @default none */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Where releases are recorded: a JSON-lines file per stack in a folder ({@link ReleaseHistory}), or
 * one object per release in a shared store (`ObjectHistory`). Appends are durable once resolved.
 */
export interface HistoryStore {
  /** Appends one record durably; rejects an invalid record before writing. */
  append(record: HistoryRecord): Promise<void>;
  /** Releases of one stack (`<project>/<stack>`), or of every stack when omitted; newest first. */
  listReleases(stack?: string): Promise<Release[]>;
  /** The newest promoted release of `stack`; undefined when none was promoted. */
  latestGood(stack: string): Promise<GoodState | undefined>;
  /** Every valid record of one stack, in the order written. */
  records(stack: string): Promise<HistoryRecord[]>;
}

/** The newest promoted release among `releases` (newest first or not), as a revert target. */
export function latestGoodOf(releases: readonly Release[]): GoodState | undefined {
  const good = releases.filter((r) => r.outcome === "promoted" && r.finishedAt);
  good.sort((a, b) => Date.parse(b.finishedAt ?? "") - Date.parse(a.finishedAt ?? ""));
  const r = good[0];
  if (!r) return undefined;
  return {
    releaseId: r.id,
    version: r.version,
    at: r.finishedAt ?? r.startedAt,
    ...(r.config ? { config: r.config } : {}),
  };
}

/** Release history of every stack under one state directory. */
export class ReleaseHistory implements HistoryStore {
  /** Folder of the history files. */
  readonly dir: string;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(opts: ReleaseHistoryOptions = {}) {
    this.dir = path.join(opts.stateDir ?? defaultStateDir(), "history");
  }

  /** The file of a stack: the name URL-encoded (so `org/proj/prod` is one file), `.jsonl`. */
  fileFor(stack: string): string {
    if (stack.trim() === "") throw new Error('history: stack ("") must be a stack name; give e.g. "prod"');
    return path.join(this.dir, `${encodeURIComponent(stack)}.jsonl`);
  }

  /**
   * Appends one record durably: one write of the line, then fsync; the folder is fsynced when
   * the file is new. Resolves once the record is on disk. Appends to one stack are serialised.
   */
  append(record: HistoryRecord): Promise<void> {
    const problem = recordProblem(record);
    if (problem) {
      return Promise.reject(
        new Error(`history: record ${record.type} of ${record.releaseId} is invalid: ${problem}`),
      );
    }
    const file = this.fileFor(record.stack);
    const previous = this.queues.get(file) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.write(file, `${JSON.stringify(record)}\n`));
    this.queues.set(file, next);
    return next;
  }

  private async write(file: string, line: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const handle = await fs.open(file, "a+");
    try {
      const { size } = await handle.stat();
      let data = line;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        // A torn line without its newline would swallow this record; start on a fresh line.
        if (last[0] !== 0x0a) data = `\n${line}`;
      }
      await handle.write(data);
      await handle.sync();
      if (size === 0) await syncDir(this.dir);
    } finally {
      await handle.close();
    }
  }

  /** Reads a stack's records; a missing file is an empty history. */
  async read(stack: string): Promise<HistoryReadResult> {
    let text: string;
    try {
      text = await fs.readFile(this.fileFor(stack), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        return { records: [], skipped: [], tornTail: false };
      throw err;
    }
    return parseHistory(text);
  }

  async records(stack: string): Promise<HistoryRecord[]> {
    return (await this.read(stack)).records;
  }

  /** Stacks that have a history file. */
  async stacks(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith(".jsonl"))
      .map((n) => decodeURIComponent(n.slice(0, -".jsonl".length)));
  }

  /** Releases of one stack, or of every stack when `stack` is omitted; newest first. */
  async listReleases(stack?: string): Promise<Release[]> {
    const stacks = stack === undefined ? await this.stacks() : [stack];
    const records: HistoryRecord[] = [];
    for (const s of stacks) records.push(...(await this.read(s)).records);
    return foldReleases(records);
  }

  /** The newest promoted release of `stack`, the revert target; undefined when none was promoted. */
  async latestGood(stack: string): Promise<GoodState | undefined> {
    return latestGoodOf(await this.listReleases(stack));
  }
}

async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the file itself is synced.
  } finally {
    await handle?.close();
  }
}
