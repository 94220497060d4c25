// canary-first-step: a canary starts small and checks before it grows. The first weight is at
// most `maxFirstWeight` (10 %, the seed's first stages were 5 and 10 %) and an analysis step with
// at least one check runs before the weight rises again.

import type { CanaryStep } from "../../components/core";
import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";

/** Config of {@link canaryFirstStep}. */
export interface CanaryFirstStepConfig {
  /** Largest first weight, in percent. @default 10 */
  readonly maxFirstWeight: number;
  /** Count a pause without duration (a manual promote) as the check after the first step. @default false */
  readonly acceptManualPause: boolean;
}

function isCheck(step: CanaryStep, acceptManualPause: boolean): boolean {
  if (step.kind === "analysis") return step.checks.length > 0;
  return acceptManualPause && step.kind === "pause" && step.durationSeconds === undefined;
}

/** Checks the first step of every canary with known steps. */
export function canaryFirstStep(options: RuleOptions<CanaryFirstStepConfig> = {}) {
  return defineRule<CanaryFirstStepConfig>(
    {
      name: "canary-first-step",
      description:
        "A canary's first step sends at most 10% of traffic and is followed by an analysis before the weight rises.",
      enforcementLevel: "mandatory",
      environments: ["*"],
      defaults: { maxFirstWeight: 10, acceptManualPause: false },
      schema: {
        maxFirstWeight: {
          type: "integer",
          minimum: 0,
          maximum: 100,
          description: "Largest first weight, in percent.",
        },
        acceptManualPause: {
          type: "boolean",
          description: "Count a pause without duration (a manual promote) as the check after the first step.",
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        for (const service of view.services) {
          if (service.strategy?.kind !== "canary" || !service.strategy.steps) continue;
          const steps = service.strategy.steps;
          const first = steps.findIndex((s) => s.kind === "setWeight");
          const firstStep = steps[first];
          if (firstStep?.kind !== "setWeight") continue;
          const name = quote(service.name);
          if (firstStep.weight > config.maxFirstWeight) {
            out.push({
              message: `Start the canary of ${name} at ${config.maxFirstWeight}% or less: its first step sends ${firstStep.weight}% of traffic to the candidate.`,
              urn: service.urn,
            });
          }
          const rest = steps.slice(first + 1);
          const next = rest.findIndex((s) => s.kind === "setWeight");
          const between = next < 0 ? rest : rest.slice(0, next);
          const nextStep = rest[next];
          if (nextStep?.kind === "setWeight" && !between.some((s) => isCheck(s, config.acceptManualPause))) {
            out.push({
              message: `Add an analysis step after the first canary step of ${name}: the weight rises from ${firstStep.weight}% to ${nextStep.weight}% without a check.`,
              urn: service.urn,
            });
          }
        }
        return out;
      },
    },
    options,
  );
}
