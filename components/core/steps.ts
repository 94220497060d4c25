// Canary steps and the maths over them. A plan is an ordered list of setWeight, pause and analysis
// steps; the release driver walks it, and a platform only ever sees the resulting weight.

import { checkDuration, type DurationInput } from "./duration";
import { checkKnownKeys, joinPath, type Problem, problem } from "./problems";
import { checkWeight, checkWeightSupported, type WeightSupport } from "./weight";

/** A canary step as written (the same shape as Argo Rollouts steps, so YAML config reads alike). */
export type CanaryStepInput =
  | { readonly setWeight: number }
  | { readonly pause: { readonly duration?: DurationInput } }
  | { readonly analysis: { readonly checks?: readonly string[] } };

/** A resolved canary step. */
export type CanaryStep =
  | { readonly kind: "setWeight"; readonly weight: number }
  /** `durationSeconds` undefined: wait for a manual promote. */
  | { readonly kind: "pause"; readonly durationSeconds?: number }
  /** `checks`: names of the strategy's checks to run. */
  | { readonly kind: "analysis"; readonly checks: readonly string[] };

/** Step factories: `Step.setWeight(10)`, `Step.pause("5m")`, `Step.pause()` (manual), `Step.analysis("error-rate")`. */
export const Step = {
  setWeight(weight: number): CanaryStepInput {
    return { setWeight: weight };
  },
  pause(duration?: DurationInput): CanaryStepInput {
    return { pause: duration === undefined ? {} : { duration } };
  },
  analysis(...checks: string[]): CanaryStepInput {
    return { analysis: checks.length > 0 ? { checks } : {} };
  },
} as const;

/** The seed's canary weights. */
export const DEFAULT_CANARY_WEIGHTS: readonly number[] = [5, 10, 25, 50, 100];

/** Steps for a list of weights, with an analysis of all checks after each weight below 100. */
export function stepsForWeights(weights: readonly number[]): CanaryStepInput[] {
  return weights.flatMap((w) => (w < 100 ? [Step.setWeight(w), Step.analysis()] : [Step.setWeight(w)]));
}

/**
 * Validates steps: exactly one kind per step, integer weights 0-100 that strictly increase and end
 * at 100, valid pause durations, analysis checks that exist (`checkNames`; an analysis without
 * names runs them all), and weights the router can represent (`support`, when given).
 */
export function resolveSteps(
  inputs: readonly CanaryStepInput[],
  checkNames: readonly string[],
  path: string,
  problems: Problem[],
  support?: WeightSupport,
): CanaryStep[] {
  const steps: CanaryStep[] = [];
  let last: { weight: number; at: string } | undefined;
  inputs.forEach((input, i) => {
    const at = joinPath(path, i);
    const keys = typeof input === "object" && input !== null ? Object.keys(input) : [];
    if (keys.length !== 1 || !["setWeight", "pause", "analysis"].includes(keys[0] as string)) {
      const fix = 'write one of { setWeight: 10 }, { pause: { duration: "5m" } }, { analysis: {} }';
      problems.push(problem(at, input, "must have exactly one of setWeight, pause or analysis", fix));
      return;
    }
    if ("setWeight" in input) {
      const weight = checkWeight(input.setWeight, joinPath(at, "setWeight"), problems);
      if (weight === undefined) return;
      if (last && weight <= last.weight) {
        problems.push(
          problem(
            joinPath(at, "setWeight"),
            weight,
            `must be greater than the previous weight (${last.weight} at ${last.at})`,
            "list weights in increasing order, such as 5, 10, 25, 50, 100",
          ),
        );
      }
      if (support) checkWeightSupported(weight, support, joinPath(at, "setWeight"), problems);
      last = { weight, at: joinPath(at, "setWeight") };
      steps.push({ kind: "setWeight", weight });
    } else if ("pause" in input) {
      checkKnownKeys(input.pause, ["duration"], joinPath(at, "pause"), problems);
      const duration = input.pause?.duration;
      if (duration === undefined) steps.push({ kind: "pause" });
      else {
        const seconds = checkDuration(duration, joinPath(at, "pause.duration"), problems);
        if (seconds !== undefined) steps.push({ kind: "pause", durationSeconds: seconds });
      }
    } else {
      checkKnownKeys(input.analysis, ["checks"], joinPath(at, "analysis"), problems);
      const names = input.analysis?.checks ?? checkNames;
      for (const [j, name] of names.entries()) {
        if (!checkNames.includes(name)) {
          const known =
            checkNames.length > 0
              ? `use one of ${checkNames.join(", ")}`
              : "add the check to strategy.checks";
          problems.push(
            problem(joinPath(at, `analysis.checks[${j}]`), name, "is not a check of this strategy", known),
          );
        }
      }
      steps.push({ kind: "analysis", checks: names });
    }
  });
  if (inputs.length > 0 && last?.weight !== 100) {
    problems.push(
      problem(path, last?.weight, "must end at weight 100", "add { setWeight: 100 } as the last weight step"),
    );
  }
  if (inputs.length === 0) {
    problems.push(
      problem(
        path,
        [],
        "must not be empty",
        "list steps such as 5, 10, 25, 50, 100 or leave steps unset for the default",
      ),
    );
  }
  return steps;
}

/**
 * The weight the plan has set after running steps 0..stepIndex (0 before the first setWeight);
 * 0 when the release was aborted, since stable is still at full size. Like Argo Rollouts'
 * GetCurrentSetWeight.
 */
export function weightAtStep(steps: readonly CanaryStep[], stepIndex: number, aborted = false): number {
  if (aborted) return 0;
  let weight = 0;
  for (let i = 0; i <= Math.min(stepIndex, steps.length - 1); i++) {
    const step = steps[i] as CanaryStep;
    if (step.kind === "setWeight") weight = step.weight;
  }
  return weight;
}

/** The step after `stepIndex` (-1 = not started) with its index, or undefined when the plan is done. */
export function nextStep(
  steps: readonly CanaryStep[],
  stepIndex: number,
): { readonly index: number; readonly step: CanaryStep } | undefined {
  const index = Math.max(-1, stepIndex) + 1;
  const step = steps[index];
  return step === undefined ? undefined : { index, step };
}

/** The weights a plan walks through, in order. */
export function planWeights(steps: readonly CanaryStep[]): number[] {
  return steps.flatMap((s) => (s.kind === "setWeight" ? [s.weight] : []));
}

/** True when some step waits for a manual promote (a pause without duration). */
export function hasManualPause(steps: readonly CanaryStep[]): boolean {
  return steps.some((s) => s.kind === "pause" && s.durationSeconds === undefined);
}

/** True when some analysis step runs at least one check. */
export function hasAnalysis(steps: readonly CanaryStep[]): boolean {
  return steps.some((s) => s.kind === "analysis" && s.checks.length > 0);
}
