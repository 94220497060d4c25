// Commands about the release store itself: a release's report read back from it (from any machine
// that shares it), and the move of this machine's unfinished releases into a shared store.
import { historyKey, journalKey, reportKey } from "../store/layout";
import { CONFLICT } from "../store/object-store";
import type { CommandOptions } from "./commands";
import { openState } from "./commands";
import { ReleaseError } from "./errors";
import { isOpen } from "./journal";
import { StackHandle, type StackTarget } from "./stack";
import { StackState } from "./state";

/** A release's report as the store holds it: Markdown (with its SVG chart beside it) or JSON. */
export async function reportCommand(
  target: StackTarget,
  releaseId: string,
  o: CommandOptions & { readonly format?: "md" | "json" } = {},
): Promise<{ readonly location: string; readonly body: string }> {
  const stack = await StackHandle.open(target);
  const state = await openState(stack, await stack.settings(), o);
  const key = reportKey(stack.key, releaseId, o.format ?? "md");
  const found = await state.store.objects.get(key);
  if (!found) {
    const known = (await state.store.history.listReleases(stack.key)).slice(0, 5).map((r) => r.id);
    throw new ReleaseError(
      "usage",
      `the release store ${state.store.url} has no report of release ${releaseId} of ${stack.key}; recent releases: ${known.join(", ") || "none"} (progressive history --stack ${stack.name} lists them)`,
    );
  }
  return { location: state.store.locate(key), body: found.body };
}

/** What an import moved. */
export interface ImportResult {
  readonly from: string;
  readonly to: string;
  /** Journals of unfinished releases moved, by service. */
  readonly journals: readonly string[];
  /** Releases whose history records were copied. */
  readonly releases: number;
}

/**
 * Moves this machine's state folder's unfinished releases of a stack (their journals) and its
 * history into the stack's shared release store, so that any machine can resume, abort or see
 * them. A journal the store already has for the same release is left alone; one the store has for
 * another open release is a conflict, refused.
 */
export async function storeImportCommand(target: StackTarget, o: CommandOptions = {}): Promise<ImportResult> {
  const stack = await StackHandle.open(target);
  const shared = await openState(stack, await stack.settings(), o, { leftovers: "import" });
  if (!shared.store.shared || shared.choice.folder)
    throw new ReleaseError(
      "usage",
      `the release store of ${stack.key} is ${shared.store.url}, a folder: name the shared store to import into (--state-store, $PROGRESSIVE_STATE_STORE or progressive:stateStore)`,
    );
  const local = await StackState.localFolder(stack.project, stack.name);
  if (!local) return { from: "(none)", to: shared.store.url, journals: [], releases: 0 };
  const moved: string[] = [];
  for (const journal of await local.journals()) {
    if (!isOpen(journal)) continue;
    const there = await shared.journal(journal.service);
    if (there?.journal.releaseId === journal.releaseId) continue;
    if (there && isOpen(there.journal))
      throw new ReleaseError(
        "inProgress",
        `${shared.store.url} already has an unfinished release of ${journal.service} (${there.journal.releaseId}); finish that one first`,
      );
    const r = await shared.writeJournal(journal, there?.version ?? null);
    if (r === CONFLICT)
      throw new ReleaseError(
        "inProgress",
        `the journal of ${journal.service} changed in ${shared.store.url} during the import; try again`,
      );
    moved.push(journal.service);
    // The local copy is kept, renamed aside, so that this machine no longer takes it for open.
    const key = journalKey({ project: stack.project, stack: stack.name, service: journal.service });
    const copy = await local.store.objects.get(key);
    if (copy) {
      await local.store.objects.put(`${key}.imported`, copy.body);
      await local.store.objects.delete(key, { ifVersion: copy.version });
    }
  }
  // History: every local release of the stack that the shared history does not have.
  const have = new Set((await shared.store.history.listReleases(stack.key)).map((r) => r.id));
  let releases = 0;
  for (const release of await local.store.history.listReleases(stack.key)) {
    if (have.has(release.id)) continue;
    const exists = await shared.store.objects.get(historyKey(stack.key, release.id));
    if (exists) continue;
    releases++;
    const records = (await local.store.history.records(stack.key)).filter((r) => r.releaseId === release.id);
    for (const record of records) await shared.store.history.append(record);
  }
  return { from: local.store.url, to: shared.store.url, journals: moved, releases };
}
