// The release hooks (settings' release.hooks), for the stepwise driver and the release modes alike:
// each command runs in the stack's folder, one after another, and its outcome is a `hook` event.
// Pre-traffic hooks stop at the first failure (the caller fails the release before traffic moves);
// post-promotion hooks all run, and a failure is only reported: the release has already succeeded.
import { runCommand } from "./command";
import type { DriverEventInput } from "./events";
import type { ReleaseSettings } from "./settings";

/** Which hooks: before the first traffic change, or after promotion. */
export type HookStage = keyof ReleaseSettings["release"]["hooks"];

/** Where and how the hooks run. */
export interface HookRun {
  readonly settings: ReleaseSettings;
  /** The stack's folder, the commands' working directory. */
  readonly cwd: string;
  readonly emit: (e: DriverEventInput) => void;
  /** Stops the running command. @default none */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs the `stage` hooks; for `preTraffic`, stops at the first that fails and returns why (the
 * release's failure reason). Returns undefined when every hook that ran passed, or for `postPromotion`.
 */
export async function runHooks(stage: HookStage, run: HookRun): Promise<string | undefined> {
  for (const hook of run.settings.release.hooks[stage]) {
    const out = await runCommand(hook.command, {
      cwd: run.cwd,
      timeoutSeconds: hook.timeoutSeconds,
      ...(run.signal ? { signal: run.signal } : {}),
    });
    run.emit({ type: "hook", name: hook.name, ok: out.ok, detail: out.detail });
    if (!out.ok && stage === "preTraffic") return `pre-traffic hook ${hook.name} failed: ${out.detail}`;
  }
  return undefined;
}
