// RollingService on ECS Fargate: one ECS service behind one target group, updated in place by ECS's
// rolling deployment. maxUnavailable / maxSurge become deploymentMinimumHealthyPercent /
// deploymentMaximumPercent, the readiness delay becomes the health check grace period, and the
// deployment circuit breaker rolls a failed update back. Recreate is min 0 % / max 100 %. There is
// no second slot and no weight, so reverting means deploying the previous version again.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  ProgressiveComponent,
  type RecreateStrategy,
  type RecreateStrategyInput,
  type RollingStrategy,
  type RollingStrategyInput,
  rollingTraffic,
  serviceArgNames,
  type TrafficArgs,
  type TrafficState,
  validateService,
} from "../core";
import { ECS_SERVICE_ARG_NAMES, type EcsServiceArgs } from "./args";
import { type DeploymentPercents, deploymentPercents } from "./plan";
import { createAutoscaler, createEcsService, createTargetGroup, ecsContext } from "./resources";
import { createRouting } from "./routing";
import { checkEcsService, resolveDurations } from "./validate";

const TYPE = "progressive:aws:RollingService";

/** The traffic state of a rolling service: only the version matters; a candidate weight must be 0. */
export type RollingTraffic = Pick<TrafficState, "stableVersion"> & Partial<TrafficState>;

/** Arguments of {@link RollingService}. */
export interface RollingServiceArgs extends EcsServiceArgs, TrafficArgs<RollingTraffic> {
  /** Rolling update parameters, or recreate. @default Strategy.rolling() */
  readonly strategy?: RollingStrategyInput | RecreateStrategyInput;
}

/** Every argument name of {@link RollingServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(ECS_SERVICE_ARG_NAMES) satisfies ArgNames<RollingServiceArgs>;

/** A rolling (or recreate) release of one service on ECS Fargate behind an ALB. */
export class RollingService extends ProgressiveComponent {
  /** The ECS service's name. */
  readonly serviceName: pulumi.Output<string>;
  /** The ECS deployment percentages the strategy became. */
  readonly deployment: pulumi.Output<DeploymentPercents>;
  /** The resolved strategy for the release driver. */
  readonly strategy: pulumi.Output<RollingStrategy | RecreateStrategy>;

  constructor(name: string, args: RollingServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    let durations: ReturnType<typeof resolveDurations> = { deregistrationDelaySeconds: 30 };
    const release = validateService("RollingService", name, args, {
      names: ARG_NAMES,
      key: { platform: "aws", scope: args.cluster, name: args.serviceName ?? name },
      check: (r, problems) => {
        checkEcsService(args, r, false, problems);
        durations = resolveDurations(args, problems);
      },
      input: { traffic: rollingTraffic(args.traffic) },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as RollingStrategy | RecreateStrategy;
    const ctx = ecsContext(this, name, args, release, strategy.kind, [args.loadBalancer?.port ?? 80]);
    const targetGroup = createTargetGroup(ctx, "app", durations.deregistrationDelaySeconds);
    const routing = createRouting(ctx, {
      production: [{ slot: "app", targetGroup, weight: 100 }],
      ...(durations.stickinessSeconds !== undefined
        ? { stickinessSeconds: durations.stickinessSeconds }
        : {}),
    });
    const percents = deploymentPercents(strategy, release.replicas);
    const service = createEcsService(ctx, {
      role: "app",
      serviceName: ctx.baseName,
      version: release.traffic.stableVersion,
      targetGroup,
      desiredCount: release.replicas,
      deployment: {
        deploymentMinimumHealthyPercent: percents.minimumHealthyPercent,
        deploymentMaximumPercent: percents.maximumPercent,
      },
      // A new task's health checks are ignored for the readiness delay, as minReadySeconds would.
      ...(strategy.kind === "rolling" ? { graceSeconds: strategy.readinessDelaySeconds } : {}),
      autoscaled: args.autoscaling !== undefined,
      dependsOn: routing.resources,
    });
    createAutoscaler(ctx, service);

    this.serviceName = service.name;
    this.deployment = pulumi.output(percents);
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: ctx.baseName,
      endpoint: routing.endpoint,
      // No weight to read: the one target group gets every request; ECS's deployment holds the version.
      router: { kind: "none" },
      metrics: { kind: "none" },
      trafficResources: [service],
      outputs: { serviceName: this.serviceName, deployment: this.deployment },
    });
  }
}
