// The proxy's routing table: its shape, its validation, and the pickers that split
// traffic by smooth weighted round-robin (exact over any window of 100 picks).
import {
  arr,
  ConfigError,
  int,
  loopbackHost,
  NAME_HINT,
  NAME_PATTERN,
  noUnknownKeys,
  optStr,
  record,
  show,
  str,
} from "./validate";

/** One running instance of a version, reachable over HTTP on loopback. */
export interface InstanceRoute {
  /** Loopback address of the instance. Default `127.0.0.1`. */
  host: string;
  /** TCP port of the instance (1-65535). */
  port: number;
}

/** A version of the service and its share of the traffic. */
export interface VersionRoute {
  /** Version name, e.g. `blue`, `v2`. Unique in the table. */
  name: string;
  /** Percent of the traffic (integer 0-100). Weights of all versions add up to 100. */
  weight: number;
  /** Instances of this version; requests are spread over them round-robin. May be empty when weight is 0. */
  instances: InstanceRoute[];
}

/** Requests carrying `header: value` go to `version` whatever the weights (for testers). */
export interface HeaderRoute {
  /** Version that matching requests are sent to; must have at least one instance. */
  version: string;
  /** Header name, matched case-insensitively. Default `X-Canary`. */
  header: string;
  /** Exact header value that matches. Default `true`. */
  value: string;
}

/** The whole routing table. It is replaced as a unit, never edited in place. */
export interface RouteTable {
  /** Versions and their weights. Empty means "no route": every request gets 503. */
  versions: VersionRoute[];
  /** Optional header override. */
  headerRoute?: HeaderRoute;
  /** Version served on the preview port (blue-green preview). Must have at least one instance. */
  previewVersion?: string;
}

/** Input accepted for a table: like {@link RouteTable} with optional defaults left out. */
export interface RouteTableInput {
  versions: Array<{ name: string; weight: number; instances?: Array<{ host?: string; port: number }> }>;
  headerRoute?: { version: string; header?: string; value?: string };
  previewVersion?: string;
}

const HEADER_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** `host:port` of an instance; the key used for draining and metrics. */
export function instanceAddress(instance: InstanceRoute): string {
  return `${instance.host}:${instance.port}`;
}

function parseInstance(value: unknown, field: string): InstanceRoute {
  const input = record(value, field);
  noUnknownKeys(input, field, ["host", "port"]);
  return {
    host: loopbackHost(input["host"], `${field}.host`),
    port: int(input["port"], `${field}.port`, 1, 65535),
  };
}

function routableVersion(table: RouteTable, name: unknown, field: string): string {
  const wanted = str(name, field);
  const found = table.versions.find((v) => v.name === wanted);
  if (!found) {
    const names = table.versions.map((v) => v.name).join(", ") || "none";
    throw new ConfigError(
      field,
      `names version ${show(wanted)}, which is not in the table (versions: ${names})`,
    );
  }
  if (found.instances.length === 0) {
    throw new ConfigError(field, `version ${show(wanted)} has no instances; add instances to it first`);
  }
  return wanted;
}

/**
 * Validates a routing table and returns it with defaults filled in.
 * Throws {@link ConfigError} naming the field, the value and the fix.
 */
export function validateRouteTable(value: unknown, field = "routes"): RouteTable {
  const input = record(value, field);
  noUnknownKeys(input, field, ["versions", "headerRoute", "previewVersion"]);
  const seenNames = new Set<string>();
  const seenAddresses = new Map<string, string>();
  const versions = arr(input["versions"], `${field}.versions`).map((raw, i): VersionRoute => {
    const where = `${field}.versions[${i}]`;
    const v = record(raw, where);
    noUnknownKeys(v, where, ["name", "weight", "instances"]);
    const name = str(v["name"], `${where}.name`, NAME_PATTERN, NAME_HINT);
    if (seenNames.has(name)) throw new ConfigError(`${where}.name`, `version ${show(name)} appears twice`);
    seenNames.add(name);
    const weight = int(v["weight"], `${where}.weight`, 0, 100);
    const instances = arr(v["instances"] ?? [], `${where}.instances`).map((inst, j) =>
      parseInstance(inst, `${where}.instances[${j}]`),
    );
    for (const [j, inst] of instances.entries()) {
      const address = instanceAddress(inst);
      const owner = seenAddresses.get(address);
      if (owner !== undefined) {
        throw new ConfigError(
          `${where}.instances[${j}]`,
          `${address} is already listed under version ${show(owner)}; each instance belongs to one version once`,
        );
      }
      seenAddresses.set(address, name);
    }
    if (weight > 0 && instances.length === 0) {
      throw new ConfigError(
        `${where}.instances`,
        `version ${show(name)} has weight ${weight} but no instances; add instances or set its weight to 0`,
      );
    }
    return { name, weight, instances };
  });
  const total = versions.reduce((sum, v) => sum + v.weight, 0);
  if (versions.length > 0 && total !== 100) {
    const parts = versions.map((v) => `${v.name}=${v.weight}`).join(", ");
    throw new ConfigError(`${field}.versions`, `weights must add up to 100, got ${total} (${parts})`);
  }
  const table: RouteTable = { versions };
  if (input["headerRoute"] !== undefined) {
    const where = `${field}.headerRoute`;
    const h = record(input["headerRoute"], where);
    noUnknownKeys(h, where, ["version", "header", "value"]);
    const header = optStr(h["header"], `${where}.header`, "X-Canary");
    if (!HEADER_PATTERN.test(header)) {
      throw new ConfigError(`${where}.header`, `${show(header)} is not a valid HTTP header name`);
    }
    table.headerRoute = {
      version: routableVersion(table, h["version"], `${where}.version`),
      header,
      value: optStr(h["value"], `${where}.value`, "true"),
    };
  }
  if (input["previewVersion"] !== undefined) {
    table.previewVersion = routableVersion(table, input["previewVersion"], `${field}.previewVersion`);
  }
  return table;
}

/**
 * Smooth weighted round-robin (the nginx algorithm). With integer weights summing to W,
 * the pick sequence repeats every W picks and each item appears exactly `weight` times
 * in any W consecutive picks, spread out rather than in runs.
 */
export class SmoothWeightedPicker<T> {
  private readonly items: Array<{ item: T; weight: number; current: number }>;
  private readonly total: number;

  constructor(entries: ReadonlyArray<{ item: T; weight: number }>) {
    this.items = entries
      .filter((e) => e.weight > 0)
      .map((e) => ({ item: e.item, weight: e.weight, current: 0 }));
    this.total = this.items.reduce((sum, e) => sum + e.weight, 0);
  }

  /** The next item, or undefined when no item has a positive weight. */
  next(): T | undefined {
    let best: { item: T; weight: number; current: number } | undefined;
    for (const entry of this.items) {
      entry.current += entry.weight;
      if (best === undefined || entry.current > best.current) best = entry;
    }
    if (best === undefined) return undefined;
    best.current -= this.total;
    return best.item;
  }
}

/** A version compiled for routing: round-robin over its instances, skipping ones marked down. */
export class RoutedVersion {
  readonly name: string;
  readonly weight: number;
  readonly instances: ReadonlyArray<InstanceRoute & { address: string }>;
  private cursor = 0;

  constructor(route: VersionRoute) {
    this.name = route.name;
    this.weight = route.weight;
    this.instances = route.instances.map((i) => ({ ...i, address: instanceAddress(i) }));
  }

  /**
   * Next instance round-robin. Skips instances for which `isUp` is false and the address in
   * `exclude`, unless nothing else is left (then it returns the best remaining choice).
   */
  nextInstance(
    isUp: (address: string) => boolean,
    exclude?: string,
  ): (InstanceRoute & { address: string }) | undefined {
    const n = this.instances.length;
    if (n === 0) return undefined;
    let fallback: (InstanceRoute & { address: string }) | undefined;
    for (let tries = 0; tries < n; tries++) {
      const candidate = this.instances[this.cursor % n];
      this.cursor = (this.cursor + 1) % n;
      if (candidate === undefined || candidate.address === exclude) continue;
      if (isUp(candidate.address)) return candidate;
      fallback ??= candidate;
    }
    return fallback ?? this.instances.find((i) => i.address !== exclude) ?? this.instances[0];
  }
}

/** A validated table, ready to route. Swapped as one object reference, so a swap is atomic. */
export class CompiledRoutes {
  readonly table: RouteTable;
  readonly generation: number;
  private readonly byName: Map<string, RoutedVersion>;
  private readonly picker: SmoothWeightedPicker<RoutedVersion>;

  constructor(table: RouteTable, generation: number) {
    this.table = table;
    this.generation = generation;
    this.byName = new Map(table.versions.map((v) => [v.name, new RoutedVersion(v)]));
    this.picker = new SmoothWeightedPicker(
      [...this.byName.values()].map((v) => ({ item: v, weight: v.weight })),
    );
  }

  /** The version for the next request by weight, or undefined when the table is empty. */
  pickByWeight(): RoutedVersion | undefined {
    return this.picker.next();
  }

  version(name: string): RoutedVersion | undefined {
    return this.byName.get(name);
  }

  /** The header-override version when the request carries the configured header value. */
  headerMatch(headers: Record<string, string | string[] | undefined>): RoutedVersion | undefined {
    const route = this.table.headerRoute;
    if (!route) return undefined;
    const got = headers[route.header.toLowerCase()];
    const values = Array.isArray(got) ? got : got === undefined ? [] : [got];
    return values.some((v) => v.trim() === route.value) ? this.byName.get(route.version) : undefined;
  }
}
