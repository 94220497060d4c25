// An object store in this process's memory: the reference behaviour of the interface (every
// precondition checked atomically, since JavaScript runs one call at a time), used by unit tests of
// what is built on stores, and by library users who want no persistence at all.
import { createHash } from "node:crypto";
import { CONFLICT, checkKey, type ObjectStore, type Precondition, type StoredObject } from "./object-store";

/** An {@link ObjectStore} kept in a Map; `failing` makes every call throw (a store that stopped answering). */
export class MemoryObjectStore implements ObjectStore {
  readonly url: string;
  private readonly objects = new Map<string, StoredObject>();
  private counter = 0;
  /** When set, every call throws it: a store that stopped answering. */
  failing: Error | undefined;

  constructor(name = "memory") {
    this.url = `memory://${name}`;
  }

  private guard(): void {
    if (this.failing) throw this.failing;
  }

  async check(): Promise<void> {
    this.guard();
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.guard();
    return this.objects.get(checkKey(key));
  }

  async put(
    key: string,
    body: string,
    precondition?: Precondition,
  ): Promise<{ version: string } | typeof CONFLICT> {
    this.guard();
    const current = this.objects.get(checkKey(key));
    if (precondition && "ifAbsent" in precondition && current) return CONFLICT;
    if (precondition && "ifVersion" in precondition && current?.version !== precondition.ifVersion)
      return CONFLICT;
    const version = `${++this.counter}-${createHash("sha256").update(body).digest("hex").slice(0, 8)}`;
    this.objects.set(key, { body, version });
    return { version };
  }

  async delete(
    key: string,
    precondition?: { ifVersion: string },
  ): Promise<"deleted" | "absent" | typeof CONFLICT> {
    this.guard();
    const current = this.objects.get(checkKey(key));
    if (!current) return "absent";
    if (precondition && current.version !== precondition.ifVersion) return CONFLICT;
    this.objects.delete(key);
    return "deleted";
  }

  async list(prefix: string): Promise<string[]> {
    this.guard();
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
