// Once a release has settled (promoted, or reverted), the router stops what the release took out of
// traffic: Container Apps revisions stay active, each at its minReplicas, until deactivated. This
// never changes how the release ended: what could not be stopped is a warning naming the command
// that stops it by hand, and the release's history (so its report) says what was stopped and what not.
import { errorText, type RetireItem, type RouterControl } from "../routers/types";

/** How the driver tells and records a retire. */
export interface RetireHooks {
  /** One progress event. */
  log(level: "info" | "warn", message: string): void;
  /** The retire's step in the release's history: `error` when something could not be stopped. */
  record(outcome: "passed" | "error", note: string, startedAt: Date): Promise<void>;
}

/** One item in words, with the command to run by hand when it could not be stopped. */
export function describeRetireItem(item: RetireItem): string {
  if (item.outcome !== "failed") return `${item.what}: ${item.reason}`;
  const byHand = item.command ? `; stop it by hand: ${item.command}` : "";
  return `${item.what} keeps running: ${item.reason}${byHand}`;
}

/**
 * Asks `router` to stop what `versions` left running, says what became of each, and records it.
 * Returns the items; never throws.
 */
export async function retireTakenOut(
  router: RouterControl,
  versions: readonly string[],
  signal: AbortSignal | undefined,
  hooks: RetireHooks,
): Promise<readonly RetireItem[]> {
  if (!router.retire || versions.length === 0) return [];
  const startedAt = new Date();
  let items: readonly RetireItem[];
  try {
    items = await router.retire(versions, signal);
  } catch (err) {
    // Controls never throw here; one that does still leaves the release as it ended.
    items = versions.map((v) => ({ what: `what ${v} runs`, outcome: "failed", reason: errorText(err) }));
  }
  for (const item of items) hooks.log(item.outcome === "failed" ? "warn" : "info", describeRetireItem(item));
  if (items.length > 0) {
    const failed = items.some((i) => i.outcome === "failed");
    await hooks.record(failed ? "error" : "passed", items.map(describeRetireItem).join("; "), startedAt);
  }
  return items;
}
