// revert-target: every service in a production stack has a stable version to go back to, so a
// failed release is a traffic change (DESIGN: revert moves traffic, it never redeploys an old
// template). Progressive components record it as `stableVersion`; a bare workload has one only when
// its release annotations name a version.

import { MetadataKey } from "../../components/core";
import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { environmentLabel } from "./scope";

/** Requires a stable version for every production service. */
export function revertTarget(options: RuleOptions<Record<never, never>> = {}) {
  return defineRule<Record<never, never>>(
    {
      name: "revert-target",
      description:
        "Every service in a production stack has a revert target: a stable version that keeps running.",
      enforcementLevel: "mandatory",
      environments: ["prod"],
      defaults: {},
      schema: {},
      check(view) {
        const out: Violation[] = [];
        for (const service of view.services) {
          if (service.stableVersion) continue;
          const name = quote(service.name);
          const message = service.component
            ? `Define a stable version for ${name} (traffic.stableVersion) so a failed release in ${environmentLabel(view)} can revert to it.`
            : `Deploy ${name} with a progressive component (or record its version in the ${MetadataKey.version} annotation) so a failed release in ${environmentLabel(view)} has a stable version to revert to.`;
          out.push({ message, urn: service.urn });
        }
        return out;
      },
    },
    options,
  );
}
