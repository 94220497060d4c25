// Everything the driver keeps about releases, behind one store: journals (compare-and-swap
// documents), leases (the release lock of each service and the step lock of each stack), history,
// reports and the kill switch's flag index. A folder on this machine is the default and keeps the
// files the driver always wrote; an object store or the Kubernetes API is what several CI runners
// and operators share.
import { type HistoryStore, ObjectHistory, ReleaseHistory } from "../history";
import { FolderObjectStore } from "./backends/folder";
import { objectLeases } from "./leases";
import type { Backend, LeaseBackend, ObjectStore } from "./object-store";

export interface ReleaseStore {
  /** Where it is, printable (no credentials). */
  readonly url: string;
  /** False for a folder on this machine: only drivers on this machine see it. */
  readonly shared: boolean;
  readonly objects: ObjectStore;
  readonly leases: LeaseBackend;
  readonly history: HistoryStore;
  /** The folder of a folder store (its files are today's layout); unset for shared stores. */
  readonly folder?: string;
  /** Where people find the object at `key`: a file path in a folder, the object's URL elsewhere. */
  locate(key: string): string;
}

/** The store of a folder: journals, locks, reports and flags as files, history as JSON lines per stack. */
export function folderStore(dir: string, shared = false): ReleaseStore {
  const objects = new FolderObjectStore(dir);
  return {
    url: objects.url,
    shared,
    objects,
    leases: objectLeases(objects),
    history: new ReleaseHistory({ stateDir: dir }),
    folder: dir,
    locate: (key) => `${objects.root}/${key}`,
  };
}

/** A store several machines share, from an opened backend: history as one object per release. */
export function sharedStore(backend: Backend): ReleaseStore {
  const objects = backend.objects;
  return {
    url: objects.url,
    shared: true,
    objects,
    leases: backend.leases ?? objectLeases(objects),
    history: new ObjectHistory(objects),
    locate: (key) => `${objects.url.replace(/\?.*$/, "").replace(/\/$/, "")}/${key}`,
  };
}
