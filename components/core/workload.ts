// What every platform checks the same way in a workload's args, with the platform's own rules
// as parameters: the names of `env` and `secretEnv`, and an autoscaler's replica range.

import { joinPath, type Problem, problem } from "./problems";

/** A platform's rules for environment variable names. */
export interface EnvNameRules {
  /** The names the platform accepts. */
  readonly pattern: RegExp;
  /** The fix for a name it refuses, e.g. "use letters, digits and _". */
  readonly fix: string;
  /** Names the platform sets itself: the problem's message and fix. @default none */
  readonly reserved?: {
    readonly names: readonly string[];
    readonly message: string;
    readonly fix: (name: string) => string;
  };
}

/** One entry of `env` or `secretEnv`, handed to a platform's own checks of its value. */
export interface EnvEntry {
  readonly field: "env" | "secretEnv";
  readonly name: string;
  readonly value: unknown;
  /** The entry's path in the args, e.g. `secretEnv.DB_PASSWORD`. */
  readonly path: string;
}

/**
 * Checks the names in `env` and `secretEnv`: each follows the platform's rules and is not one it
 * reserves, and none is in both. Then hands every entry to `each` (e.g. the platform's check of a
 * secret reference), whatever its name.
 */
export function checkEnvNames(
  env: Readonly<Record<string, unknown>> | undefined,
  secretEnv: Readonly<Record<string, unknown>> | undefined,
  rules: EnvNameRules,
  problems: Problem[],
  each?: (entry: EnvEntry) => void,
): void {
  const names = new Set<string>();
  for (const [field, vars] of [
    ["env", env],
    ["secretEnv", secretEnv],
  ] as const) {
    for (const [name, value] of Object.entries(vars ?? {})) {
      const path = joinPath(field, name);
      if (!rules.pattern.test(name)) {
        problems.push(problem(path, name, "is not a valid environment variable name", rules.fix));
      } else if (rules.reserved?.names.includes(name)) {
        problems.push(problem(path, name, rules.reserved.message, rules.reserved.fix(name)));
      } else if (names.has(name)) {
        problems.push(problem(path, name, "is set in both env and secretEnv", "keep it in one of them"));
      }
      names.add(name);
      each?.({ field, name, value, path });
    }
  }
}

/**
 * Checks an autoscaler's range: `minReplicas` (default `replicas`) at least 1, `maxReplicas` at
 * least `minReplicas`, both whole numbers. Returns the minimum it checked.
 */
export function checkReplicaRange(
  autoscaling: { readonly minReplicas?: number; readonly maxReplicas: number },
  replicas: number,
  problems: Problem[],
): number {
  const min = autoscaling.minReplicas ?? replicas;
  if (!Number.isInteger(min) || min < 1) {
    problems.push(
      problem("autoscaling.minReplicas", min, "must be a whole number of at least 1", "use 1 or more"),
    );
  }
  if (!Number.isInteger(autoscaling.maxReplicas) || autoscaling.maxReplicas < min) {
    problems.push(
      problem(
        "autoscaling.maxReplicas",
        autoscaling.maxReplicas,
        `must be a whole number of at least minReplicas (${min})`,
        `use ${min} or more`,
      ),
    );
  }
  return min;
}
