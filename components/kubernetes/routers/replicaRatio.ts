// Replica ratio: one Service selects the pods of both slots, so each pod gets an equal share and
// the weight is the canary's share of pods. Works on any cluster, with no ingress or mesh; it
// cannot route by header, and most weights need many replicas (see replicaRatioWeights).

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type MetricsDescriptor,
  type Problem,
  problem,
  type RouterDescriptor,
  replicaRatioCounts,
  replicaRatioWeight,
  replicaRatioWeights,
  type WeightSupport,
} from "../../core";
import { namespaceOf } from "../resources";
import type { KubernetesTrafficRouter, RouteContext, RouteResult, RouterCheck } from "../router";

const ALTERNATIVE = "or raise replicas, or use TrafficRouter.nginx() or TrafficRouter.gatewayApi()";

/** Splits traffic by the number of pods behind one Service. */
export class ReplicaRatioRouter implements KubernetesTrafficRouter {
  readonly kind = "replicaRatio";

  weightSupport(replicas: number): WeightSupport {
    return {
      description: `the replica-ratio router with ${replicas} replicas`,
      weights: replicaRatioWeights(replicas),
      alternative: ALTERNATIVE,
    };
  }

  replicaCounts(replicas: number, weight: number, candidate: boolean) {
    return candidate ? replicaRatioCounts(replicas, weight) : { stable: replicas, canary: 0 };
  }

  validate(check: RouterCheck, problems: Problem[]): void {
    if (check.autoscaling) {
      problems.push(
        problem(
          "autoscaling",
          "set",
          "the replica-ratio router splits traffic by instance counts, which an autoscaler would change",
          "remove autoscaling, or use TrafficRouter.nginx() or TrafficRouter.gatewayApi()",
        ),
      );
    }
    if (check.headerRouteRequested) {
      problems.push(
        problem(
          "strategy.headerRoute",
          "set",
          "the replica-ratio router cannot route by header (testers can call the <name>-canary Service)",
          "remove headerRoute, or use TrafficRouter.nginx() or TrafficRouter.gatewayApi()",
        ),
      );
    }
  }

  route(ctx: RouteContext): RouteResult {
    const service = new k8s.core.v1.Service(
      `${ctx.name}-service`,
      {
        metadata: {
          name: ctx.baseName,
          ...(ctx.namespace !== undefined ? { namespace: ctx.namespace } : {}),
          labels: { ...ctx.labels },
          annotations: { ...ctx.annotations },
        },
        spec: {
          type: ctx.serviceType ?? "ClusterIP",
          selector: { ...ctx.selector },
          ports: [{ name: "http", port: ctx.servicePort, targetPort: ctx.targetPort, protocol: "TCP" }],
        },
      },
      { parent: ctx.parent },
    );
    const suffix = ctx.servicePort === 80 ? "" : `:${ctx.servicePort}`;
    const endpoint = service.metadata.apply(
      (m) => `http://${m.name}.${namespaceOf(m.namespace)}.svc.cluster.local${suffix}`,
    );
    const descriptor = pulumi
      .all([service.metadata.namespace, ctx.stableDeployment, ctx.canaryDeployment])
      .apply(
        ([namespace, stableDeployment, canaryDeployment]): RouterDescriptor => ({
          kind: "kubernetes-replica-ratio",
          namespace: namespaceOf(namespace),
          stableDeployment,
          canaryDeployment,
        }),
      );
    const exact = replicaRatioWeight(ctx.replicas);
    return {
      endpoint,
      serviceName: service.metadata.name,
      plannedWeight: Math.round(exact * 100) / 100,
      // The weight lives in the Deployments' replica counts; the Service never changes.
      trafficResources: [],
      descriptor,
      metrics: pulumi.output<MetricsDescriptor>({ kind: "none" }),
    };
  }
}
