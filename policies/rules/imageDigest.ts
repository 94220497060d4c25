// image-digest: digests are preferred to tags, since a tag can be pushed again. Advisory by
// default ("warn"); set its enforcement level to mandatory to require digests.

import { parseImage } from "../images";
import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { containerLabel, containersOf } from "./scope";

/** Prefers (advisory) or requires (mandatory) images pinned by digest. */
export function imageDigest(options: RuleOptions<Record<never, never>> = {}) {
  return defineRule<Record<never, never>>(
    {
      name: "image-digest",
      description: "Images are pinned by digest (advisory by default; mandatory requires digests).",
      enforcementLevel: "advisory",
      environments: ["*"],
      defaults: {},
      schema: {},
      check(view) {
        const out: Violation[] = [];
        for (const item of containersOf(view, true)) {
          const image = item.container.image;
          if (image === undefined || parseImage(image).digest) continue;
          out.push({
            message: `Pin the image of ${containerLabel(item)} by digest (image@sha256:...): ${quote(image)} has no digest, and its tag can be pushed again.`,
            urn: item.workload.urn,
          });
        }
        return out;
      },
    },
    options,
  );
}
