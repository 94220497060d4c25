// max-unavailable: a rolling update in production takes at most `maxUnavailablePercent` of the
// instances out of service at a time (the seed's 25 %). Counts are taken as a share of replicas;
// an unset value is the platform's default (25 % on Kubernetes).

import { parsePercentOrCount } from "../../components/core";
import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { environmentLabel } from "./scope";

/** Config of {@link maxUnavailable}. */
export interface MaxUnavailableConfig {
  /** Largest share of instances a rolling update may take down, in percent. @default 25 */
  readonly maxUnavailablePercent: number;
}

/** Limits maxUnavailable of rolling updates in production. */
export function maxUnavailable(options: RuleOptions<MaxUnavailableConfig> = {}) {
  return defineRule<MaxUnavailableConfig>(
    {
      name: "max-unavailable",
      description: "Rolling updates in production keep maxUnavailable at or below 25% of the instances.",
      enforcementLevel: "mandatory",
      environments: ["prod"],
      defaults: { maxUnavailablePercent: 25 },
      schema: {
        maxUnavailablePercent: {
          type: "number",
          minimum: 0,
          maximum: 100,
          description: "Largest share of instances a rolling update may take down, in percent.",
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        const limit = config.maxUnavailablePercent;
        for (const workload of view.workloads) {
          if (workload.update?.kind !== "rolling") continue;
          const value = workload.update.maxUnavailable;
          const parsed = parsePercentOrCount(value);
          if (!parsed) continue;
          let share: number | undefined;
          let shown = String(value);
          if (parsed.kind === "percent") share = parsed.value;
          else if (workload.replicas !== undefined && workload.replicas > 0) {
            share = (parsed.value / workload.replicas) * 100;
            shown = `${value} of ${workload.replicas} instances (${Math.round(share)}%)`;
          }
          if (share === undefined || share <= limit) continue;
          out.push({
            message: `Lower maxUnavailable of ${quote(workload.name)} to ${limit}% or less in ${environmentLabel(view)}: it is ${shown}.`,
            urn: workload.urn,
          });
        }
        return out;
      },
    },
    options,
  );
}
