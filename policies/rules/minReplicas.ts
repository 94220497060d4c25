// min-replicas: a production service runs enough instances that one can restart while the others
// serve. Counted on the slot that serves traffic: canary's stable slot, blue-green's active colour.

import type { ServiceView, Violation, Workload } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { servingWorkloads } from "../view";
import { environmentLabel } from "./scope";

/** Config of {@link minReplicas}. */
export interface MinReplicasConfig {
  /** Fewest serving instances. @default 2 */
  readonly minReplicas: number;
}

/** Serving workloads; a blue-green service whose active colour is unknown counts its largest colour. */
function serving(service: ServiceView): readonly Workload[] {
  const workloads = servingWorkloads(service);
  if (service.strategy?.kind !== "blueGreen" || service.activeColor !== undefined) return workloads;
  const largest = Math.max(...workloads.map((w) => w.replicas ?? 0));
  return workloads.filter((w) => (w.replicas ?? 0) === largest).slice(0, 1);
}

/** Requires at least `minReplicas` serving instances in production. */
export function minReplicas(options: RuleOptions<MinReplicasConfig> = {}) {
  return defineRule<MinReplicasConfig>(
    {
      name: "min-replicas",
      description: "Production services run at least the minimum number of serving instances (default 2).",
      enforcementLevel: "mandatory",
      environments: ["prod"],
      defaults: { minReplicas: 2 },
      schema: { minReplicas: { type: "integer", minimum: 1, description: "Fewest serving instances." } },
      check(view, config) {
        const out: Violation[] = [];
        for (const service of view.services) {
          for (const workload of serving(service)) {
            const replicas = workload.replicas;
            if (replicas === undefined || replicas >= config.minReplicas) continue;
            const which = workload.name === service.name ? "it" : quote(workload.name);
            out.push({
              message: `Set replicas of ${quote(service.name)} to at least ${config.minReplicas} in ${environmentLabel(view)}: ${which} runs ${replicas}.`,
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
