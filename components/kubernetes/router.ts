// One small interface for every way a Kubernetes cluster can split traffic between the stable and
// the canary slot (after flagger's pkg/router/router.go). Pulumi owns the lifecycle, so where
// flagger has Reconcile/SetRoutes/GetRoutes/Finalize, a router here declares its objects for a
// weight (`route`) and reports what it can do (`weightSupport`, `replicaCounts`, `validate`).

import type * as pulumi from "@pulumi/pulumi";
import type { MetricsDescriptor, Problem, ReplicaCounts, RouterDescriptor, WeightSupport } from "../core";

/** What a router's `validate` needs to know about the service. */
export interface RouterCheck {
  /** The service has an autoscaler (instance counts are not fixed). */
  readonly autoscaling: boolean;
  /** The user set `strategy.headerRoute` explicitly (not the default). */
  readonly headerRouteRequested: boolean;
}

/** What a router's `route` gets from the CanaryService. */
export interface RouteContext {
  /** The component's Pulumi name; router children are named `${name}-<role>`. */
  readonly name: string;
  /** The component's Kubernetes name. */
  readonly baseName: string;
  readonly namespace?: pulumi.Input<string>;
  readonly parent: pulumi.Resource;
  /** Labels for the router's objects; `selector` selects every pod of the service. */
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /** Annotations that record the release, for the router's objects. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Deployments of each slot (a replica-ratio router keeps the weight in their counts). */
  readonly stableDeployment: pulumi.Output<string>;
  readonly canaryDeployment: pulumi.Output<string>;
  /** Services of each slot and the port they expose. */
  readonly stableService: pulumi.Output<string>;
  readonly canaryService: pulumi.Output<string>;
  readonly servicePort: number;
  /** Container port, for a router that creates its own Service. */
  readonly targetPort: number;
  /** Type of the entry Service, for a router that creates one. */
  readonly serviceType?: pulumi.Input<string>;
  /** Integer percentage for the canary slot. */
  readonly weight: number;
  /** Instances of each slot, as returned by `replicaCounts`. */
  readonly replicas: ReplicaCounts;
  /** Header that reaches the canary, set only while a candidate exists. */
  readonly headerRoute?: { readonly name: string; readonly value: string };
  /** The Deployments: routes change after they are updated, so new weight goes to ready pods. */
  readonly dependsOn: readonly pulumi.Resource[];
}

/** What a router declared. */
export interface RouteResult {
  /** Where clients reach the service. */
  readonly endpoint: pulumi.Output<string>;
  /** The Service clients call, when the router has its own. @default the stable Service */
  readonly serviceName?: pulumi.Output<string>;
  /**
   * Share of traffic the declared objects give the canary: the asked weight, or the canary's share
   * of pods for a replica ratio. Planned, not read back: the driver reads the applied weight from
   * the cluster through `descriptor`.
   */
  readonly plannedWeight: number;
  /** Objects that hold the weight; the driver targets them first when it reverts. */
  readonly trafficResources: readonly pulumi.Resource[];
  /** Where the driver reads (and, to revert, writes) the weight: the objects declared here. */
  readonly descriptor: pulumi.Output<RouterDescriptor>;
  /** Where the driver reads the router's request metrics. */
  readonly metrics: pulumi.Output<MetricsDescriptor>;
}

/** A way to split traffic between the stable and the canary slot. */
export interface KubernetesTrafficRouter {
  /** Short name for messages and outputs, e.g. "replicaRatio". */
  readonly kind: string;
  /** Weights the router can represent with `replicas` stable instances. */
  weightSupport(replicas: number): WeightSupport;
  /** Instances of each slot at a weight; stable stays at full size wherever the router allows it. */
  replicaCounts(replicas: number, weight: number, candidate: boolean): ReplicaCounts;
  /** Pushes problems with the router's options or how they combine with the service. */
  validate(check: RouterCheck, problems: Problem[]): void;
  /** Declares the routing objects as children of `ctx.parent`. */
  route(ctx: RouteContext): RouteResult;
}
