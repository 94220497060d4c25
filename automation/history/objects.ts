// Release history in a shared store (S3, Azure Blob, Cloud Storage, the Kubernetes API): one
// object per release holding its records, appended with a compare-and-swap, so drivers on several
// machines record into one history and every one of them reads all of it. Releases older than the
// newest MAX_RELEASES of a stack are removed when a new one starts (a store is not an archive: the
// Kubernetes API in particular keeps objects in etcd).
import { historyKey, historyPrefix } from "../store/layout";
import { CONFLICT, type ObjectStore, StoreError } from "../store/object-store";
import { foldReleases, type HistoryRecord, type Release, recordProblem } from "./records";
import { type GoodState, type HistoryStore, latestGoodOf } from "./store";

/** Releases kept per stack. */
export const MAX_RELEASES = 1000;

interface ReleaseDocument {
  readonly v: 1;
  readonly records: HistoryRecord[];
}

function parseDocument(body: string): ReleaseDocument {
  try {
    const d = JSON.parse(body) as ReleaseDocument;
    if (d?.v === 1 && Array.isArray(d.records))
      return { v: 1, records: d.records.filter((r) => !recordProblem(r)) };
  } catch {
    // fall through: an unreadable object counts as empty, and is rewritten by the next append
  }
  return { v: 1, records: [] };
}

/** Release history kept as one object per release in `objects`. */
export class ObjectHistory implements HistoryStore {
  constructor(private readonly objects: ObjectStore) {}

  async append(record: HistoryRecord): Promise<void> {
    const problem = recordProblem(record);
    if (problem)
      throw new Error(`history: record ${record.type} of ${record.releaseId} is invalid: ${problem}`);
    const key = historyKey(record.stack, record.releaseId);
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.objects.get(key);
      const doc = current ? parseDocument(current.body) : { v: 1 as const, records: [] };
      const body = JSON.stringify({ v: 1, records: [...doc.records, record] });
      const r = await this.objects.put(
        key,
        body,
        current ? { ifVersion: current.version } : { ifAbsent: true },
      );
      if (r === CONFLICT) continue; // another driver appended to this release: read it again
      if (!current) await this.prune(record.stack);
      return;
    }
    throw new StoreError(
      "failed",
      `history: ${key} kept changing while a record was appended to it; try again`,
    );
  }

  /** Removes a stack's oldest releases beyond MAX_RELEASES (ids start with their UTC time). */
  private async prune(stack: string): Promise<void> {
    const keys = await this.objects.list(historyPrefix(stack));
    const direct = keys.filter((k) => !k.slice(historyPrefix(stack).length).includes("/"));
    for (const key of direct.slice(0, Math.max(0, direct.length - MAX_RELEASES)))
      await this.objects.delete(key);
  }

  async listReleases(stack?: string): Promise<Release[]> {
    const releases = foldReleases(await this.allRecords(stack));
    return stack === undefined ? releases : releases.filter((r) => r.stack === stack);
  }

  async records(stack: string): Promise<HistoryRecord[]> {
    return (await this.allRecords(stack)).filter((r) => r.stack === stack);
  }

  private async allRecords(stack?: string): Promise<HistoryRecord[]> {
    const keys = await this.objects.list(historyPrefix(stack));
    const records: HistoryRecord[] = [];
    // A few reads at a time: a history of a thousand releases is a thousand small objects.
    for (let i = 0; i < keys.length; i += 16) {
      const docs = await Promise.all(keys.slice(i, i + 16).map((k) => this.objects.get(k)));
      for (const d of docs) if (d) records.push(...parseDocument(d.body).records);
    }
    return records;
  }

  async latestGood(stack: string): Promise<GoodState | undefined> {
    return latestGoodOf(await this.listReleases(stack));
  }
}
