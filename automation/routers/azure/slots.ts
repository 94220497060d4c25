// Weighted slots of a traffic layer in front of container groups (Traffic Manager endpoints,
// Front Door origins): each slot has a weight (1-1000) and an enabled state; a disabled slot gets
// no traffic. Pure maths shared by both layers' controls.
import type { Color, TrafficState } from "../../../components/core/traffic";
import type { RouterReading } from "../types";
import { unverified } from "../types";

/** One slot as read from the layer. */
export interface SlotState {
  readonly weight: number;
  readonly enabled: boolean;
}

const COLORS: readonly Color[] = ["blue", "green"];

function show(slots: Readonly<Record<string, SlotState>>): string {
  return Object.entries(slots)
    .map(([slot, s]) => `${slot}=${s.enabled ? s.weight : "disabled"}`)
    .join(", ");
}

/**
 * What the slots apply: blue-green layers (slots blue, green) serve the one enabled colour; canary
 * layers (slots stable, canary) send the canary its share of the enabled weights, in percent.
 */
export function slotReading(
  slots: Readonly<Record<string, SlotState>>,
  expect: TrafficState,
  what: string,
): RouterReading {
  const detail = `${what} ${show(slots)}`;
  const names = Object.keys(slots);
  // Rolling groups (slots "0", "1", ...): the layer does not say which version a group runs.
  if (names.length > 0 && names.every((k) => /^\d+$/.test(k)))
    return unverified(
      `${what}: rolling groups (${show(slots)}); the layer does not say which version each group runs`,
    );
  const enabled = Object.entries(slots).filter(([, s]) => s.enabled && s.weight > 0);
  if (enabled.length === 0) return unverified(`${what}: every slot is disabled (${show(slots)})`);
  if (Object.keys(slots).some((k) => COLORS.includes(k as Color))) {
    if (enabled.length !== 1)
      return unverified(`${what}: ${enabled.length} colours are enabled (${show(slots)})`);
    return { verified: true, candidateWeight: 0, activeColor: enabled[0]?.[0] as Color, detail };
  }
  const total = enabled.reduce((sum, [, s]) => sum + s.weight, 0);
  const canary = enabled.find(([slot]) => slot === "canary")?.[1].weight ?? 0;
  const weight = Math.round((canary * 100) / total);
  if (expect.candidateVersion === undefined && weight > 0) {
    return unverified(`${what}: the canary slot is enabled without a candidate (${show(slots)})`);
  }
  return { verified: true, candidateWeight: weight, detail };
}

/** The slot that must serve everything for `target`: its active colour, or "stable". */
export function stableSlot(slots: readonly string[], target: TrafficState): string {
  if (slots.some((s) => COLORS.includes(s as Color))) return target.activeColor ?? "blue";
  return "stable";
}
