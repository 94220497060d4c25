// One stack, watched: the release store is read every poll (journals and history: files or objects,
// cheap), and what `progressive status` computes (statusCommand: it runs pulumi and reads the
// routers back, seconds) is refreshed when the store shows a change and otherwise every 15 s.
import type { ResolvedStrategy } from "../../components/core";
import { openState, statusCommand } from "../driver/commands";
import { classifyError } from "../driver/errors";
import type { Journal } from "../driver/journal";
import type { StackState } from "../driver/state";
import { summarize } from "../history";
import type { ToolContext } from "../mcp/context";
import { type EventView, historyRows, type LiveView, liveView, type StackView } from "./view";

/** How often status is refreshed with no change in the store, and at least how far apart. */
const STATUS_EVERY_MS = 15_000;
const STATUS_MIN_GAP_MS = 1_000;
/** How long to wait before opening a stack again after it failed to open. */
const REOPEN_AFTER_MS = 5_000;

interface Opened {
  readonly state: StackState;
  readonly key: string;
  readonly strategies: ReadonlyMap<string, ResolvedStrategy>;
}

export class StackWatcher {
  private opened: Opened | undefined;
  private opening: Promise<Opened | undefined> | undefined;
  private openFailedAt = 0;
  private view: StackView;
  private status: StackView["status"];
  private statusAt = 0;
  private statusError: StackView["error"];
  private statusRunning: Promise<void> | undefined;
  private statusDue = true;
  private lastSeen = "";
  /** Per release: the phases seen, and the journal time of the first revert record seen. */
  private readonly phases = new Map<string, EventView[]>();
  private readonly revertSeen = new Map<string, string>();

  constructor(
    private readonly ctx: ToolContext,
    readonly stack: string,
  ) {
    this.view = { stack, live: [], history: { releases: [] } };
  }

  get current(): StackView {
    return this.view;
  }

  /** The names of the stack's services, once it is open. */
  get services(): readonly string[] | undefined {
    return this.opened ? [...this.opened.strategies.keys()] : undefined;
  }

  /** Opens the stack if it is not yet; the error when it cannot be. */
  async openError(): Promise<StackView["error"]> {
    return (await this.open()) ? undefined : this.view.error;
  }

  /** Reads the store once and refreshes the view; never throws (an error is shown in the view). */
  async poll(): Promise<void> {
    try {
      const opened = await this.open();
      if (!opened) return;
      const journals: Journal[] = [];
      const holders: string[] = [];
      for (const service of opened.strategies.keys()) {
        const j = (await opened.state.journal(service))?.journal;
        if (j) journals.push(j);
        const held = await opened.state.holder(opened.state.serviceLease(service));
        holders.push(held && !held.free ? held.holder.runId : "");
      }
      const releases = await opened.state.store.history.listReleases(opened.key);
      // What status shows changes with a journal, a step, or the lock changing hands.
      const seen = JSON.stringify([
        journals.map((j) => j.updatedAt),
        releases.map((r) => r.steps.length),
        holders,
      ]);
      if (seen !== this.lastSeen) this.statusDue = true;
      this.lastSeen = seen;
      const live: LiveView[] = journals.map((j) =>
        liveView(
          j,
          releases.find((r) => r.id === j.releaseId),
          opened.strategies.get(j.service),
          this.observe(j),
        ),
      );
      this.view = {
        stack: this.stack,
        ...(this.statusError ? { error: this.statusError } : {}),
        ...(this.status ? { status: this.status } : {}),
        live,
        history: { releases: historyRows(releases), summary: summarize(releases) },
      };
      this.refreshStatus();
    } catch (err) {
      this.view = { ...this.view, error: errorOf(err) };
    }
  }

  /** Waits for a status refresh in flight (tests and close). */
  async settled(): Promise<void> {
    await this.statusRunning;
  }

  /** Records the journal's phase when it changed; returns what was seen of its release. */
  private observe(j: Journal): { phases: EventView[]; revertSeenAt?: string } {
    const phases = this.phases.get(j.releaseId) ?? [];
    this.phases.set(j.releaseId, phases);
    const text = `phase ${j.phase}${j.reason ? `: ${j.reason}` : ""}`;
    if (phases[phases.length - 1]?.text !== text) phases.push({ at: j.updatedAt, text });
    if ((j.phase === "reverting" || j.phase === "reverted") && !this.revertSeen.has(j.releaseId))
      this.revertSeen.set(j.releaseId, j.updatedAt);
    const revertSeenAt = this.revertSeen.get(j.releaseId);
    return { phases, ...(revertSeenAt ? { revertSeenAt } : {}) };
  }

  /** Opens the stack (once; again after a failure, at most every 5 s); undefined when it cannot be. */
  open(): Promise<Opened | undefined> {
    if (this.opened) return Promise.resolve(this.opened);
    if (this.openFailedAt && Date.now() - this.openFailedAt < REOPEN_AFTER_MS)
      return Promise.resolve(undefined);
    this.opening ??= this.openNow().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openNow(): Promise<Opened | undefined> {
    try {
      const { stack, settings, services } = await this.ctx.open(this.ctx.target(this.stack));
      const state = await openState(stack, settings, this.ctx.store);
      this.opened = {
        state,
        key: stack.key,
        strategies: new Map(services.map((s) => [s.release.name, s.release.strategy])),
      };
      return this.opened;
    } catch (err) {
      this.openFailedAt = Date.now();
      this.view = { ...this.view, error: errorOf(err) };
      return undefined;
    }
  }

  /** Starts a status refresh when one is due and none runs; its result shows at the next poll. */
  private refreshStatus(): void {
    const now = Date.now();
    const due = this.statusDue || now - this.statusAt > STATUS_EVERY_MS;
    if (!due || this.statusRunning || now - this.statusAt < STATUS_MIN_GAP_MS) return;
    this.statusDue = false;
    this.statusAt = now;
    this.statusRunning = statusCommand(this.ctx.target(this.stack), this.ctx.store)
      .then((s) => {
        this.status = s;
        this.statusError = undefined;
      })
      .catch((err: unknown) => {
        this.statusError = errorOf(err);
      })
      .finally(() => {
        this.statusRunning = undefined;
      });
  }
}

function errorOf(err: unknown): { kind: string; message: string } {
  const e = classifyError(err);
  return { kind: e.kind, message: e.message };
}
