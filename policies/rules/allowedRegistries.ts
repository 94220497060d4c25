// allowed-registries: images come only from the registries (or registry paths) the pack's config
// lists. With no list configured the rule has nothing to enforce and reports itself not applicable.

import { fromRegistry, parseImage } from "../images";
import type { Violation } from "../model";
import { defineRule, listing, quote, type RuleOptions } from "../rule";
import { containerLabel, containersOf } from "./scope";

/** Config of {@link allowedRegistries}. */
export interface AllowedRegistriesConfig {
  /** Registries ("ghcr.io") or registry paths ("ghcr.io/acme") images may come from. @default [] (not enforced) */
  readonly registries: readonly string[];
}

/** Refuses images from registries outside the configured list. */
export function allowedRegistries(options: RuleOptions<AllowedRegistriesConfig> = {}) {
  return defineRule<AllowedRegistriesConfig>(
    {
      name: "allowed-registries",
      description: "Images come from the registries listed in the pack's config.",
      enforcementLevel: "mandatory",
      environments: ["*"],
      defaults: { registries: [] },
      schema: {
        registries: {
          type: "array",
          items: { type: "string" },
          description: 'Registries ("ghcr.io") or registry paths ("ghcr.io/acme") images may come from.',
        },
      },
      inapplicable: (config) =>
        config.registries.length === 0
          ? "no registries configured (set allowed-registries.registries)"
          : undefined,
      check(view, config) {
        const out: Violation[] = [];
        for (const item of containersOf(view, true)) {
          const image = item.container.image;
          if (image === undefined) continue;
          const ref = parseImage(image);
          if (config.registries.some((entry) => fromRegistry(ref, entry))) continue;
          out.push({
            message: `Pull the image of ${containerLabel(item)} from an allowed registry (${listing(config.registries, "or")}): ${quote(image)} comes from ${ref.registry}/${ref.repository}.`,
            urn: item.workload.urn,
          });
        }
        return out;
      },
    },
    options,
  );
}
