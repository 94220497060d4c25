// Gateway API: an HTTPRoute whose rules each list weighted backendRefs to the stable and canary
// Services. The route's spec is what the gateway applies, so the weights are read from it; rules
// that disagree cannot be summed into one share and are reported as such. A tester rule (the
// CanaryService's header route: matched by header, to the canary only) takes no share of ordinary
// traffic: it is not counted, and the brake removes it.
import type { RouterDescriptor } from "../../../components/core/contract";
import { writeAndVerify } from "../brake";
import { type Deadline, type RouterControl, type RouterControlOptions, unverified } from "../types";
import { type KubeApis, KubeCallError, kubeCall, kubeContext, ref } from "./client";

/** Where HTTPRoutes live in the API. */
export const HTTP_ROUTE = {
  group: "gateway.networking.k8s.io",
  version: "v1",
  plural: "httproutes",
} as const;

/** One backendRef of an HTTPRoute rule (the fields the weights depend on). */
export interface BackendRef {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  /** Relative share in the rule. @default 1 (Gateway API) */
  readonly weight?: number;
}

/** The two Services whose weights make the split, and the route's namespace (a ref's default). */
export interface WeightedServices {
  readonly namespace: string;
  readonly stableService: string;
  readonly canaryService: string;
}

/** The candidate's share read from a route's rules, or why it cannot be told. */
export type RouteWeight =
  | {
      readonly weight: number;
      readonly perRule: ReadonlyArray<{ stable: number; canary: number }>;
      readonly detail: string;
    }
  | { readonly reason: string };

function isServiceRef(r: BackendRef, name: string, namespace: string): boolean {
  return (
    r.name === name &&
    (r.kind === undefined || r.kind === "Service") &&
    (r.group === undefined || r.group === "") &&
    (r.namespace === undefined || r.namespace === namespace)
  );
}

function refsOf(rule: unknown): BackendRef[] {
  const refs = (rule as { backendRefs?: unknown } | null)?.backendRefs;
  return Array.isArray(refs) ? (refs as BackendRef[]) : [];
}

/**
 * A rule that sends only requests carrying a header, and only to the canary: every match names a
 * header, and of the two Services only the canary is referenced.
 */
export function isTesterRule(rule: unknown, s: WeightedServices): boolean {
  const matches = (rule as { matches?: unknown } | null)?.matches;
  if (!Array.isArray(matches) || matches.length === 0) return false;
  const byHeader = matches.every((m) => {
    const headers = (m as { headers?: unknown } | null)?.headers;
    return Array.isArray(headers) && headers.length > 0;
  });
  const refs = refsOf(rule);
  return (
    byHeader &&
    refs.some((r) => isServiceRef(r, s.canaryService, s.namespace)) &&
    !refs.some((r) => isServiceRef(r, s.stableService, s.namespace))
  );
}

/**
 * The canary's share of an HTTPRoute's rules: per rule round(100 * canary / (canary + stable)),
 * which every rule naming either Service must agree on; rules naming neither, and tester rules
 * (isTesterRule), are not counted.
 */
export function httpRouteCanaryWeight(rules: unknown, s: WeightedServices): RouteWeight {
  if (!Array.isArray(rules)) return { reason: "spec.rules is not a list" };
  const perRule: Array<{ index: number; stable: number; canary: number }> = [];
  let testerRules = 0;
  for (const [index, rule] of rules.entries()) {
    if (isTesterRule(rule, s)) {
      testerRules++;
      continue;
    }
    let stable = 0;
    let canary = 0;
    let named = false;
    for (const r of refsOf(rule)) {
      const weight = r.weight ?? 1;
      const isStable = isServiceRef(r, s.stableService, s.namespace);
      const isCanary = isServiceRef(r, s.canaryService, s.namespace);
      if (!isStable && !isCanary) continue;
      if (!Number.isInteger(weight) || weight < 0) {
        return {
          reason: `rule ${index} gives ${r.name} weight ${JSON.stringify(r.weight)}, not a whole number`,
        };
      }
      named = true;
      if (isStable) stable += weight;
      else canary += weight;
    }
    if (!named) continue;
    if (stable + canary === 0) {
      return {
        reason: `rule ${index} gives both ${s.stableService} and ${s.canaryService} weight 0 (requests fail)`,
      };
    }
    perRule.push({ index, stable, canary });
  }
  if (perRule.length === 0) {
    return { reason: `no rule has a backendRef to Service ${s.stableService} or ${s.canaryService}` };
  }
  const shares = perRule.map((r) => Math.round((100 * r.canary) / (r.stable + r.canary)));
  const describe = (r: { stable: number; canary: number }) =>
    `${s.stableService}=${r.stable} ${s.canaryService}=${r.canary}`;
  if (new Set(shares).size > 1) {
    const each = perRule.map((r, i) => `rule ${r.index} sends ${shares[i]}%`).join(", ");
    return { reason: `the rules disagree on the canary's share (${each}); make them equal` };
  }
  const rulesText = perRule.length === 1 ? `rule ${perRule[0]?.index}` : `${perRule.length} rules`;
  const testers =
    testerRules > 0 ? `; ${testerRules} tester-header rule(s) to ${s.canaryService} not counted` : "";
  return {
    weight: shares[0] ?? 0,
    perRule: perRule.map(({ stable, canary }) => ({ stable, canary })),
    detail: `${describe(perRule[0] ?? { stable: 0, canary: 0 })} (${rulesText})${testers}`,
  };
}

/**
 * The rules with every stable ref at weight 100 and every canary ref at 0 (other fields and refs
 * kept) and tester rules removed (their requests then take the weighted rules, as ingress-nginx's
 * brake drops its header annotations), or why not: any other rule with a canary ref but no stable
 * ref has nowhere to send its traffic.
 */
export function allToStableRules(rules: unknown, s: WeightedServices): unknown[] | { reason: string } {
  if (!Array.isArray(rules)) return { reason: "spec.rules is not a list" };
  const out: unknown[] = [];
  for (const [index, rule] of rules.entries()) {
    if (isTesterRule(rule, s)) continue;
    const refs = refsOf(rule);
    const hasStable = refs.some((r) => isServiceRef(r, s.stableService, s.namespace));
    const hasCanary = refs.some((r) => isServiceRef(r, s.canaryService, s.namespace));
    if (hasCanary && !hasStable) {
      return {
        reason: `rule ${index} has a backendRef to ${s.canaryService} but none to ${s.stableService}`,
      };
    }
    if (!hasCanary && !hasStable) {
      out.push(rule);
      continue;
    }
    const backendRefs = refs.map((r) => {
      if (isServiceRef(r, s.stableService, s.namespace)) return { ...r, weight: 100 };
      if (isServiceRef(r, s.canaryService, s.namespace)) return { ...r, weight: 0 };
      return r;
    });
    out.push({ ...(rule as object), backendRefs });
  }
  return out;
}

/** Replace attempts when another writer changes the route between the brake's read and write. */
const BRAKE_ATTEMPTS = 3;

type GatewayDescriptor = Extract<RouterDescriptor, { kind: "kubernetes-gateway-api" }>;

interface HttpRoute {
  metadata?: { resourceVersion?: string };
  spec?: { rules?: unknown };
}

/** Control of a Gateway API HTTPRoute with weighted stable and canary backends. */
export function gatewayApiControl(d: GatewayDescriptor, o: RouterControlOptions = {}): RouterControl {
  const kube = kubeContext(o);
  const name = `HTTPRoute ${ref(d.namespace, d.httpRoute)}`;
  const at = { ...HTTP_ROUTE, namespace: d.namespace, name: d.httpRoute };
  const get = async (apis: KubeApis, dl: Deadline, what: string): Promise<HttpRoute> =>
    (await kubeCall(apis, dl, what, (opts) => apis.custom.getNamespacedCustomObject(at, opts))) as HttpRoute;

  return {
    kind: "kubernetes-gateway-api",

    read(_expect, signal) {
      return kube.read(signal, async (apis, dl) => {
        const route = await get(apis, dl, `read ${name}`);
        const w = httpRouteCanaryWeight(route.spec?.rules, d);
        if ("reason" in w) return unverified(`${name}: ${w.reason}`);
        return { verified: true, candidateWeight: w.weight, detail: `${name} ${w.detail}` };
      });
    },

    sendAllToStable(_target, _candidateVersion, signal) {
      return kube.brake(signal, (apis, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            // Read, modify, replace with the resourceVersion read: a concurrent change is a 409, and
            // then the route is read again rather than overwritten.
            for (let attempt = 1; ; attempt++) {
              const route = await get(apis, dl, `read ${name}`);
              const rules = allToStableRules(route.spec?.rules, d);
              if ("reason" in rules) return `${name}: ${rules.reason}`;
              const body = { ...route, spec: { ...route.spec, rules } };
              try {
                await kubeCall(apis, dl, `replace ${name}`, (opts) =>
                  apis.custom.replaceNamespacedCustomObject({ ...at, body }, opts),
                );
                return undefined;
              } catch (err) {
                if (!(err instanceof KubeCallError && err.status === 409) || attempt >= BRAKE_ATTEMPTS)
                  throw err;
              }
            }
          },
          read: async () => httpRouteCanaryWeight((await get(apis, dl, `read ${name} back`)).spec?.rules, d),
          wrong: (w) =>
            "reason" in w
              ? `${name} read back: ${w.reason}`
              : w.perRule.some((r) => r.canary !== 0)
                ? `${name} read back still sends traffic to ${d.canaryService}: ${w.detail}`
                : undefined,
        }),
      );
    },
  };
}
