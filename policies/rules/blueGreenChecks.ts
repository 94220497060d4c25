// blue-green-checks: in production a blue-green switch waits for a check of the new colour, and
// the old colour stays at full size long enough that rolling back is one switch.

import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { environmentLabel } from "./scope";

/** Config of {@link blueGreenChecks}. */
export interface BlueGreenChecksConfig {
  /** Fewest pre-promotion checks. @default 1 */
  readonly minPrePromotionChecks: number;
  /** Shortest scale-down delay of the old colour, in seconds. @default 30 (the core's default) */
  readonly minScaleDownDelaySeconds: number;
}

/** Checks the pre-promotion checks and the scale-down delay of production blue-green services. */
export function blueGreenChecks(options: RuleOptions<BlueGreenChecksConfig> = {}) {
  return defineRule<BlueGreenChecksConfig>(
    {
      name: "blue-green-checks",
      description:
        "A production blue-green service has pre-promotion checks and keeps the old colour for at least the minimum scale-down delay.",
      enforcementLevel: "mandatory",
      environments: ["prod"],
      defaults: { minPrePromotionChecks: 1, minScaleDownDelaySeconds: 30 },
      schema: {
        minPrePromotionChecks: { type: "integer", minimum: 0, description: "Fewest pre-promotion checks." },
        minScaleDownDelaySeconds: {
          type: "number",
          minimum: 0,
          description: "Shortest scale-down delay of the old colour, in seconds.",
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        for (const service of view.services) {
          const strategy = service.strategy;
          if (strategy?.kind !== "blueGreen") continue;
          const name = quote(service.name);
          const checks = strategy.prePromotionChecks;
          if (checks !== undefined && checks < config.minPrePromotionChecks) {
            const wanted =
              config.minPrePromotionChecks === 1
                ? "a pre-promotion check"
                : `${config.minPrePromotionChecks} pre-promotion checks`;
            out.push({
              message: `Add ${wanted} to blue-green service ${name} (strategy.prePromotionChecks): in ${environmentLabel(view)} the switch must wait for a check of the new colour, and it has ${checks}.`,
              urn: service.urn,
            });
          }
          const delay = strategy.scaleDownDelaySeconds;
          if (delay !== undefined && delay < config.minScaleDownDelaySeconds) {
            out.push({
              message: `Keep the old colour of ${name} for at least ${config.minScaleDownDelaySeconds}s after a switch (strategy.scaleDownDelay): it is ${delay}s.`,
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
