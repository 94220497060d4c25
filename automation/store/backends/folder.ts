// The folder store (`file:///path`, and the default on one machine): each object is a file at its
// key's path, so the driver's layout (releases/<project>/<stack>/<service>.json, ...) stays as it
// is. The folder may be a volume several machines mount, so nothing here decides by pid:
// - a write goes to a temporary file (fsync'ed) renamed over the object, so a reader sees the
//   old body or the new one, never half of one;
// - create-if-absent links the finished temporary file to the object's path: link() fails when the
//   path exists, atomically, on local filesystems and NFS alike;
// - every other write or delete (replace at a version, unconditional put, delete) runs under a
//   per-key mutex file created exclusively; one left by a writer that died is taken over (renamed
//   away) once it has stayed the same for `mutexStaleMs` of the waiter's own clock, so no two
//   machines' clocks are ever compared. The critical section is one read and one rename.
// A version is the body's sha256 with the file's inode and mtime: every write makes a new file,
// so rewriting equal content is still a new version. Files are private to the user (0600, 0700).
import { createHash, randomUUID } from "node:crypto";
import type { Dirent } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CONFLICT,
  checkKey,
  type ObjectStore,
  type Precondition,
  type StoredObject,
  StoreError,
} from "../object-store";
import { checkPrefix, ownKey } from "./common";

/** Options of {@link FolderObjectStore}. */
export interface FolderStoreOptions {
  /**
   * Create the folder (and its parents) in check() when it does not exist. openBackend turns this
   * off for a `file://` URL unless asked, so that a volume that is not mounted is an error rather
   * than a local folder nobody else sees.
   * @default true
   */
  readonly create?: boolean;
  /** How long a key's mutex file may stay unchanged before a waiter takes it over. @default 10000 */
  readonly mutexStaleMs?: number;
}

/** Mutex and temporary files carry a "~", outside the key syntax, so no listing returns them. */
const MUTEX_SUFFIX = "~lock";
const LINK_UNSUPPORTED = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

function code(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : undefined;
}

function versionOf(body: string, st: { ino: bigint; mtimeNs: bigint }): string {
  const sha = createHash("sha256").update(body, "utf8").digest("hex").slice(0, 16);
  return `${sha}-${st.ino}-${st.mtimeNs}`;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, "r").catch(() => undefined);
  if (!fh) return;
  await fh.sync().catch(() => undefined); // not every filesystem can fsync a folder
  await fh.close();
}

/** The object store of a folder on this machine (or of a volume several machines mount). */
export class FolderObjectStore implements ObjectStore {
  readonly url: string;
  readonly root: string;
  private readonly create: boolean;
  private readonly staleMs: number;

  constructor(root: string, o: FolderStoreOptions = {}) {
    this.root = path.resolve(root);
    this.url = `file://${this.root}`;
    this.create = o.create ?? true;
    this.staleMs = o.mutexStaleMs ?? 10_000;
  }

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key).split("/"));
  }

  private fail(what: string, err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    const c = code(err);
    const say = (failure: "forbidden" | "failed", why: string) =>
      new StoreError(failure, `store ${this.url}: could not ${what}: ${why}`, err);
    if (c === "EACCES" || c === "EPERM" || c === "EROFS")
      return say("forbidden", `${c}; give this user read and write access to ${this.root}`);
    if (c === "ENOTDIR" || c === "EISDIR")
      return say(
        "failed",
        `a key is both an object and a folder of others (${c}); a folder store cannot hold both "a/b" and "a/b/c"`,
      );
    return say("failed", String(err));
  }

  async check(): Promise<void> {
    try {
      if (this.create) await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
      const st = await fs.stat(this.root);
      if (!st.isDirectory())
        throw new StoreError("badUrl", `store ${this.url}: ${this.root} is not a folder`);
      const probe = path.join(this.root, `.~check-${randomUUID()}`);
      await fs.writeFile(probe, "", { flag: "wx", mode: 0o600 });
      await fs.rm(probe, { force: true });
    } catch (err) {
      if (code(err) === "EEXIST" || code(err) === "ENOTDIR")
        throw new StoreError("badUrl", `store ${this.url}: ${this.root} is not a folder`, err);
      if (code(err) === "ENOENT")
        throw new StoreError(
          "notFound",
          `store ${this.url}: the folder ${this.root} does not exist; create it (mkdir -p ${this.root}) or mount the shared volume there`,
          err,
        );
      throw this.fail("write in the folder", err);
    }
  }

  private async read(file: string): Promise<StoredObject | undefined> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(file, "r");
    } catch (err) {
      if (code(err) === "ENOENT" || code(err) === "ENOTDIR") return undefined;
      throw err;
    }
    try {
      // The same handle for stat and read: a rename in between cannot mix two versions.
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) return undefined;
      const body = await fh.readFile("utf8");
      return { body, version: versionOf(body, st) };
    } catch (err) {
      if (code(err) === "EISDIR") return undefined;
      throw err;
    } finally {
      await fh.close();
    }
  }

  /** Writes `body` to a new temporary file beside `file`, flushed; returns its path and version. */
  private async writeTemp(file: string, body: string): Promise<{ tmp: string; version: string }> {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}~tmp-${randomUUID()}`);
    const fh = await fs.open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(body, "utf8");
      await fh.sync();
      return { tmp, version: versionOf(body, await fh.stat({ bigint: true })) };
    } finally {
      await fh.close();
    }
  }

  private async replace(file: string, body: string): Promise<string> {
    const { tmp, version } = await this.writeTemp(file, body);
    try {
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await syncDir(path.dirname(file));
    return version;
  }

  /** Runs `fn` holding `file`'s mutex (see the top of this file). */
  private async exclusive<T>(
    file: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    const mutex = `${file}${MUTEX_SUFFIX}`;
    const token = randomUUID();
    let seen = "";
    let since = 0;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        await fs.writeFile(mutex, token, { flag: "wx", mode: 0o600 });
        break;
      } catch (err) {
        if (code(err) === "ENOENT") {
          await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
          continue;
        }
        if (code(err) !== "EEXIST") throw err;
      }
      const st = await fs.stat(mutex, { bigint: true }).catch(() => undefined);
      if (st) {
        const id = `${st.ino}:${st.mtimeNs}`;
        if (id !== seen) {
          seen = id;
          since = performance.now();
        } else if (performance.now() - since >= this.staleMs) {
          // Its holder died inside the critical section: rename it away (only one waiter can), drop it.
          const grave = `${mutex}~stale-${token}`;
          if (
            await fs.rename(mutex, grave).then(
              () => true,
              () => false,
            )
          )
            await fs.rm(grave, { force: true });
          seen = "";
          continue;
        }
      }
      await sleep(Math.min(50, 2 + attempt * 2) * (0.5 + Math.random()), undefined, { signal });
    }
    try {
      return await fn();
    } finally {
      // Released only when still ours: a waiter may have taken over a mutex held far too long.
      const holder = await fs.readFile(mutex, "utf8").catch(() => "");
      if (holder === token) await fs.rm(mutex, { force: true });
    }
  }

  private async createAt(file: string, body: string): Promise<{ version: string } | typeof CONFLICT> {
    const { tmp, version } = await this.writeTemp(file, body);
    try {
      await fs.link(tmp, file);
    } catch (err) {
      if (code(err) === "EEXIST") return CONFLICT;
      if (!LINK_UNSUPPORTED.has(code(err) ?? "")) throw err;
      // A filesystem without hard links: the same decision under the key's mutex.
      return await this.exclusive(file, undefined, async () => {
        if (await this.read(file)) return CONFLICT;
        await fs.rename(tmp, file);
        return { version };
      });
    } finally {
      await fs.rm(tmp, { force: true });
    }
    await syncDir(path.dirname(file));
    return { version };
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const file = this.file(key);
    return this.read(file).catch((err: unknown) => {
      throw this.fail(`read ${key}`, err);
    });
  }

  async put(
    key: string,
    body: string,
    precondition?: Precondition,
    signal?: AbortSignal,
  ): Promise<{ version: string } | typeof CONFLICT> {
    const file = this.file(key);
    try {
      if (precondition && "ifAbsent" in precondition) return await this.createAt(file, body);
      return await this.exclusive(file, signal, async () => {
        if (precondition && (await this.read(file))?.version !== precondition.ifVersion) return CONFLICT;
        return { version: await this.replace(file, body) };
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw this.fail(`write ${key}`, err);
    }
  }

  async delete(
    key: string,
    precondition?: { readonly ifVersion: string },
    signal?: AbortSignal,
  ): Promise<"deleted" | "absent" | typeof CONFLICT> {
    const file = this.file(key);
    try {
      if (!(await this.read(file))) return "absent";
      return await this.exclusive(file, signal, async () => {
        const current = await this.read(file);
        if (!current) return "absent";
        if (precondition && current.version !== precondition.ifVersion) return CONFLICT;
        await fs.rm(file);
        return "deleted";
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw this.fail(`delete ${key}`, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the folder the prefix names: the state folder also holds other things.
    const base = path.join(this.root, ...checkPrefix(prefix).split("/").filter(Boolean));
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (code(err) === "ENOENT" || code(err) === "ENOTDIR") return;
        throw this.fail(`list ${prefix || "the store"}`, err);
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile()) {
          const key = ownKey(path.relative(this.root, full).split(path.sep).join("/"), "");
          if (key !== undefined) keys.push(key);
        }
      }
    };
    await walk(base);
    return keys.sort();
  }
}
