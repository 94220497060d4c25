// The problems a component's validation throws, as `path: message; fix` lines, for tests that
// assert the whole error.
import * as assert from "node:assert/strict";
import { type Problem, ValidationError } from "../../components/core";

/** The problems `build` throws as a ValidationError; fails when it throws nothing or something else. */
export function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.problems.map((p: Problem) => `${p.path}: ${p.message}; ${p.fix}`);
  }
  assert.fail("expected a ValidationError");
}
