// image-tag: every image names a fixed version. No tag means `latest`; `latest` (and the other
// configured moving tags) change under a running service, so a revert would not get the old code.
// A digest pins the image whatever the tag says.

import { parseImage } from "../images";
import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { containerLabel, containersOf } from "./scope";

/** Config of {@link imageTag}. */
export interface ImageTagConfig {
  /** Tags that move and so do not pin a version. @default ["latest"] */
  readonly forbiddenTags: readonly string[];
}

/** Refuses images without a tag or digest, and images on a moving tag. */
export function imageTag(options: RuleOptions<ImageTagConfig> = {}) {
  return defineRule<ImageTagConfig>(
    {
      name: "image-tag",
      description: "Images are pinned to a version: a tag other than latest, or a digest.",
      enforcementLevel: "mandatory",
      environments: ["*"],
      defaults: { forbiddenTags: ["latest"] },
      schema: {
        forbiddenTags: {
          type: "array",
          items: { type: "string" },
          description: "Tags that move and so do not pin a version.",
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        for (const item of containersOf(view, true)) {
          const image = item.container.image;
          if (image === undefined) continue;
          const ref = parseImage(image);
          if (ref.digest) continue;
          const pin = `Pin the image of ${containerLabel(item)} to a version tag or a digest`;
          if (!ref.tag) {
            out.push({
              message: `${pin}: ${quote(image)} has no tag, which means latest.`,
              urn: item.workload.urn,
            });
          } else if (config.forbiddenTags.includes(ref.tag)) {
            out.push({
              message: `${pin}: ${quote(image)} uses the moving tag ${quote(ref.tag)}.`,
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
