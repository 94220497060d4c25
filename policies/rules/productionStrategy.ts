// production-strategy: production services release with canary or blue-green; recreate (every
// instance stops before the new ones start) and a rolling update that takes every instance down
// at once are refused. Gradual rolling is allowed only when configured.

import { parsePercentOrCount, type StrategyKind } from "../../components/core";
import type { ServiceView, StrategyView } from "../model";
import { defineRule, listing, quote, type RuleOptions } from "../rule";
import { environmentLabel } from "./scope";

/** Config of {@link productionStrategy}. */
export interface ProductionStrategyConfig {
  /** Strategy kinds production services may use. @default ["canary", "blueGreen"] */
  readonly allowedStrategies: readonly StrategyKind[];
}

const LABEL: Record<StrategyKind, string> = {
  canary: "canary",
  blueGreen: "blue-green",
  rolling: "rolling",
  recreate: "recreate",
};

/** The maxUnavailable that takes every instance down at once, if the service has one. */
function allAtOnce(service: ServiceView, strategy: StrategyView): string | undefined {
  if (strategy.kind !== "rolling") return undefined;
  const values = [strategy.maxUnavailable, ...service.workloads.map((w) => w.update?.maxUnavailable)];
  for (const value of values) {
    const parsed = parsePercentOrCount(value);
    if (!parsed) continue;
    if (parsed.kind === "percent" && parsed.value >= 100) return String(value);
    const replicas = Math.max(0, ...service.workloads.map((w) => w.replicas ?? 0));
    if (parsed.kind === "count" && replicas > 0 && parsed.value >= replicas) {
      return `${value} of ${replicas} instances`;
    }
  }
  return undefined;
}

/** Refuses recreate and all-at-once rolling releases in production. */
export function productionStrategy(options: RuleOptions<ProductionStrategyConfig> = {}) {
  return defineRule<ProductionStrategyConfig>(
    {
      name: "production-strategy",
      description:
        "Production services release with canary or blue-green, not recreate or an all-at-once rolling update.",
      enforcementLevel: "mandatory",
      environments: ["prod"],
      defaults: { allowedStrategies: ["canary", "blueGreen"] },
      schema: {
        allowedStrategies: {
          type: "array",
          items: { type: "string", enum: ["canary", "blueGreen", "rolling", "recreate"] },
          description: "Strategy kinds production services may use.",
        },
      },
      check(view, config) {
        const allowed = config.allowedStrategies;
        const use = `Use a ${listing(
          allowed.map((k) => LABEL[k]).filter((l) => l !== "recreate"),
          "or",
        )} strategy`;
        return view.services.flatMap((service) => {
          const strategy = service.strategy;
          if (!strategy) return [];
          const where = `for ${quote(service.name)} in ${environmentLabel(view)}`;
          const atOnce = allAtOnce(service, strategy);
          let reason: string | undefined;
          if (atOnce !== undefined && !allowed.includes("recreate")) {
            reason = `its rolling update takes every instance down at once (maxUnavailable ${atOnce})`;
          } else if (!allowed.includes(strategy.kind)) {
            reason =
              strategy.kind === "recreate"
                ? "it uses recreate, which stops every instance before the new ones start"
                : `it uses ${LABEL[strategy.kind]}`;
          }
          return reason ? [{ message: `${use} ${where}: ${reason}.`, urn: service.urn }] : [];
        });
      },
    },
    options,
  );
}
