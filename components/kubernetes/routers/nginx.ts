// ingress-nginx canary: the main Ingress sends the host to the stable Service; a second Ingress
// for the same host and path, marked as canary, takes `canary-weight` percent and every request
// that carries the tester header.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  joinPath,
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

type IngressTLS = k8s.types.input.networking.v1.IngressTLS;

/** Options of the ingress-nginx router. */
export interface NginxRouterOptions {
  /** Host both Ingresses serve, e.g. "shop.example.com". */
  readonly host: string;
  /** Path prefix. @default "/" */
  readonly path?: string;
  /** IngressClass of ingress-nginx. @default "nginx" */
  readonly ingressClassName?: string;
  /** Extra annotations on both Ingresses (timeouts, body size...). @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** TLS of the main Ingress. @default none */
  readonly tls?: readonly IngressTLS[];
}

/** Annotation prefix of ingress-nginx. */
export const NGINX_PREFIX = "nginx.ingress.kubernetes.io";

/** The canary Ingress annotations for a weight and an optional tester header. */
export function nginxCanaryAnnotations(
  weight: number,
  header?: { readonly name: string; readonly value: string },
): Record<string, string> {
  return {
    [`${NGINX_PREFIX}/canary`]: "true",
    [`${NGINX_PREFIX}/canary-weight`]: String(weight),
    ...(header
      ? {
          [`${NGINX_PREFIX}/canary-by-header`]: header.name,
          [`${NGINX_PREFIX}/canary-by-header-value`]: header.value,
        }
      : {}),
  };
}

/** Splits traffic with ingress-nginx canary annotations on a second Ingress. */
export class NginxRouter implements KubernetesTrafficRouter {
  readonly kind = "nginx";

  constructor(readonly options: NginxRouterOptions) {}

  weightSupport(): WeightSupport {
    return { description: "the ingress-nginx router" };
  }

  replicaCounts(replicas: number, weight: number, candidate: boolean) {
    return weightedReplicaCounts(replicas, weight, candidate);
  }

  validate(_check: RouterCheck, problems: Problem[]): void {
    const { host, path } = this.options;
    if (typeof host !== "string" || !/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host)) {
      problems.push(
        problem("router.host", host, "is not a host name", 'use a lowercase host such as "shop.example.com"'),
      );
    }
    if (path !== undefined && !path.startsWith("/")) {
      problems.push(problem(joinPath("router", "path"), path, "must start with /", 'use a path such as "/"'));
    }
  }

  private ingress(
    ctx: RouteContext,
    role: string,
    objectName: string,
    service: RouteContext["stableService"],
    extra: Record<string, string>,
    tls: boolean,
  ) {
    const o = this.options;
    return new k8s.networking.v1.Ingress(
      `${ctx.name}-${role}`,
      {
        metadata: {
          name: objectName,
          ...(ctx.namespace !== undefined ? { namespace: ctx.namespace } : {}),
          labels: { ...ctx.labels },
          annotations: { ...ctx.annotations, ...o.annotations, ...extra },
        },
        spec: {
          ingressClassName: o.ingressClassName ?? "nginx",
          ...(tls && o.tls ? { tls: [...o.tls] } : {}),
          rules: [
            {
              host: o.host,
              http: {
                paths: [
                  {
                    path: o.path ?? "/",
                    pathType: "Prefix",
                    backend: { service: { name: service, port: { number: ctx.servicePort } } },
                  },
                ],
              },
            },
          ],
        },
      },
      { parent: ctx.parent, dependsOn: [...ctx.dependsOn] },
    );
  }

  route(ctx: RouteContext): RouteResult {
    const main = this.ingress(ctx, "ingress", ctx.baseName, ctx.stableService, {}, true);
    const canaryAnnotations = nginxCanaryAnnotations(ctx.weight, ctx.headerRoute);
    const canary = this.ingress(
      ctx,
      "canary-ingress",
      `${ctx.baseName}-canary`,
      ctx.canaryService,
      { ...canaryAnnotations, ...DRIVER_WRITES },
      false,
    );
    const scheme = this.options.tls && this.options.tls.length > 0 ? "https" : "http";
    const names = pulumi
      .all([main.metadata.namespace, main.metadata.name, canary.metadata.name])
      .apply(([namespace, ingress, canaryIngress]) => ({
        namespace: namespaceOf(namespace),
        ingress,
        canaryIngress,
      }));
    return {
      endpoint: main.metadata.apply(() => `${scheme}://${this.options.host}${this.options.path ?? "/"}`),
      plannedWeight: ctx.weight,
      trafficResources: [canary],
      descriptor: names.apply((n): RouterDescriptor => ({ kind: "kubernetes-nginx", ...n })),
      metrics: names.apply((n): MetricsDescriptor => ({ kind: "ingress-nginx", ...n })),
    };
  }
}
