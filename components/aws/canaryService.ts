// CanaryService on ECS Fargate: a stable ECS service kept at full size, a canary ECS service for
// the candidate, a target group (type ip) each, and an ALB listener (or a rule on a shared
// listener) forwarding to both with weights from the traffic state. The release driver changes
// the weight between steps; abort is weight 0, one write to the listener.
//
// With `controller: "ecs"` there is one ECS service and ECS's own CANARY or LINEAR deployment
// shifts the traffic while the driver watches it and runs the checks (see ecsNative.ts).

import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  type CanaryStrategyInput,
  ProgressiveComponent,
  type ReplicaCounts,
  Strategy,
  serviceArgNames,
  type TrafficArgs,
  validateService,
  weightedReplicaCounts,
} from "../core";
import { ECS_SERVICE_ARG_NAMES, type EcsServiceArgs } from "./args";
import { ecsNativeCanary } from "./ecsNative";
import { checkController, ECS_NATIVE_ARG_NAMES, type EcsController, type EcsNativeArgs } from "./ecsStrategy";
import { createAutoscaler, createEcsService, createTargetGroup, ecsContext } from "./resources";
import { createRouting } from "./routing";
import { checkEcsService, resolveDurations } from "./validate";

const TYPE = "progressive:aws:CanaryService";

/** The default strategy with `controller: "ecs"`: ECS's own canary default, 5 % baked for 10 minutes. */
export const ECS_DEFAULT_CANARY: CanaryStrategyInput = {
  kind: "canary",
  steps: [{ setWeight: 5 }, { pause: { duration: "10m" } }, { setWeight: 100 }],
};

/** Arguments of {@link CanaryService}. */
export interface CanaryServiceArgs extends EcsServiceArgs, EcsNativeArgs, TrafficArgs {
  /** Steps, checks and header routing. @default Strategy.canary() */
  readonly strategy?: CanaryStrategyInput;
  /**
   * Who shifts traffic: the release driver (weights on the ALB, checks between steps), or ECS's
   * own CANARY/LINEAR deployment (one ECS service; the steps must fit ECS's shapes; the driver
   * runs the checks while ECS shifts and stops the deployment with rollback when one fails).
   * @default "driver"
   */
  readonly controller?: EcsController;
}

/** Every argument name of {@link CanaryServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...serviceArgNames(ECS_SERVICE_ARG_NAMES),
  ...ECS_NATIVE_ARG_NAMES,
  controller: true,
} as const satisfies ArgNames<CanaryServiceArgs>;

/** A canary release of one service on ECS Fargate behind an ALB. */
export class CanaryService extends ProgressiveComponent {
  /** ECS service of the stable slot (the only one with `controller: "ecs"`). */
  readonly stableServiceName: pulumi.Output<string>;
  /** ECS service of the canary slot; undefined with `controller: "ecs"`. */
  readonly canaryServiceName: pulumi.Output<string | undefined>;
  /** The listener whose default action, or the rule whose action, holds the weights. */
  readonly listenerArn: pulumi.Output<string>;
  readonly ruleArn: pulumi.Output<string | undefined>;
  /** Weight asked for in the traffic state (also the weight written to the ALB). */
  readonly candidateWeight: pulumi.Output<number>;
  /** Tasks of each slot. */
  readonly replicas: pulumi.Output<ReplicaCounts>;
  /** The resolved strategy (steps, checks) for the release driver. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: CanaryServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // ECS's own canary default (5 % for 10 minutes) when ECS shifts the traffic.
    const strategyInput =
      args.strategy ?? (args.controller === "ecs" ? ECS_DEFAULT_CANARY : Strategy.canary());
    let durations: ReturnType<typeof resolveDurations> = { deregistrationDelaySeconds: 30 };
    const release = validateService("CanaryService", name, args, {
      names: ARG_NAMES,
      key: { platform: "aws", scope: args.cluster, name: args.serviceName ?? name },
      check: (r, problems) => {
        const strategy = r.strategy as CanaryStrategy;
        checkEcsService(args, r, strategy.headerRoute !== undefined, problems);
        checkController(args.controller, strategy, args, r.traffic?.candidateWeight, problems);
        durations = resolveDurations(args, problems);
      },
      input: { strategy: strategyInput },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as CanaryStrategy;
    const { stableVersion, candidateVersion, candidateWeight } = release.traffic;
    const ctx = ecsContext(this, name, args, release, "canary", [args.loadBalancer?.port ?? 80]);
    if (args.controller === "ecs") {
      const native = ecsNativeCanary(ctx, strategy, durations);
      this.stableServiceName = native.service.name;
      this.canaryServiceName = pulumi.output(undefined);
      this.listenerArn = native.listenerArn;
      this.ruleArn = native.ruleArn;
      this.candidateWeight = pulumi.output(candidateWeight);
      this.replicas = pulumi.output({ stable: release.replicas, canary: 0 });
      this.strategy = pulumi.output(strategy);
      this.registerRelease(native.release);
      return;
    }

    const counts = weightedReplicaCounts(release.replicas, candidateWeight, candidateVersion !== undefined);
    const stableTg = createTargetGroup(ctx, "stable", durations.deregistrationDelaySeconds);
    const canaryTg = createTargetGroup(ctx, "canary", durations.deregistrationDelaySeconds);
    const routing = createRouting(ctx, {
      production: [
        { slot: "stable", targetGroup: stableTg, weight: 100 - candidateWeight },
        { slot: "canary", targetGroup: canaryTg, weight: candidateWeight },
      ],
      ...(candidateVersion !== undefined && strategy.headerRoute
        ? { header: { ...strategy.headerRoute, targetGroup: canaryTg } }
        : {}),
      ...(durations.stickinessSeconds !== undefined
        ? { stickinessSeconds: durations.stickinessSeconds }
        : {}),
    });
    const stable = createEcsService(ctx, {
      role: "stable",
      serviceName: `${ctx.baseName}-stable`,
      version: stableVersion,
      targetGroup: stableTg,
      desiredCount: counts.stable,
      autoscaled: args.autoscaling !== undefined,
      dependsOn: routing.resources,
    });
    const canary: aws.ecs.Service = createEcsService(ctx, {
      role: "canary",
      serviceName: `${ctx.baseName}-canary`,
      version: candidateVersion ?? stableVersion,
      targetGroup: canaryTg,
      desiredCount: counts.canary,
      dependsOn: routing.resources,
    });
    createAutoscaler(ctx, stable);

    this.stableServiceName = stable.name;
    this.canaryServiceName = canary.name;
    this.listenerArn = routing.listenerArn;
    this.ruleArn = routing.ruleArn ?? pulumi.output(undefined);
    this.candidateWeight = pulumi.output(candidateWeight);
    this.replicas = pulumi.output(counts);
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: ctx.baseName,
      endpoint: routing.endpoint,
      router: routing.router,
      metrics: routing.metrics,
      trafficResources: [routing.weights],
      outputs: {
        stableServiceName: this.stableServiceName,
        canaryServiceName: this.canaryServiceName,
        listenerArn: this.listenerArn,
        ruleArn: this.ruleArn,
        replicas: this.replicas,
      },
    });
  }
}
