// A generic JSON webhook: the event, wrapped with a schema tag, optionally HMAC-signed.
import { checkWebhookUrl, type DeliveryOptions, postJson } from "./post";
import type { Notifier, NotifyResult, ReleaseEvent } from "./types";

/** Schema tag of the generic webhook payload; changes only with an incompatible change. */
export const WEBHOOK_SCHEMA = "progressive-delivery/release-event@1";

/**
 * The body POSTed by the generic webhook:
 * `{ "schema": "progressive-delivery/release-event@1", "event": { "type": "release.promoted", ... } }`.
 * Headers: `content-type: application/json`, `x-progressive-event: <type>`, and with a signing
 * secret `x-progressive-signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 */
export interface WebhookPayload {
  readonly schema: typeof WEBHOOK_SCHEMA;
  readonly event: ReleaseEvent;
}

/** Settings of a generic webhook notifier. */
export interface WebhookNotifierOptions extends DeliveryOptions {
  /** Name used in results and logs. @default "webhook" */
  readonly name?: string;
  /** Receiver URL: treated as a secret (only scheme and host are ever shown). */
  readonly url: string;
  /** Secret for the `x-progressive-signature` header. @default none (unsigned) */
  readonly signingSecret?: string;
  /** Extra headers, e.g. an API key header. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The payload for an event (pure). */
export function webhookPayload(event: ReleaseEvent): WebhookPayload {
  return { schema: WEBHOOK_SCHEMA, event };
}

/** Creates a generic webhook notifier; checks the URL (without ever printing it). */
export function createWebhookNotifier(opts: WebhookNotifierOptions): Notifier {
  const name = opts.name ?? "webhook";
  const url = checkWebhookUrl(`webhook notifier "${name}"`, opts.url);
  return {
    name,
    notify(event: ReleaseEvent, signal?: AbortSignal): Promise<NotifyResult> {
      const headers = { ...opts.headers, "x-progressive-event": event.type };
      return postJson(name, url, webhookPayload(event), { ...opts, headers }, signal);
    },
  };
}
