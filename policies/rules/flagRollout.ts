// flag-rollout: in production a feature flag's rollout starts small and is checked before it
// grows, as a canary's does: the first percentage is at most `maxFirstWeight` (10 %) and an
// analysis step with at least one check runs before the percentage rises again. A manual pause
// does not count: a flag reaches users the moment it changes, so its checks must be metrics.

import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { environmentLabel } from "./scope";

/** Config of {@link flagRollout}. */
export interface FlagRolloutConfig {
  /** Largest first percentage of users. @default 10 */
  readonly maxFirstWeight: number;
}

/** Checks the first step of every FeatureFlag's rollout. */
export function flagRollout(options: RuleOptions<FlagRolloutConfig> = {}) {
  return defineRule<FlagRolloutConfig>(
    {
      name: "flag-rollout",
      description:
        "A production feature flag's rollout starts at 10% of users or less and runs an analysis before the share rises.",
      enforcementLevel: "mandatory",
      environments: ["prod"],
      defaults: { maxFirstWeight: 10 },
      schema: {
        maxFirstWeight: {
          type: "integer",
          minimum: 0,
          maximum: 100,
          description: "Largest first percentage of users.",
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        for (const flag of view.flags ?? []) {
          const name = quote(flag.name);
          const where = environmentLabel(view);
          if (flag.strategy?.kind !== "canary" || !flag.strategy.steps) continue;
          const steps = flag.strategy.steps;
          const first = steps.findIndex((s) => s.kind === "setWeight");
          const firstStep = steps[first];
          if (firstStep?.kind !== "setWeight") continue;
          if (firstStep.weight > config.maxFirstWeight) {
            out.push({
              message: `Start the rollout of flag ${name} in ${where} at ${config.maxFirstWeight}% of users or less: its first step gives ${firstStep.weight}% the new variant.`,
              urn: flag.urn,
            });
          }
          const rest = steps.slice(first + 1);
          const next = rest.findIndex((s) => s.kind === "setWeight");
          const between = next < 0 ? rest : rest.slice(0, next);
          if (!between.some((s) => s.kind === "analysis" && s.checks.length > 0)) {
            out.push({
              message: `Add an analysis step after the first rollout step of flag ${name} in ${where}: the share rises from ${firstStep.weight}% without a metric check.`,
              urn: flag.urn,
            });
          }
        }
        return out;
      },
    },
    options,
  );
}
