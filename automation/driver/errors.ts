// Typed driver errors from one classifier (in the manner of the Automation API's errors.ts):
// every failure the driver meets becomes a ReleaseError with a kind, a message that says what to
// do, and the CLI's exit code.
import { CommandError, ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { ValidationError } from "../../components/core";
import { StoreError } from "../store/object-store";

/** What went wrong, as a closed set. */
export type ReleaseErrorKind =
  | "usage" // bad command line or arguments
  | "config" // the stack's config does not validate
  | "unknownStack" // no such stack
  | "sameVersion" // the version asked for already runs
  | "inProgress" // another release of this stack is in progress
  | "locked" // the Pulumi stack is locked by another update
  | "preflight" // a preflight check failed; nothing changed
  | "hook" // a pre-traffic hook failed; nothing moved
  | "reverted" // a check failed and traffic went back to stable
  | "verification" // the weight read back is not the weight written
  | "aborted" // the abort signal fired
  | "engine" // pulumi itself failed
  | "store" // the release store failed (unreachable, refused, or lost a lease)
  | "rejected" // the version was marked bad (a pipeline's reject, or reverted by its checks)
  | "internal";

/** Exit codes of the CLI, by kind. 0 is a promoted release. */
export const EXIT_CODES: Readonly<Record<ReleaseErrorKind, number>> = {
  usage: 2,
  config: 2,
  unknownStack: 2,
  sameVersion: 2,
  reverted: 3,
  preflight: 4,
  hook: 4,
  inProgress: 5,
  locked: 5,
  verification: 6,
  engine: 6,
  store: 6,
  internal: 6,
  rejected: 7,
  aborted: 130,
};

/** A failure of the release driver. `message` says what happened and what to do. */
export class ReleaseError extends Error {
  readonly kind: ReleaseErrorKind;
  readonly exitCode: number;
  override readonly cause?: unknown;

  constructor(kind: ReleaseErrorKind, message: string, cause?: unknown) {
    super(message);
    this.name = "ReleaseError";
    this.kind = kind;
    this.exitCode = EXIT_CODES[kind];
    if (cause !== undefined) this.cause = cause;
  }
}

/** Error messages of `pulumi` that mean the stack is locked by another update. */
const LOCKED = /the stack is currently locked|locked by \d+ lock|update is currently in progress/i;

/** Turns anything thrown into a ReleaseError; the one place that knows the engine's error shapes. */
export function classifyError(err: unknown): ReleaseError {
  if (err instanceof ReleaseError) return err;
  if (err instanceof StoreError)
    return new ReleaseError(
      err.failure === "badUrl" ? "usage" : "store",
      `release store: ${err.message}`,
      err,
    );
  if (err instanceof ValidationError) return new ReleaseError("config", err.message, err);
  if (err instanceof StackNotFoundError) {
    return new ReleaseError(
      "unknownStack",
      `${firstLine(err.message)}; create it with pulumi stack init`,
      err,
    );
  }
  if (err instanceof ConcurrentUpdateError || (err instanceof Error && LOCKED.test(err.message))) {
    return new ReleaseError(
      "locked",
      "the stack is locked by another update; wait for it, or run `progressive status` to see whether " +
        "a crashed driver left it locked (`progressive abort` or `resume` unlock it when that is safe)",
      err,
    );
  }
  if (err instanceof Error && (err.name === "AbortError" || /aborted/i.test(err.message))) {
    return new ReleaseError("aborted", "the release was aborted", err);
  }
  if (err instanceof CommandError) {
    return new ReleaseError("engine", `pulumi failed: ${summarizeEngineError(err.message)}`, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ReleaseError("internal", message, err);
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim() !== "") ?? text;
}

/** The useful lines of a CommandError's text (it embeds the whole stdout and stderr). */
export function summarizeEngineError(text: string): string {
  const lines = text.split("\n").map((l) => l.trim());
  const errors = lines.filter((l) => /^error:|\berror:/i.test(l) && !/^stderr:/i.test(l));
  return (errors.length > 0 ? errors.slice(0, 5) : [firstLine(text)]).join(" | ");
}
