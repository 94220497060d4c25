// resource-limits: production containers declare what they need (requests, for scheduling) and
// what they may take (limits, so one instance cannot starve its neighbours).

import type { Violation } from "../model";
import { defineRule, listing, type RuleOptions } from "../rule";
import { containerLabel, containersOf } from "./scope";

/** Config of {@link resourceLimits}. */
export interface ResourceLimitsConfig {
  /** Resources every container requests. @default ["cpu", "memory"] */
  readonly requests: readonly string[];
  /** Resources every container limits. @default ["cpu", "memory"] */
  readonly limits: readonly string[];
}

/** Requires resource requests and limits in production, on platforms that size containers. */
export function resourceLimits(options: RuleOptions<ResourceLimitsConfig> = {}) {
  return defineRule<ResourceLimitsConfig>(
    {
      name: "resource-limits",
      description: "Production containers set resource requests and limits (cpu and memory by default).",
      enforcementLevel: "mandatory",
      environments: ["prod"],
      defaults: { requests: ["cpu", "memory"], limits: ["cpu", "memory"] },
      schema: {
        requests: {
          type: "array",
          items: { type: "string" },
          description: "Resources every container requests.",
        },
        limits: {
          type: "array",
          items: { type: "string" },
          description: "Resources every container limits.",
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        for (const item of containersOf(view, false)) {
          const resources = item.container.resources;
          if (!resources) continue;
          const missing = [
            ...config.requests
              .filter((r) => !resources.requests.includes(r))
              .map((r) => `resources.requests.${r}`),
            ...config.limits.filter((r) => !resources.limits.includes(r)).map((r) => `resources.limits.${r}`),
          ];
          if (missing.length > 0) {
            out.push({
              message: `Set ${listing(missing)} on ${containerLabel(item)}.`,
              urn: item.workload.urn,
            });
          }
        }
        return out;
      },
    },
    options,
  );
}
