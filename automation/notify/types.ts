// Release notifications: what happened, and the one interface every channel implements.
// A notifier never throws into the release: failures come back as a result and go to the logger.
import type { ReleaseSubject } from "../history/records";

/** The four moments a release is announced. */
export const RELEASE_EVENT_TYPES = [
  "release.started",
  "release.promoted",
  "release.reverted",
  "release.failed",
] as const;

/** One of {@link RELEASE_EVENT_TYPES}. */
export type ReleaseEventType = (typeof RELEASE_EVENT_TYPES)[number];

/** What a notifier is told. Plain JSON: it is the generic webhook's payload as is. */
export interface ReleaseEvent extends ReleaseSubject {
  /** What happened. */
  readonly type: ReleaseEventType;
  /** Release id, the same as in the history. */
  readonly releaseId: string;
  /** When it happened, ISO 8601. */
  readonly at: string;
  /** Candidate's traffic weight in percent at that moment. @default none */
  readonly weight?: number;
  /** Why the release was reverted or failed, e.g. `error-rate 0.12 > 0.05 at step 2`. @default none */
  readonly reason?: string;
  /** For `release.reverted`: milliseconds from the failed check to traffic restored. @default none */
  readonly timeToRevertMs?: number;
  /** Link to the release report. @default none */
  readonly reportUrl?: string;
}

/** How one notification went. */
export interface NotifyResult {
  /** Name of the notifier. */
  readonly notifier: string;
  /** The receiver answered 2xx. */
  readonly ok: boolean;
  /** Last HTTP status; undefined when there was no response. */
  readonly status?: number;
  /** Requests sent (1 + retries). */
  readonly attempts: number;
  /** Why it failed; never contains the webhook URL beyond scheme and host. */
  readonly error?: string;
}

/** Where notifiers report failures. */
export interface NotifyLogger {
  /** A notification failed (message already redacted). */
  warn(message: string): void;
}

/** A channel that announces releases. */
export interface Notifier {
  /** Name used in results and log lines, e.g. `slack-releases`. */
  readonly name: string;
  /** Sends one event. Never throws, never rejects. */
  notify(event: ReleaseEvent, signal?: AbortSignal): Promise<NotifyResult>;
}

/** Sends `event` through every notifier at once; resolves when all are done, never rejects. */
export async function notifyAll(
  notifiers: readonly Notifier[],
  event: ReleaseEvent,
  signal?: AbortSignal,
): Promise<NotifyResult[]> {
  return Promise.all(
    notifiers.map((n) =>
      n.notify(event, signal).catch(
        (err: unknown): NotifyResult => ({
          notifier: n.name,
          ok: false,
          attempts: 0,
          error: `notifier threw: ${err instanceof Error ? err.name : typeof err}`,
        }),
      ),
    ),
  );
}
