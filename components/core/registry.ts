// One Pulumi program is one process, so a module-level registry can see every service the program
// declares and reject two that would claim the same name on the same platform and namespace.

import { type Problem, problem } from "./problems";

/** Where a service's name must be unique. */
export interface ServiceKey {
  /** Platform, e.g. "kubernetes", "local". */
  readonly platform: string;
  /** Namespace, region or other scope; a computed value (an object) is compared by identity. @default "" */
  readonly scope?: unknown;
  /** The service's platform name. */
  readonly name: string;
}

const owners = new Map<string, string>();
const identities = new WeakMap<object, number>();
let nextIdentity = 0;

function scopeKey(scope: unknown): string {
  if (scope === undefined || scope === null) return "";
  if (typeof scope === "object" || typeof scope === "function") {
    let id = identities.get(scope as object);
    if (id === undefined) {
      id = ++nextIdentity;
      identities.set(scope as object, id);
    }
    return `#computed-${id}`;
  }
  return String(scope);
}

function keyOf(key: ServiceKey): string {
  return `${key.platform}\u0000${scopeKey(key.scope)}\u0000${key.name}`;
}

function describeScope(key: ServiceKey): string {
  if (key.scope === undefined || key.scope === null) return "";
  return typeof key.scope === "string" ? ` namespace "${key.scope}"` : " (same computed namespace)";
}

/** A problem when another service of this program already claimed the key. */
export function serviceNameProblem(key: ServiceKey, path = "name"): Problem | undefined {
  const owner = owners.get(keyOf(key));
  if (owner === undefined) return undefined;
  return problem(
    path,
    key.name,
    `${owner} already uses this name on ${key.platform}${describeScope(key)}`,
    "give each service in the stack its own name",
  );
}

/** Claims the key for `owner` (e.g. `CanaryService "web"`). */
export function claimServiceName(key: ServiceKey, owner: string): void {
  owners.set(keyOf(key), owner);
}

/** Forgets every claim; for tests, which build many programs in one process. */
export function resetServiceNames(): void {
  owners.clear();
}
