// A release run's journal in the release store: written with a compare-and-swap on the version
// the run last wrote or read, watched for an abort asked from elsewhere, and the run stopped
// (without touching traffic) when its lease or its journal is taken or the store fails.
import type { Lease } from "../store/leases";
import { RUN_ID } from "../store/leases";
import { CONFLICT } from "../store/object-store";
import { ReleaseError } from "./errors";
import type { Journal } from "./journal";
import { type StackState, storeError } from "./state";

/** Why a run stopped without touching traffic: its lease or journal was taken, or the store failed. */
export class Stopped extends Error {}

/** One run's journal, its version in the store and its stop. */
export class RunJournal {
  /** Aborted by an abort asked through the journal, or by the stop. */
  private readonly internal = new AbortController();
  /** Why this driver must stop without touching traffic (lease or journal taken, store down). */
  stopped: string | undefined;

  /**
   * `version`: the journal's version in the store, null until the first write creates it;
   * `reverting`: whether the run reverts now (an abort asked then is kept, not fired again).
   */
  constructor(
    private readonly state: StackState,
    private journal: Journal,
    private version: string | null,
    private readonly reverting: () => boolean,
  ) {}

  /** The journal as last written or read. */
  get current(): Journal {
    return this.journal;
  }

  /** Aborts when the journal asks for an abort or the run is stopped. */
  get signal(): AbortSignal {
    return this.internal.signal;
  }

  /**
   * Writes the journal with a compare-and-swap on the version this run last wrote or read. Losing
   * it means someone else wrote: an abort asked from another machine is taken in (and fires this
   * run's abort); a journal that another driver owns now stops this run without touching traffic.
   */
  async save(patch: Partial<Journal>): Promise<void> {
    let next: Journal = { ...this.current, ...patch, updatedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      let r: string | typeof CONFLICT;
      try {
        r = await this.state.writeJournal(next, this.version);
      } catch (err) {
        throw this.stop(
          `the release store ${this.state.store.url} did not take the journal: ${storeError(err, "write").message}`,
        );
      }
      if (r !== CONFLICT) {
        this.journal = next;
        this.version = r;
        return;
      }
      const now = await this.state.journal(next.service);
      if (!now || now.journal.releaseId !== next.releaseId || now.journal.owner.runId !== RUN_ID) {
        const o = now?.journal.owner;
        throw this.stop(
          now
            ? `release ${next.releaseId} was taken over by ${o?.runId ? `run ${o.runId} ` : ""}pid ${o?.pid} on ${o?.host} (its journal was written at ${now.journal.updatedAt})`
            : `the journal of release ${next.releaseId} was removed from the store`,
        );
      }
      // Still ours: someone asked for an abort meanwhile. Keep the request, write again.
      next = {
        ...next,
        ...(now.journal.abortRequested ? { abortRequested: now.journal.abortRequested } : {}),
      };
      this.version = now.version;
      if (now.journal.abortRequested && !this.reverting()) this.abortFromJournal(now.journal);
    }
    throw this.stop(`the journal of release ${next.releaseId} kept changing while this driver wrote it`);
  }

  /** Marks the run stopped: it ends without touching traffic; the error says where traffic is. */
  stop(why: string): Stopped {
    this.stopped ??= why;
    this.internal.abort(new Stopped(why));
    return new Stopped(why);
  }

  /** An abort asked through the journal (from another machine, or `progressive abort`). */
  private abortFromJournal(j: Journal): void {
    const by = j.abortRequested;
    if (!by || this.internal.signal.aborted) return;
    this.internal.abort(new Error(`aborted by ${by.by}${by.host ? ` (from ${by.host})` : ""}`));
  }

  /**
   * While the run goes on: renews the service's lease (stopping the run when it is lost) and
   * reads the journal every second for an abort asked from elsewhere. Returns the function that
   * stops watching.
   */
  watch(lease: Lease | undefined, service: string): () => void {
    lease?.keepAlive((reason) => this.stop(`this driver's lease on ${service} was lost: ${reason}`));
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.reverting()) return;
      busy = true;
      this.state
        .journal(service)
        .then((now) => {
          if (now?.journal.releaseId === this.current.releaseId && now.journal.abortRequested)
            this.abortFromJournal(now.journal);
        })
        .catch(() => undefined) // the store's failures surface at the next journal write
        .finally(() => {
          busy = false;
        });
    }, 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Where traffic is, for the message of a run that stops without touching it. */
  where(): string {
    const t = this.current.applied ?? this.current.lastGood;
    const at = t.candidateVersion
      ? `${t.candidateWeight}% to ${t.candidateVersion}, the rest on ${t.stableVersion}`
      : `all on ${t.stableVersion}`;
    return `traffic stays where it was last verified: ${at}${this.current.intended && this.current.intended !== this.current.applied ? ` (a change to ${JSON.stringify(this.current.intended)} was being applied)` : ""}`;
  }

  /** The stopped run's error: nothing more moves; what to do once the store answers. */
  stoppedError(service: string): ReleaseError {
    const svc = `--service ${service}`;
    return new ReleaseError(
      this.stopped?.includes("taken over") ? "inProgress" : "store",
      `${this.stopped}; this driver stopped without moving traffic further: ${this.where()}; run progressive status ${svc}, then progressive resume ${svc} or progressive abort ${svc} (once the store answers)`,
    );
  }
}
