// Validation problems: every check pushes a Problem (field path, value, what is wrong, how to fix it)
// into a list, and the component throws one ValidationError that lists them all, so a user fixes
// their program in one pass instead of one error per `pulumi up`.

import { RunError } from "@pulumi/pulumi";

/** One thing wrong with the input. */
export interface Problem {
  /** Field path from the component's args, e.g. `strategy.steps[2].setWeight`. */
  readonly path: string;
  /** The offending value as given. */
  readonly value: unknown;
  /** What is wrong, e.g. `must be an integer from 0 to 100`. */
  readonly message: string;
  /** How to fix it, e.g. `use a weight such as 50`. */
  readonly fix: string;
}

/** Builds a Problem. */
export function problem(path: string, value: unknown, message: string, fix: string): Problem {
  return { path, value, message, fix };
}

/** Joins a field path and a key: `a` + `b` = `a.b`, `a` + 2 = `a[2]`, `` + `b` = `b`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** Renders a value for a message: strings quoted, undefined as `not set`. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "not set";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "function") return "a function";
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/**
 * Pushes one problem per key of `value` that is not in `known`: a misspelt option (`stpes`) would
 * otherwise be dropped without a word and its default used. Not an object: nothing to check here.
 */
export function checkKnownKeys(
  value: unknown,
  known: readonly string[],
  path: string,
  problems: Problem[],
): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    problems.push(
      problem(
        joinPath(path, key),
        (value as Record<string, unknown>)[key],
        "is not a known field",
        `remove it or fix its spelling; known fields: ${known.join(", ")}`,
      ),
    );
  }
}

/** `path (value): message; fix` */
export function formatProblem(problem: Problem): string {
  return `${problem.path} (${formatValue(problem.value)}): ${problem.message}; ${problem.fix}`;
}

/**
 * Thrown when a component (or a validating factory) is given invalid input. Lists every problem;
 * `problems` keeps them structured for tools such as the release driver. A Pulumi `RunError`, so
 * `pulumi preview`/`up` print the message alone, without a Node stack trace under it.
 */
export class ValidationError extends RunError {
  /** Every problem found, in the order the fields were checked. */
  readonly problems: readonly Problem[];
  /** What was being validated, e.g. `CanaryService "web"`. */
  readonly subject: string;

  constructor(subject: string, problems: readonly Problem[]) {
    super(formatValidationMessage(subject, problems));
    this.name = "ValidationError";
    this.subject = subject;
    this.problems = problems;
  }
}

/** One line for one problem, an indented list for several. */
export function formatValidationMessage(subject: string, problems: readonly Problem[]): string {
  if (problems.length === 1) return `invalid ${subject}: ${formatProblem(problems[0] as Problem)}`;
  const lines = problems.map((p) => `  - ${formatProblem(p)}`);
  return `invalid ${subject}: ${problems.length} problems\n${lines.join("\n")}`;
}

/** Throws a ValidationError when `problems` is not empty. */
export function throwIfProblems(subject: string, problems: readonly Problem[]): void {
  if (problems.length > 0) throw new ValidationError(subject, [...problems]);
}

/** Runs `check` on a fresh problem list and throws if it found any; returns its result otherwise. */
export function validated<T>(subject: string, check: (problems: Problem[]) => T): T {
  const problems: Problem[] = [];
  const result = check(problems);
  throwIfProblems(subject, problems);
  return result;
}
