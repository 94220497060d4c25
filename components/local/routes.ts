// Routing tables for the proxy, as pure functions of the slots. Routes are named by version label,
// so the proxy's metrics (label `version`) answer the release driver's per-version queries. Two
// slots running the same version (canary promotion, step 2) share one route.

import type { RouteTableInput } from "./runtime";

/** One slot's version and the ports of its instances. */
export interface SlotRoute {
  readonly version: string;
  readonly ports: readonly number[];
}

function instances(ports: readonly number[]): Array<{ host: string; port: number }> {
  return ports.map((port) => ({ host: "127.0.0.1", port }));
}

/**
 * The table of a canary: stable gets 100 - weight, the candidate `weight` (exact: the proxy splits
 * by integer weights); the header route, when given, sends testers to the candidate.
 */
export function canaryTable(
  stable: SlotRoute,
  canary: SlotRoute | undefined,
  weight: number,
  header?: { readonly name: string; readonly value: string },
): RouteTableInput {
  if (!canary)
    return { versions: [{ name: stable.version, weight: 100, instances: instances(stable.ports) }] };
  const route = (version: string) =>
    header ? { headerRoute: { version, header: header.name, value: header.value } } : {};
  if (canary.version === stable.version) {
    const all = instances([...stable.ports, ...canary.ports]);
    return { versions: [{ name: stable.version, weight: 100, instances: all }], ...route(stable.version) };
  }
  return {
    versions: [
      { name: stable.version, weight: 100 - weight, instances: instances(stable.ports) },
      { name: canary.version, weight, instances: instances(canary.ports) },
    ],
    ...route(canary.version),
  };
}

/**
 * The table of a blue-green service: the active colour gets all traffic; the idle colour is on the
 * preview port. When both colours run the same version the preview shows the active colour.
 */
export function blueGreenTable(
  active: SlotRoute,
  idle: SlotRoute | undefined,
  preview: boolean,
): RouteTableInput {
  const versions = [{ name: active.version, weight: 100, instances: instances(active.ports) }];
  if (!idle || idle.ports.length === 0) return { versions };
  if (idle.version === active.version)
    return { versions, ...(preview ? { previewVersion: active.version } : {}) };
  versions.push({ name: idle.version, weight: 0, instances: instances(idle.ports) });
  return { versions, ...(preview ? { previewVersion: idle.version } : {}) };
}

/**
 * The candidate's share as the proxy reports it (`weights` read back by route name). When both
 * slots run the same version they share a route, so the share asked for is all there is to say.
 */
export function candidateShare(
  weights: Readonly<Record<string, number>>,
  traffic: {
    readonly stableVersion: string;
    readonly candidateVersion?: string;
    readonly candidateWeight: number;
  },
): number {
  const { stableVersion, candidateVersion, candidateWeight } = traffic;
  if (candidateVersion === undefined) return 0;
  if (candidateVersion === stableVersion) return (weights[stableVersion] ?? 0) > 0 ? candidateWeight : 0;
  return weights[candidateVersion] ?? 0;
}
