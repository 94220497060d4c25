// The durable side of a release: history records, notifications and the final reports. Failures
// here are logged and never stop or change a release (a webhook that fails must not block a revert).
import type { Outcome, TrafficState } from "../../components/core";
import { type CheckRecord, HISTORY_FORMAT, type ReleaseOutcome } from "../history";
import {
  createSlackNotifier,
  createWebhookNotifier,
  type Notifier,
  notifyAll,
  type ReleaseEvent,
  type ReleaseEventType,
} from "../notify";
import { buildReport, renderJson, renderMarkdown, renderReportChart } from "../report";
import { reportKey } from "../store/layout";
import type { ReleaseStore } from "../store/release-store";
import type { CheckMeasurement } from "./events";

export interface RecorderContext {
  /** History and reports go to the release store. */
  readonly store: ReleaseStore;
  readonly releaseId: string;
  readonly stack: string;
  readonly service?: string;
  readonly version: string;
  readonly previousVersion: string;
  readonly actor: string;
  readonly strategy: string;
  readonly notifiers: readonly Notifier[];
  readonly log: (level: "info" | "warn", message: string) => void;
}

/** Notifiers from the stack's secret webhook URLs (never printed). */
export function notifiersFrom(
  urls: { slack?: string; webhook?: string },
  log: RecorderContext["log"],
): Notifier[] {
  const logger = { warn: (m: string) => log("warn", m) };
  const out: Notifier[] = [];
  if (urls.slack) out.push(createSlackNotifier({ url: urls.slack, logger }));
  if (urls.webhook) out.push(createWebhookNotifier({ url: urls.webhook, logger }));
  return out;
}

/** A step's outcome in history from an analysis outcome. */
export function stepOutcome(o: Outcome): "passed" | "failed" | "inconclusive" | "error" {
  return o === "Successful"
    ? "passed"
    : o === "Failed"
      ? "failed"
      : o === "Inconclusive"
        ? "inconclusive"
        : "error";
}

export function toCheckRecord(m: CheckMeasurement, at: Date): CheckRecord {
  return {
    name: m.check,
    value: m.value ?? null,
    outcome: m.outcome,
    reason: m.reason,
    at: at.toISOString(),
    ...(m.condition ? { condition: m.condition } : {}),
  };
}

export class Recorder {
  constructor(private readonly c: RecorderContext) {}

  private async safely(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.c.log(
        "warn",
        `${what} failed (the release goes on): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async started(at: Date): Promise<void> {
    await this.safely("history", () =>
      this.c.store.history.append({
        v: HISTORY_FORMAT,
        type: "started",
        releaseId: this.c.releaseId,
        stack: this.c.stack,
        ...(this.c.service ? { service: this.c.service } : {}),
        version: this.c.version,
        previousVersion: this.c.previousVersion,
        actor: this.c.actor,
        strategy: this.c.strategy,
        at: at.toISOString(),
      }),
    );
    await this.notify("release.started", {});
  }

  async step(
    index: number,
    action: string,
    startedAt: Date,
    outcome: "passed" | "failed" | "inconclusive" | "error" | "aborted",
    extra: { weight?: number; verified?: boolean; checks?: CheckRecord[]; note?: string } = {},
  ): Promise<void> {
    await this.safely("history", () =>
      this.c.store.history.append({
        v: HISTORY_FORMAT,
        type: "step",
        releaseId: this.c.releaseId,
        stack: this.c.stack,
        index,
        action,
        ...(extra.weight !== undefined ? { weight: extra.weight } : {}),
        ...(extra.verified !== undefined ? { verified: extra.verified } : {}),
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        checks: extra.checks ?? [],
        outcome,
        ...(extra.note !== undefined ? { note: extra.note } : {}),
      }),
    );
  }

  /** Ends the release in history, notifies, and writes the reports; returns the report paths. */
  async finished(
    outcome: ReleaseOutcome,
    traffic: TrafficState,
    extra: { reason?: string; timeToRevertMs?: number } = {},
  ): Promise<{ markdown?: string; json?: string }> {
    const config: Record<string, string> = {
      stableVersion: traffic.stableVersion,
      candidateWeight: String(traffic.candidateWeight),
      ...(traffic.activeColor ? { activeColor: traffic.activeColor } : {}),
    };
    await this.safely("history", () =>
      this.c.store.history.append({
        v: HISTORY_FORMAT,
        type: "finished",
        releaseId: this.c.releaseId,
        stack: this.c.stack,
        outcome,
        at: new Date().toISOString(),
        config,
        ...(extra.reason ? { reason: extra.reason } : {}),
        ...(extra.timeToRevertMs !== undefined ? { timeToRevertMs: Math.round(extra.timeToRevertMs) } : {}),
      }),
    );
    const type: ReleaseEventType =
      outcome === "promoted"
        ? "release.promoted"
        : outcome === "reverted" || outcome === "aborted"
          ? "release.reverted"
          : "release.failed";
    const paths = await this.writeReports();
    await this.notify(type, {
      ...extra,
      ...(paths.markdown
        ? { reportUrl: paths.markdown.startsWith("/") ? `file://${paths.markdown}` : paths.markdown }
        : {}),
    });
    return paths;
  }

  /** Writes the report (Markdown, JSON, its SVG chart) to the store; returns where people find it. */
  private async writeReports(): Promise<{ markdown?: string; json?: string }> {
    const out: { markdown?: string; json?: string } = {};
    await this.safely("report", async () => {
      const releases = await this.c.store.history.listReleases(this.c.stack);
      const release = releases.find((r) => r.id === this.c.releaseId);
      if (!release) return;
      const report = buildReport(release);
      const key = (ext: "md" | "json" | "svg") => reportKey(this.c.stack, this.c.releaseId, ext);
      const objects = this.c.store.objects;
      await objects.put(key("svg"), renderReportChart(report));
      await objects.put(key("json"), renderJson(report));
      await objects.put(key("md"), renderMarkdown(report, `${this.c.releaseId}.svg`));
      out.markdown = this.c.store.locate(key("md"));
      out.json = this.c.store.locate(key("json"));
    });
    return out;
  }

  private async notify(type: ReleaseEventType, extra: Partial<ReleaseEvent>): Promise<void> {
    if (this.c.notifiers.length === 0) return;
    const event: ReleaseEvent = {
      type,
      releaseId: this.c.releaseId,
      stack: this.c.stack,
      version: this.c.version,
      previousVersion: this.c.previousVersion,
      actor: this.c.actor,
      strategy: this.c.strategy,
      at: new Date().toISOString(),
      ...(this.c.service ? { service: this.c.service } : {}),
      ...extra,
    };
    // Each notifier logs its own failures (URL scrubbed) through the logger given at creation.
    await this.safely("notification", () => notifyAll(this.c.notifiers, event));
  }
}
