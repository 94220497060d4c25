// What every flag store's control shares: the reading of a flagd document against the state the
// driver expects, and the brake's flag (everyone on the stable variant, no split, no rules).
import { type FlagdFlag, flagdRolloutPercent } from "../../../components/core/flags";
import type { TrafficState } from "../../../components/core/traffic";
import type { RouterReading } from "../types";

/**
 * The candidate's share in a flagd document, as a router reading: with a candidate variant, the
 * share the flag gives it; without one, whatever the stable variant does not get.
 */
export function flagdReading(doc: unknown, flag: string, expect: TrafficState, where: string): RouterReading {
  let weight: number;
  try {
    weight =
      expect.candidateVersion !== undefined
        ? flagdRolloutPercent(doc, flag, expect.candidateVersion)
        : 100 - flagdRolloutPercent(doc, flag, expect.stableVersion);
  } catch (err) {
    return { verified: false, reason: `${where}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const f = (doc as { flags: Record<string, FlagdFlag> }).flags[flag];
  const split =
    expect.candidateVersion !== undefined
      ? `${expect.candidateVersion} ${weight}%`
      : `${weight}% off ${expect.stableVersion}`;
  return {
    verified: true,
    candidateWeight: weight,
    detail: `${where}: flag ${flag} default ${f?.defaultVariant}, ${split}`,
  };
}

/** The flag with everyone on `stable`: no split and no rules (a kill switch excludes testers too). */
export function allToStableFlag(current: FlagdFlag, stable: string): FlagdFlag {
  const { targeting: _dropped, ...rest } = current;
  return { ...rest, state: "ENABLED", defaultVariant: stable };
}

/** The brake's test of a flag read back (see writeAndVerify): everyone on the stable variant. */
export function notAllToStable(where: string): (back: RouterReading) => string | undefined {
  return (back) =>
    !back.verified
      ? back.reason
      : back.candidateWeight === 0
        ? undefined
        : `${where} read back gives ${back.candidateWeight}% to the candidate`;
}
