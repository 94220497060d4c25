// The one control shape of Traffic Manager and Front Door: read each slot's weight and enabled
// state, and brake by enabling the stable slot first (so the layer never has nothing to send to),
// then disabling every other slot, then reading all back. Each layer supplies get and set.
import type { RouterKind } from "../../../components/core/contract";
import { writeAndVerify } from "../brake";
import type { Deadline, RouterControl } from "../types";
import { azureContext } from "./client";
import { type SlotState, slotReading, stableSlot } from "./slots";

/** How one layer reads and writes a slot. */
export interface SlotAccess<C> {
  readonly kind: RouterKind;
  /** Names the layer in reasons, e.g. `Traffic Manager profile rg/web`. */
  readonly name: string;
  /** Layer object name by slot. */
  readonly slots: Readonly<Record<string, string>>;
  readonly client: () => Promise<C>;
  readonly timeoutMs?: number;
  get(c: C, d: Deadline, slot: string, object: string): Promise<SlotState>;
  /** Enables (keeping its weight) or disables one slot. */
  set(c: C, d: Deadline, slot: string, object: string, enabled: boolean): Promise<void>;
}

async function readAll<C>(a: SlotAccess<C>, c: C, d: Deadline): Promise<Record<string, SlotState>> {
  const out: Record<string, SlotState> = {};
  for (const [slot, object] of Object.entries(a.slots)) out[slot] = await a.get(c, d, slot, object);
  return out;
}

/** A RouterControl over weighted slots. */
export function weightedLayerControl<C>(a: SlotAccess<C>): RouterControl {
  const azure = azureContext(a.client, a.timeoutMs);
  return {
    kind: a.kind,
    read(expect, signal) {
      return azure.read(signal, async (c, d) => slotReading(await readAll(a, c, d), expect, a.name));
    },
    sendAllToStable(target, _candidateVersion, signal) {
      const serve = stableSlot(Object.keys(a.slots), target);
      return azure.brake(signal, (c, d) =>
        writeAndVerify({
          async writeAllToStable() {
            const object = a.slots[serve];
            if (object === undefined) return `${a.name} has no ${serve} slot`;
            await a.set(c, d, serve, object, true);
            for (const [slot, other] of Object.entries(a.slots))
              if (slot !== serve) await a.set(c, d, slot, other, false);
            return undefined;
          },
          read: () => readAll(a, c, d),
          wrong(back) {
            const off = Object.entries(back).filter(([slot, s]) => slot !== serve && s.enabled);
            if (!back[serve]?.enabled) return `${a.name} read back: ${serve} is not enabled`;
            if (off.length > 0) return `${a.name} read back: ${off.map(([s]) => s).join(", ")} still enabled`;
            return undefined;
          },
        }),
      );
    },
  };
}
