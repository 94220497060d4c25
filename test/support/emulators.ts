// The cloud emulators (harness/emulators.ts) for mocha: started for a suite, or the suite stops:
// under CI=true a missing emulator fails it; locally it is skipped with the reason.
import { EmulatorMissing } from "../../harness/emulators";

export * from "../../harness/emulators";

/** `launch()`'s emulator, or the suite stops (`what` names the tests, e.g. "AWS emulator tests"). */
export async function requireEmulator<T>(
  ctx: Mocha.Context,
  what: string,
  launch: () => Promise<T>,
): Promise<T> {
  try {
    return await launch();
  } catch (err) {
    if (!(err instanceof EmulatorMissing)) throw err;
    if (process.env.CI === "true") throw new Error(`${what} cannot run: ${err.message}`);
    console.log(`      skipped: ${err.message}`);
    ctx.skip();
  }
}
