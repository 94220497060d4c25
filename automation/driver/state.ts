// The driver's release state in the release store: which store a command uses, each service's
// journal (read with its version, written with a compare-and-swap so that a driver that was taken
// over learns it instead of overwriting), and the leases that are the driver's locks.
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultStateDir, STATE_DIR_ENV, stateDirProblem } from "../history";
import { readDocument, writeDocument } from "../store/documents";
import { journalKey, journalsPrefix, serviceLeaseKey, stackStepLeaseKey } from "../store/layout";
import {
  acquireLease,
  describeHolder,
  type HeldLease,
  type Lease,
  readLease,
  waitForLease,
} from "../store/leases";
import { CONFLICT, StoreError } from "../store/object-store";
import { openBackend } from "../store/open";
import { folderStore, type ReleaseStore, sharedStore } from "../store/release-store";
import { ReleaseError } from "./errors";
import { isOpen, type Journal } from "./journal";

/** Environment variable naming the release store (a URL). */
export const STATE_STORE_ENV = "PROGRESSIVE_STATE_STORE";

/** Where a command's release state lives, as the caller names it. */
export interface StoreOptions {
  /** The release store's URL (`s3://`, `azblob://`, `gs://`, `k8s://`, `file://`). @default see {@link chooseStore} */
  readonly stateStore?: string;
  /** A folder on this machine as the store (the driver's state folder). @default see {@link chooseStore} */
  readonly stateDir?: string;
}

/** The store chosen, and what named it (for `status` and for messages). */
export interface StoreChoice {
  readonly url: string;
  readonly source: string;
  /** Set for a folder: the state folder itself. */
  readonly folder?: string;
}

/**
 * The release store of a command: `--state-store` (or the library's `stateStore`), else
 * `$PROGRESSIVE_STATE_STORE`, else the stack's `progressive:stateStore`, else a prefix in the stack's
 * own backend when that is an object store (`s3://`, `gs://`, `azblob://`), else the state folder
 * (`--state-dir`, `$PROGRESSIVE_STATE_DIR`, `~/.local/state/pulumi-progressive-delivery`).
 */
export function chooseStore(
  o: StoreOptions,
  settings: { readonly stateStore?: string },
  backendUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): StoreChoice {
  if (o.stateStore && o.stateDir)
    throw new ReleaseError(
      "usage",
      `--state-store (${o.stateStore}) and --state-dir (${o.stateDir}) both name where release state lives; give one (a folder is --state-store file:///<folder>)`,
    );
  if (o.stateStore) return fromUrl(o.stateStore, "--state-store");
  if (o.stateDir) return folder(o.stateDir, "--state-dir");
  const fromEnv = env[STATE_STORE_ENV]?.trim();
  if (fromEnv) return fromUrl(fromEnv, `$${STATE_STORE_ENV}`);
  if (settings.stateStore) return fromUrl(settings.stateStore, "progressive:stateStore");
  const beside = besideBackend(backendUrl);
  if (beside) return { url: beside, source: `the stack's backend (${redact(backendUrl ?? "")})` };
  return folder(defaultStateDir(env), env[STATE_DIR_ENV] ? `$${STATE_DIR_ENV}` : "the default state folder");
}

function folder(dir: string, source: string): StoreChoice {
  const abs = path.resolve(dir);
  return { url: `file://${abs}`, source, folder: abs };
}

function fromUrl(url: string, source: string): StoreChoice {
  if (url.startsWith("file://")) return folder(decodeURIComponent(url.slice("file://".length)), source);
  if (url.startsWith("/")) return folder(url, source);
  return { url, source };
}

/** The URL without user info or query values (which may hold keys), for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//").replace(/\?.*$/, "");
}

/**
 * A prefix `.progressive` in the stack's backend when it is an object store: the release state
 * then sits where the stack's own state and lock already are, reached with the same credentials.
 */
export function besideBackend(backendUrl: string | undefined): string | undefined {
  if (!backendUrl) return undefined;
  const m = /^(s3|gs):\/\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(backendUrl);
  if (m) {
    // Only what the store takes from the backend's parameters (not Pulumi's own, such as awssdk).
    const given = new URLSearchParams(m[4]?.slice(1) ?? "");
    const kept = new URLSearchParams();
    for (const k of m[1] === "s3" ? ["region", "endpoint", "profile"] : ["endpoint"]) {
      const v = given.get(k);
      if (v) kept.set(k, v);
    }
    const query = kept.toString();
    return `${m[1]}://${m[2]}${(m[3] ?? "").replace(/\/$/, "")}/.progressive${query ? `?${query}` : ""}`;
  }
  const az = /^azblob:\/\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(backendUrl);
  if (az) {
    const account =
      new URLSearchParams(az[3]?.slice(1) ?? "").get("storage_account") ?? process.env.AZURE_STORAGE_ACCOUNT;
    if (account) return `azblob://${account}/${az[1]}${(az[2] ?? "").replace(/\/$/, "")}/.progressive`;
  }
  return undefined;
}

/** Opens the chosen store and checks it can be used, before anything moves. */
export async function openStore(choice: StoreChoice, signal?: AbortSignal): Promise<ReleaseStore> {
  if (choice.folder) {
    // A folder a store URL names may be a volume several machines mount: it must exist (an
    // unmounted volume must not become a new folder nobody else sees); a state folder is created.
    const named =
      choice.source === "--state-store" ||
      choice.source === `$${STATE_STORE_ENV}` ||
      choice.source === "progressive:stateStore";
    if (named && !fs.existsSync(choice.folder))
      throw new ReleaseError(
        "usage",
        `the release store ${choice.url} (from ${choice.source}) does not exist: create the folder (or mount the volume), or name another store`,
      );
    const problem = stateDirProblem(choice.folder, choice.source);
    if (problem) throw new ReleaseError("usage", problem);
    return folderStore(choice.folder, named);
  }
  try {
    const store = sharedStore(await openBackend(choice.url));
    await store.objects.check(signal);
    return store;
  } catch (err) {
    throw storeError(err, `the release store ${redact(choice.url)} (from ${choice.source})`);
  }
}

/** A store failure as a driver error: a bad URL is a usage error; the rest are the store's. */
export function storeError(err: unknown, what: string): ReleaseError {
  if (err instanceof ReleaseError) return err;
  if (err instanceof StoreError)
    return new ReleaseError(err.failure === "badUrl" ? "usage" : "store", `${what}: ${err.message}`, err);
  return new ReleaseError("store", `${what}: ${err instanceof Error ? err.message : String(err)}`, err);
}

function parseJournal(v: unknown): Journal | undefined {
  const j = v as Journal | undefined;
  return j && j.v === 1 && typeof j.releaseId === "string" ? j : undefined;
}

/** The journals and leases of one stack in a store. */
export class StackState {
  constructor(
    readonly store: ReleaseStore,
    readonly project: string,
    readonly stack: string,
    /** How the store was chosen. */
    readonly choice: StoreChoice = { url: store.url, source: "the caller" },
  ) {}

  /** This machine's default state folder's view of a stack, when the folder exists. */
  static async localFolder(project: string, stack: string): Promise<StackState | undefined> {
    const dir = defaultStateDir();
    if (!fs.existsSync(dir)) return undefined;
    return new StackState(folderStore(dir), project, stack, {
      url: `file://${dir}`,
      source: "the default state folder",
      folder: dir,
    });
  }

  /** A service's journal with its version; undefined when it never had a release. */
  async journal(service: string): Promise<{ journal: Journal; version: string } | undefined> {
    const d = await readDocument(this.store.objects, journalKey({ ...this.ref, service }), parseJournal);
    return d && { journal: d.value, version: d.version };
  }

  private get ref() {
    return { project: this.project, stack: this.stack };
  }

  /** Every service's journal. */
  async journals(): Promise<Journal[]> {
    const keys = await this.store.objects.list(journalsPrefix(this.project, this.stack));
    const out: Journal[] = [];
    for (const key of keys.filter((k) => k.endsWith(".json"))) {
      const d = await readDocument(this.store.objects, key, parseJournal);
      if (d) out.push(d.value);
    }
    return out;
  }

  /**
   * Writes a service's journal if it is still at `expected` (null: there must be none; undefined:
   * unconditionally). Returns the new version, or CONFLICT when another driver wrote it meanwhile.
   */
  async writeJournal(
    journal: Journal,
    expected: string | null | undefined,
  ): Promise<string | typeof CONFLICT> {
    return writeDocument(
      this.store.objects,
      journalKey({ ...this.ref, service: journal.service }),
      journal,
      expected,
    );
  }

  /** The lease name of a service's releases. */
  serviceLease(service: string): string {
    return serviceLeaseKey({ ...this.ref, service });
  }

  /** The lease name of the stack's steps. */
  get stepLease(): string {
    return stackStepLeaseKey(this.project, this.stack);
  }

  /** Who holds a lease now (live or run out), or undefined. */
  holder(name: string): Promise<HeldLease | undefined> {
    return readLease(this.store.leases, name);
  }

  /** Takes a lease at once, or says who holds it. */
  take(name: string, what: string): ReturnType<typeof acquireLease> {
    return acquireLease(this.store.leases, name, what);
  }

  /** Takes a lease, waiting while another driver holds it. */
  waitFor(
    name: string,
    what: string,
    o: { timeoutMs: number; signal?: AbortSignal; onWait?: (h: HeldLease) => void },
  ): ReturnType<typeof waitForLease> {
    return waitForLease(this.store.leases, name, what, o);
  }
}

/** A lease held by someone else, as a refusal (exit 5) naming the holder and where it runs. */
export function heldError(subject: string, held: HeldLease, advice: string): ReleaseError {
  return new ReleaseError(
    "inProgress",
    `${subject} is held by ${describeHolder(held.holder)}; its lease runs until ${held.expiresAt.toISOString()} unless renewed; ${advice}`,
  );
}

/** Whether a journal's release is still running somewhere: its service lease is held and live. */
export async function releaseRunning(
  state: StackState,
  journal: Journal | undefined,
): Promise<HeldLease | undefined> {
  if (!isOpen(journal)) return undefined;
  const held = await state.holder(state.serviceLease(journal.service));
  return held && !held.free ? held : undefined;
}

export type { Lease };
