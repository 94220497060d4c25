// CanaryService: a stable Deployment kept at full size, a canary Deployment for the candidate,
// a Service per slot, and a traffic router that splits between them at the weight from the
// traffic state (its `progressive:traffic` entry). The release driver changes the weight between
// steps; abort is weight 0.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  type CanaryStrategyInput,
  dnsLabel,
  MetadataKey,
  ProgressiveComponent,
  type ReplicaCounts,
  roleName,
  Strategy,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../core";
import { WORKLOAD_ARG_NAMES, type WorkloadArgs } from "./args";
import { DRIVER_WRITES, LABEL_TRACK, releaseAnnotations } from "./pods";
import {
  createAutoscaler,
  createDeployment,
  createDisruptionBudget,
  createService,
  workloadContext,
} from "./resources";
import type { KubernetesTrafficRouter } from "./router";
import { TrafficRouter } from "./routers";
import { checkWorkload } from "./validate";

const TYPE = "progressive:kubernetes:CanaryService";

/** Arguments of {@link CanaryService}. */
export interface CanaryServiceArgs extends WorkloadArgs, TrafficArgs {
  /** Steps, checks and header routing. @default Strategy.canary() */
  readonly strategy?: CanaryStrategyInput;
  /** How traffic is split between the slots. @default TrafficRouter.replicaRatio() */
  readonly router?: KubernetesTrafficRouter;
}

/** Every argument name of {@link CanaryServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...serviceArgNames(WORKLOAD_ARG_NAMES),
  router: true,
} as const satisfies ArgNames<CanaryServiceArgs>;

/** A canary release of one service on Kubernetes. */
export class CanaryService extends ProgressiveComponent {
  /** Service clients call (the router's entry Service, or the stable Service). */
  readonly serviceName: pulumi.Output<string>;
  /** Service of the stable slot only. */
  readonly stableServiceName: pulumi.Output<string>;
  /** Service of the canary slot only (testers, analysis). */
  readonly canaryServiceName: pulumi.Output<string>;
  /** Weight asked for in the traffic state. */
  readonly candidateWeight: pulumi.Output<number>;
  /**
   * Share of traffic the declared objects give the canary: the asked weight, or the canary's share
   * of pods for the replica-ratio router. Not read back; the driver reads the applied weight from
   * the cluster through `release.router`.
   */
  readonly plannedWeight: pulumi.Output<number>;
  /** Instances of each slot. */
  readonly replicas: pulumi.Output<ReplicaCounts>;
  /** The resolved strategy (steps, checks) for the release driver. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: CanaryServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const router = args.router ?? TrafficRouter.replicaRatio();
    const strategyInput = args.strategy ?? Strategy.canary();
    const release = validateService("CanaryService", name, args, {
      names: ARG_NAMES,
      key: { platform: "kubernetes", scope: args.namespace, name: dnsLabel(name) },
      check: (r, problems) => {
        checkWorkload(args, r, problems);
        const headerRouteRequested =
          strategyInput.kind === "canary" &&
          strategyInput.headerRoute !== undefined &&
          strategyInput.headerRoute !== false;
        router.validate({ autoscaling: args.autoscaling !== undefined, headerRouteRequested }, problems);
      },
      input: { weightSupport: (replicas) => router.weightSupport(replicas) },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as CanaryStrategy;
    const { stableVersion, candidateVersion, candidateWeight } = release.traffic;
    const candidate = candidateVersion !== undefined;
    const counts = router.replicaCounts(release.replicas, candidateWeight, candidate);
    const ctx = workloadContext(this, name, args, release);
    const track = (t: string) => ({ ...ctx.appSelector, [LABEL_TRACK]: t });

    const stable = createDeployment(ctx, {
      role: "stable",
      objectName: roleName(name, "stable"),
      selector: track("stable"),
      version: stableVersion,
      replicas: counts.stable,
      // The autoscaler owns the stable count once it exists.
      ...(args.autoscaling ? { opts: { ignoreChanges: ["spec.replicas"] } } : {}),
    });
    const canary = createDeployment(ctx, {
      role: "canary",
      objectName: roleName(name, "canary"),
      selector: track("canary"),
      version: candidateVersion ?? stableVersion,
      replicas: counts.canary,
      annotations: { [MetadataKey.weight]: String(candidateWeight), ...DRIVER_WRITES },
      // Stable is updated (and ready) before the canary shrinks, e.g. when an abort from 100 % brings it back.
      opts: { dependsOn: [stable] },
    });
    const stableService = createService(ctx, {
      role: "stable-service",
      objectName: roleName(name, "stable"),
      selector: track("stable"),
    });
    const canaryService = createService(ctx, {
      role: "canary-service",
      objectName: roleName(name, "canary"),
      selector: track("canary"),
    });
    const routed = router.route({
      name,
      baseName: ctx.baseName,
      ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
      parent: this,
      labels: { ...args.labels, ...ctx.appSelector },
      selector: ctx.appSelector,
      annotations: {
        ...releaseAnnotations("canary", "entry", undefined, args.annotations),
        [MetadataKey.weight]: String(candidateWeight),
      },
      stableDeployment: stable.metadata.name,
      canaryDeployment: canary.metadata.name,
      stableService: stableService.metadata.name,
      canaryService: canaryService.metadata.name,
      servicePort: ctx.servicePort,
      targetPort: ctx.port,
      ...(args.serviceType !== undefined ? { serviceType: args.serviceType } : {}),
      weight: candidateWeight,
      replicas: counts,
      ...(candidate && strategy.headerRoute ? { headerRoute: strategy.headerRoute } : {}),
      dependsOn: [stable, canary],
    });
    createDisruptionBudget(ctx);
    createAutoscaler(ctx, stable);

    this.serviceName = routed.serviceName ?? stableService.metadata.name;
    this.stableServiceName = stableService.metadata.name;
    this.canaryServiceName = canaryService.metadata.name;
    this.candidateWeight = pulumi.output(candidateWeight);
    this.plannedWeight = pulumi.output(routed.plannedWeight);
    this.replicas = pulumi.output(counts);
    this.strategy = pulumi.output(strategy);
    // Every router scales the Deployments with the weight (the replica-ratio router keeps the
    // weight in their counts; the others size the canary to its share), so a weight step changes
    // the Deployments as well as the router's own objects.
    this.registerRelease({
      service: ctx.baseName,
      endpoint: routed.endpoint,
      router: routed.descriptor,
      metrics: routed.metrics,
      trafficResources: [...routed.trafficResources, canary, stable],
      outputs: {
        serviceName: this.serviceName,
        stableServiceName: this.stableServiceName,
        canaryServiceName: this.canaryServiceName,
        plannedWeight: this.plannedWeight,
        replicas: this.replicas,
      },
    });
  }
}
