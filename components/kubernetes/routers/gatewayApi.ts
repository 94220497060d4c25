// Gateway API: one HTTPRoute with a weighted pair of backendRefs (stable, canary) and, while a
// candidate exists, a rule before it that sends requests carrying the tester header to the canary.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type MetricsDescriptor,
  type Problem,
  problem,
  type RouterDescriptor,
  type WeightSupport,
  weightedReplicaCounts,
} from "../../core";
import { DRIVER_WRITES } from "../pods";
import { namespaceOf } from "../resources";
import type { KubernetesTrafficRouter, RouteContext, RouteResult, RouterCheck } from "../router";

/** A Gateway (or listener) the route attaches to. */
export interface GatewayParentRef {
  /** Gateway name. */
  readonly name: string;
  /** Gateway namespace. @default the route's namespace */
  readonly namespace?: string;
  /** Listener name. @default every listener */
  readonly sectionName?: string;
}

/** Options of the Gateway API router. */
export interface GatewayApiRouterOptions {
  /** Gateways the HTTPRoute attaches to. */
  readonly parentRefs: readonly GatewayParentRef[];
  /** Host names the route serves. @default the Gateway's */
  readonly hostnames?: readonly string[];
  /** Path prefix. @default "/" */
  readonly path?: string;
}

/** API version of the HTTPRoute. */
export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";

/** Splits traffic with the weights of an HTTPRoute's backendRefs. */
export class GatewayApiRouter implements KubernetesTrafficRouter {
  readonly kind = "gatewayApi";

  constructor(readonly options: GatewayApiRouterOptions) {}

  weightSupport(): WeightSupport {
    return { description: "the Gateway API router" };
  }

  replicaCounts(replicas: number, weight: number, candidate: boolean) {
    return weightedReplicaCounts(replicas, weight, candidate);
  }

  validate(_check: RouterCheck, problems: Problem[]): void {
    const refs = this.options.parentRefs;
    if (!Array.isArray(refs) || refs.length === 0 || refs.some((r) => !r?.name)) {
      problems.push(
        problem(
          "router.parentRefs",
          refs,
          "must list at least one Gateway by name",
          'use [{ name: "public-gateway" }]',
        ),
      );
    }
    const path = this.options.path;
    if (path !== undefined && !path.startsWith("/")) {
      problems.push(problem("router.path", path, "must start with /", 'use a path such as "/"'));
    }
  }

  route(ctx: RouteContext): RouteResult {
    const o = this.options;
    const pathMatch = { type: "PathPrefix", value: o.path ?? "/" };
    const backend = (name: RouteContext["stableService"], weight?: number) => ({
      group: "",
      kind: "Service",
      name,
      port: ctx.servicePort,
      ...(weight !== undefined ? { weight } : {}),
    });
    const rules: unknown[] = [];
    if (ctx.headerRoute) {
      rules.push({
        matches: [{ path: pathMatch, headers: [{ type: "Exact", ...ctx.headerRoute }] }],
        backendRefs: [backend(ctx.canaryService)],
      });
    }
    rules.push({
      matches: [{ path: pathMatch }],
      backendRefs: [backend(ctx.stableService, 100 - ctx.weight), backend(ctx.canaryService, ctx.weight)],
    });
    const route = new k8s.apiextensions.CustomResource(
      `${ctx.name}-route`,
      {
        apiVersion: GATEWAY_API_VERSION,
        kind: "HTTPRoute",
        metadata: {
          name: ctx.baseName,
          ...(ctx.namespace !== undefined ? { namespace: ctx.namespace } : {}),
          labels: { ...ctx.labels },
          annotations: { ...ctx.annotations, ...DRIVER_WRITES },
        },
        spec: {
          parentRefs: o.parentRefs.map((r) => ({
            group: "gateway.networking.k8s.io",
            kind: "Gateway",
            ...r,
          })),
          ...(o.hostnames ? { hostnames: [...o.hostnames] } : {}),
          rules,
        },
      },
      { parent: ctx.parent, dependsOn: [...ctx.dependsOn] },
    );
    const host = o.hostnames?.[0];
    const endpoint = route.metadata.apply((m) =>
      host ? `http://${host}${o.path ?? "/"}` : `httproute/${namespaceOf(m.namespace)}/${m.name}`,
    );
    const descriptor = pulumi.all([route.metadata, ctx.stableService, ctx.canaryService]).apply(
      ([m, stableService, canaryService]): RouterDescriptor => ({
        kind: "kubernetes-gateway-api",
        namespace: namespaceOf(m.namespace),
        httpRoute: m.name,
        stableService,
        canaryService,
      }),
    );
    return {
      endpoint,
      plannedWeight: ctx.weight,
      trafficResources: [route],
      descriptor,
      metrics: pulumi.output<MetricsDescriptor>({ kind: "none" }),
    };
  }
}
