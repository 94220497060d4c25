// FeatureFlag components of every platform: one mapper, since they all register the same release
// outputs (`release.flag` with the key and variants, the strategy, the traffic state).

import type { FlagView, StrategyView } from "../model";
import { at, num, type ResourceLike, str } from "./read";

/** Type tokens of the flag components: `progressive:<platform>:FeatureFlag`. */
export const FLAG_TYPE = /^progressive:([A-Za-z0-9_-]+):FeatureFlag$/;

/** The flag a resource is, if it is a FeatureFlag component. */
export function flagOf(
  r: ResourceLike,
  parseStrategy: (raw: unknown) => StrategyView | undefined,
): FlagView | undefined {
  const match = FLAG_TYPE.exec(r.type);
  if (!match) return undefined;
  const release = at(r.props, "release");
  const variants = at(release, "flag", "variants");
  const strategy = parseStrategy(at(release, "strategy"));
  const stableVersion = str(at(release, "traffic", "stableVersion"));
  const candidateVersion = str(at(release, "traffic", "candidateVersion"));
  const candidateWeight = num(at(release, "traffic", "candidateWeight"));
  return {
    platform: match[1] as string,
    type: r.type,
    name: r.name,
    urn: r.urn,
    key: str(at(release, "flag", "key")) ?? r.name,
    variants:
      variants && typeof variants === "object" && !Array.isArray(variants)
        ? (variants as Record<string, unknown>)
        : {},
    ...(strategy ? { strategy } : {}),
    ...(stableVersion !== undefined ? { stableVersion } : {}),
    ...(candidateVersion !== undefined ? { candidateVersion } : {}),
    ...(candidateWeight !== undefined ? { candidateWeight } : {}),
  };
}
