// POST a JSON body to a webhook whose URL is a secret: a deadline, a bounded retry on
// connection errors, 429 and 5xx, and error texts that never contain the URL's path.
import { createHmac } from "node:crypto";
import { FetchError, fetchText, redactSecretUrl } from "../shared/http";
import type { NotifyLogger, NotifyResult } from "./types";

/** Delivery settings shared by the webhook notifiers. */
export interface DeliveryOptions {
  /** Deadline of one request in milliseconds. @default 5000 */
  readonly timeoutMs?: number;
  /** Requests at most, counting the first; retried on no response, 429 and 5xx. @default 2 */
  readonly attempts?: number;
  /** Wait between attempts in milliseconds. @default 500 */
  readonly retryDelayMs?: number;
  /** Where failures are reported. @default console (`console.warn`) */
  readonly logger?: NotifyLogger;
}

/** Defaults of {@link DeliveryOptions}. */
export const DELIVERY_DEFAULTS = { timeoutMs: 5_000, attempts: 2, retryDelayMs: 500 } as const;

/** Checks a webhook URL at construction; the message names the field but never shows the URL. */
export function checkWebhookUrl(subject: string, url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw new Error(
      `${subject}: url (${url === undefined ? "not set" : "hidden"}) is not an http(s) URL; give the webhook URL, e.g. from a Pulumi secret`,
    );
  }
  return parsed.toString();
}

/** Removes every occurrence of the URL, its path and its query from `text`. */
export function scrub(text: string, url: string): string {
  let out = text;
  try {
    const u = new URL(url);
    for (const part of [url, u.toString(), u.pathname + u.search, u.pathname, u.search]) {
      if (part.length > 1) out = out.split(part).join("/…");
    }
  } catch {
    out = out.split(url).join("<url>");
  }
  return out;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Posts `body` as JSON; returns how it went and logs failures. Never throws. */
export async function postJson(
  notifier: string,
  url: string,
  body: unknown,
  opts: DeliveryOptions & { headers?: Readonly<Record<string, string>>; signingSecret?: string },
  signal?: AbortSignal,
): Promise<NotifyResult> {
  const timeoutMs = opts.timeoutMs ?? DELIVERY_DEFAULTS.timeoutMs;
  const attempts = Math.max(1, opts.attempts ?? DELIVERY_DEFAULTS.attempts);
  const retryDelayMs = opts.retryDelayMs ?? DELIVERY_DEFAULTS.retryDelayMs;
  const logger = opts.logger ?? console;
  const shown = redactSecretUrl(url);
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "pulumi-progressive-delivery",
    ...opts.headers,
  };
  if (opts.signingSecret) {
    headers["x-progressive-signature"] =
      `sha256=${createHmac("sha256", opts.signingSecret).update(text).digest("hex")}`;
  }
  let status: number | undefined;
  let error = "not sent";
  let sent = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (signal?.aborted) {
      error = "aborted before delivery";
      break;
    }
    sent = attempt;
    try {
      const res = await fetchText(url, { method: "POST", headers, body: text }, { timeoutMs, signal });
      status = res.status;
      if (res.status >= 200 && res.status < 300) return { notifier, ok: true, status, attempts: sent };
      error = `${shown} answered HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) break;
    } catch (err) {
      status = undefined;
      error =
        err instanceof FetchError
          ? `${shown}: ${err.message}`
          : `${shown}: request failed (${(err as Error)?.name ?? "error"})`;
      if (signal?.aborted) break;
    }
    if (attempt < attempts) await sleep(retryDelayMs, signal);
  }
  const message = scrub(
    `notifier "${notifier}": ${error} after ${sent} attempt(s); the release goes on`,
    url,
  );
  try {
    logger.warn(message);
  } catch {
    // A broken logger must not break the release either.
  }
  return status === undefined
    ? { notifier, ok: false, attempts: sent, error: scrub(error, url) }
    : { notifier, ok: false, status, attempts: sent, error: scrub(error, url) };
}
