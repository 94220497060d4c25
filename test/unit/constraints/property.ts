// Running property tests in the unit tier: bounded runs, a fixed seed by default (PROPERTY_SEED to
// change it, PROPERTY_RUNS for more or fewer runs, PROPERTY_SHRINK=1 to shrink a failure), and a
// failure that names the seed and says how to rerun it.

import * as fc from "fast-check";
import { ValidationError } from "../../../components/core";
import { type CheckedResource, checkProgram, describeViolation } from "../../support/constraints";

/** The seed of every property run: PROPERTY_SEED, else a fixed one so the unit tier is repeatable. */
export const SEED = Number(process.env.PROPERTY_SEED ?? 20230523);

/** Runs per property: PROPERTY_RUNS, else 50. */
export const RUNS = Number(process.env.PROPERTY_RUNS ?? 50);

/**
 * Shrink a failure to a smaller counterexample (PROPERTY_SHRINK=1). Off by default: each shrink
 * step builds a program again, and the first failure with its seed and path replays exactly.
 */
export const SHRINK = process.env.PROPERTY_SHRINK === "1";

/**
 * Checks `property` for `RUNS` generated values with `SEED`. The failure names the seed, the
 * replay path and the command that reruns it, besides fast-check's counterexample.
 */
export async function check<T>(
  file: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, property), {
    seed: SEED,
    numRuns: RUNS,
    endOnFailure: !SHRINK,
  });
  if (!details.failed) return;
  const error =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    [
      `property failed after ${details.numRuns} run(s) (seed ${details.seed}, path "${details.counterexamplePath}")`,
      `counterexample: ${fc.stringify(details.counterexample)}`,
      error,
      `rerun: PROPERTY_SEED=${details.seed} TEST_TIER=unit npx mocha ${file} (PROPERTY_SHRINK=1 to shrink it)`,
    ].join("\n"),
  );
}

/**
 * Builds a program; a ValidationError means the generated args are outside what the component
 * accepts, so the case does not count (fast-check's precondition), anything else fails.
 */
export function accepted(build: () => unknown): boolean {
  try {
    build();
    return true;
  } catch (err) {
    if (err instanceof ValidationError) {
      if (process.env.PROPERTY_DEBUG)
        console.log(err.problems.map((p) => `${p.path}: ${p.message}`).join(" | "));
      return false;
    }
    throw err;
  }
}

/** Throws every constraint violation among a program's resources. */
export function assertNoViolations(resources: readonly CheckedResource[]): void {
  const found = checkProgram(resources);
  if (found.length > 0) throw new Error(found.map(describeViolation).join("\n"));
}
