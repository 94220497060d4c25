// Slack incoming webhook: `{ text, blocks }`. The webhook URL is a secret and is never shown.
import { checkWebhookUrl, type DeliveryOptions, postJson } from "./post";
import type { Notifier, NotifyResult, ReleaseEvent, ReleaseEventType } from "./types";

/** Settings of a Slack notifier. */
export interface SlackNotifierOptions extends DeliveryOptions {
  /** Name used in results and logs. @default "slack" */
  readonly name?: string;
  /** Incoming webhook URL (`https://hooks.slack.com/services/...`): a secret. */
  readonly url: string;
  /** Send Block Kit blocks beside the plain text. @default true */
  readonly blocks?: boolean;
}

/** A Slack message: `text` is the fallback shown in notifications; `blocks` the rich layout. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks?: ReadonlyArray<Record<string, unknown>>;
}

const TITLES: Record<ReleaseEventType, string> = {
  "release.started": "Release started",
  "release.promoted": "Release promoted",
  "release.reverted": "Release reverted",
  "release.failed": "Release failed",
};

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The message for an event (pure; exported for tests and previews). */
export function slackMessage(event: ReleaseEvent, withBlocks = true): SlackMessage {
  const e = (s: string) => slackEscape(s);
  const what = `${event.service ? `${e(event.service)} ` : ""}${e(event.version)}`;
  const text = `${TITLES[event.type]}: ${what} on ${e(event.stack)} by ${e(event.actor)}${event.reason ? ` (${e(event.reason)})` : ""}`;
  if (!withBlocks) return { text };
  const fields: string[] = [`*Stack*\n${e(event.stack)}`, `*Version*\n${e(event.version)}`];
  if (event.previousVersion) fields.push(`*Previous*\n${e(event.previousVersion)}`);
  if (event.strategy) fields.push(`*Strategy*\n${e(event.strategy)}`);
  if (event.weight !== undefined) fields.push(`*Weight*\n${event.weight}%`);
  if (event.timeToRevertMs !== undefined)
    fields.push(`*Time to revert*\n${(event.timeToRevertMs / 1000).toFixed(1)} s`);
  const blocks: Array<Record<string, unknown>> = [
    { type: "section", text: { type: "mrkdwn", text: `*${TITLES[event.type]}*: ${what}` } },
    { type: "section", fields: fields.map((f) => ({ type: "mrkdwn", text: f })) },
  ];
  if (event.reason)
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Reason*: ${e(event.reason)}` } });
  const context = [`release ${e(event.releaseId)}`, `by ${e(event.actor)}`, e(event.at)];
  if (event.reportUrl) context.push(`<${event.reportUrl.replace(/[<>|]/g, "")}|report>`);
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: context.join(" · ") }] });
  return { text, blocks };
}

/** Creates a Slack notifier; checks the URL (without ever printing it). */
export function createSlackNotifier(opts: SlackNotifierOptions): Notifier {
  const name = opts.name ?? "slack";
  const url = checkWebhookUrl(`slack notifier "${name}"`, opts.url);
  return {
    name,
    notify(event: ReleaseEvent, signal?: AbortSignal): Promise<NotifyResult> {
      return postJson(name, url, slackMessage(event, opts.blocks ?? true), opts, signal);
    },
  };
}
