// A folder as an object store: each key a file under it, written atomically (a temporary file
// renamed into place). Conditional writes never rely on a process id, because the folder may be a
// volume several machines mount: a create links the new file into place (link fails if the name
// exists), and a replace or delete compares the version under a short per-key mutex file created
// exclusively (`<file>.cas`), which a writer that crashed leaves behind for at most MUTEX_STALE_MS.
// A version is the file's inode, modification time and content hash: a rewrite changes it.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CONFLICT,
  checkKey,
  type ObjectStore,
  type Precondition,
  type StoredObject,
  StoreError,
} from "../object-store";

/** After this long a mutex file is taken for one left by a crashed writer. */
const MUTEX_STALE_MS = 10_000;
/** How long a write waits for another writer's mutex on the same key. */
const MUTEX_WAIT_MS = 5_000;

const TEMP = /\.[0-9]+\.[0-9a-f]{8}\.tmp$|\.cas$/;

function versionOf(stat: fs.BigIntStats, body: string): string {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
  return `${stat.ino}-${stat.mtimeNs}-${hash}`;
}

/** The object store of a folder on this machine (or a volume several machines mount). */
export class FolderObjectStore implements ObjectStore {
  readonly url: string;

  constructor(readonly root: string) {
    this.url = `file://${path.resolve(root)}`;
  }

  private file(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  async check(): Promise<void> {
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
      fs.accessSync(this.root, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw new StoreError(
        code === "EACCES" || code === "EPERM" ? "forbidden" : "notFound",
        `${this.url}: the folder cannot be created or written (${code}); give a folder this user can write`,
        err,
      );
    }
  }

  private read(file: string): StoredObject | undefined {
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw this.failure(err, file);
    }
    try {
      const stat = fs.fstatSync(fd, { bigint: true });
      const body = fs.readFileSync(fd, "utf8");
      return { body, version: versionOf(stat, body) };
    } finally {
      fs.closeSync(fd);
    }
  }

  private failure(err: unknown, file: string): StoreError {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return new StoreError(
      code === "EACCES" || code === "EPERM" ? "forbidden" : "failed",
      `${this.url}: ${path.relative(this.root, file)}: ${code}`,
      err,
    );
  }

  async get(key: string): Promise<StoredObject | undefined> {
    return this.read(this.file(key));
  }

  /** Writes `body` to a new temporary file beside `file`, synced; returns its path. */
  private temp(file: string, body: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const fd = fs.openSync(tmp, "wx", 0o600);
    try {
      fs.writeSync(fd, body);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return tmp;
  }

  private syncDir(file: string): void {
    try {
      const dir = fs.openSync(path.dirname(file), "r");
      fs.fsyncSync(dir);
      fs.closeSync(dir);
    } catch {
      // Not every file system syncs a folder; the rename itself is atomic.
    }
  }

  /** Runs `fn` holding the key's mutex file; a mutex older than MUTEX_STALE_MS is taken over. */
  private async locked<T>(file: string, fn: () => T): Promise<T> {
    const mutex = `${file}.cas`;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const until = Date.now() + MUTEX_WAIT_MS;
    for (;;) {
      try {
        fs.closeSync(fs.openSync(mutex, "wx", 0o600));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw this.failure(err, mutex);
      }
      let age = 0;
      try {
        age = Date.now() - fs.statSync(mutex).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > MUTEX_STALE_MS) {
        // Moved aside atomically: of two writers taking it over, only one removes it.
        const aside = `${mutex}.${randomBytes(4).toString("hex")}.stale`;
        try {
          fs.renameSync(mutex, aside);
          fs.rmSync(aside, { force: true });
        } catch {
          // someone else moved it first
        }
        continue;
      }
      if (Date.now() > until)
        throw new StoreError(
          "failed",
          `${this.url}: ${path.relative(this.root, file)} stayed locked by another writer for ${MUTEX_WAIT_MS / 1000} s`,
        );
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
    try {
      return fn();
    } finally {
      fs.rmSync(mutex, { force: true });
    }
  }

  async put(
    key: string,
    body: string,
    precondition?: Precondition,
  ): Promise<{ version: string } | typeof CONFLICT> {
    const file = this.file(key);
    try {
      const tmp = this.temp(file, body);
      try {
        if (precondition && "ifAbsent" in precondition) {
          try {
            // link(2) fails when the name exists: an atomic create of the whole content.
            fs.linkSync(tmp, file);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "EEXIST") return CONFLICT;
            throw err;
          }
          this.syncDir(file);
          const written = this.read(file);
          return { version: written?.version ?? "" };
        }
        const expected = precondition && "ifVersion" in precondition ? precondition.ifVersion : undefined;
        const result = await this.locked(file, () => {
          if (expected !== undefined && this.read(file)?.version !== expected) return CONFLICT;
          fs.renameSync(tmp, file);
          return undefined;
        });
        if (result === CONFLICT) return CONFLICT;
        this.syncDir(file);
        return { version: this.read(file)?.version ?? "" };
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    } catch (err) {
      throw err instanceof StoreError ? err : this.failure(err, file);
    }
  }

  async delete(
    key: string,
    precondition?: { ifVersion: string },
  ): Promise<"deleted" | "absent" | typeof CONFLICT> {
    const file = this.file(key);
    try {
      return await this.locked(file, () => {
        const current = this.read(file);
        if (!current) return "absent" as const;
        if (precondition && current.version !== precondition.ifVersion) return CONFLICT;
        fs.rmSync(file, { force: true });
        return "deleted" as const;
      });
    } catch (err) {
      throw err instanceof StoreError ? err : this.failure(err, file);
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the folder the prefix names: the state folder also holds other things.
    const dirKey = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    const start = path.join(this.root, dirKey);
    const out: string[] = [];
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.isFile() && !TEMP.test(e.name)) {
          const key = path.relative(this.root, full).split(path.sep).join("/");
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    walk(start);
    return out.sort();
  }
}
