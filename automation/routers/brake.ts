// The revert brake, once for every router: write "all traffic to stable", read back what the
// router applies, and call it applied only when the reading says so. Routers supply the write, the
// read and the test; the order (no read-back skipped, no "applied" without one) lives here alone.
import { type BrakeResult, notApplied } from "./types";

/** One router's half of the brake, bound to one connection and deadline. */
export interface StableWrite<T> {
  /**
   * Writes "all traffic to stable". Returns why nothing was written when the router must be left
   * as it is (e.g. the flag is missing, no stable pod is ready); the `up` that follows repairs it.
   */
  writeAllToStable(): Promise<string | undefined>;
  /** Reads what the router applies after the write. */
  read(): Promise<T>;
  /** Why `applied` does not send all traffic to stable, or undefined when it does. */
  wrong(applied: T): string | undefined;
}

/** Applies `steps`, reads it back and decides: applied, or not applied and why. Throws what `steps` throws. */
export async function writeAndVerify<T>(steps: StableWrite<T>): Promise<BrakeResult> {
  const refused = await steps.writeAllToStable();
  if (refused !== undefined) return notApplied(refused);
  const why = steps.wrong(await steps.read());
  return why === undefined ? { applied: true } : notApplied(why);
}
