// health-checks: every container has a readiness check, so traffic reaches only ready
// instances, and a liveness check where the platform can restart on one.

import type { Violation } from "../model";
import { defineRule, type RuleOptions } from "../rule";
import { containerLabel, containersOf } from "./scope";

/** Config of {@link healthChecks}. */
export interface HealthChecksConfig {
  /** Require a liveness check on platforms that have them. @default true */
  readonly requireLiveness: boolean;
}

/** Requires readiness checks, and liveness checks where the platform has them. */
export function healthChecks(options: RuleOptions<HealthChecksConfig> = {}) {
  return defineRule<HealthChecksConfig>(
    {
      name: "health-checks",
      description: "Workloads define a readiness check, and a liveness check where the platform has one.",
      enforcementLevel: "mandatory",
      environments: ["*"],
      defaults: { requireLiveness: true },
      schema: {
        requireLiveness: {
          type: "boolean",
          description: "Require a liveness check on platforms that have them.",
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        for (const item of containersOf(view, false)) {
          const { workload, container } = item;
          if (!container.readiness) {
            out.push({
              message: `Define a readiness check for ${containerLabel(item)} (health.readiness): without one, traffic reaches instances before they are ready.`,
              urn: workload.urn,
            });
          }
          if (config.requireLiveness && workload.supportsLiveness && !container.liveness) {
            out.push({
              message: `Define a liveness check for ${containerLabel(item)} (health.liveness): without one, a hung instance is never restarted.`,
              urn: workload.urn,
            });
          }
        }
        return out;
      },
    },
    options,
  );
}
