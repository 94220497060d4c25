// RollingService: one Deployment updated in place with RollingUpdate (maxSurge, maxUnavailable,
// minReadySeconds from the readiness delay, progressDeadlineSeconds) or Recreate. There is no
// second slot and no weight, so reverting means deploying the previous version again.

import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  dnsLabel,
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
import { WORKLOAD_ARG_NAMES, type WorkloadArgs } from "./args";
import {
  createAutoscaler,
  createDeployment,
  createDisruptionBudget,
  createService,
  serviceEndpoint,
  workloadContext,
} from "./resources";
import { checkWorkload } from "./validate";

const TYPE = "progressive:kubernetes:RollingService";

/** The traffic state of a rolling service: only the version matters; a candidate weight must be 0. */
export type RollingTraffic = Pick<TrafficState, "stableVersion"> & Partial<TrafficState>;

/** Arguments of {@link RollingService}. */
export interface RollingServiceArgs extends WorkloadArgs, TrafficArgs<RollingTraffic> {
  /** Rolling update parameters, or recreate. @default Strategy.rolling() */
  readonly strategy?: RollingStrategyInput | RecreateStrategyInput;
}

/** The Kubernetes update strategy for a resolved rolling or recreate strategy. */
export function deploymentStrategy(
  strategy: RollingStrategy | RecreateStrategy,
): k8s.types.input.apps.v1.DeploymentStrategy {
  if (strategy.kind === "recreate") return { type: "Recreate" };
  return {
    type: "RollingUpdate",
    rollingUpdate: { maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable },
  };
}

/** Every argument name of {@link RollingServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(WORKLOAD_ARG_NAMES) satisfies ArgNames<RollingServiceArgs>;

/** A rolling (or recreate) release of one service on Kubernetes. */
export class RollingService extends ProgressiveComponent {
  readonly serviceName: pulumi.Output<string>;
  readonly deploymentName: pulumi.Output<string>;
  /** The resolved strategy for the release driver. */
  readonly strategy: pulumi.Output<RollingStrategy | RecreateStrategy>;

  constructor(name: string, args: RollingServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateService("RollingService", name, args, {
      names: ARG_NAMES,
      key: { platform: "kubernetes", scope: args.namespace, name: dnsLabel(name) },
      check: (r, problems) => checkWorkload(args, r, problems),
      input: { traffic: rollingTraffic(args.traffic) },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as RollingStrategy | RecreateStrategy;
    const ctx = workloadContext(this, name, args, release);
    const deployment = createDeployment(ctx, {
      role: "app",
      objectName: ctx.baseName,
      selector: ctx.appSelector,
      version: release.traffic.stableVersion,
      replicas: release.replicas,
      updateStrategy: deploymentStrategy(strategy),
      ...(strategy.kind === "rolling" ? { minReadySeconds: Math.ceil(strategy.readinessDelaySeconds) } : {}),
      ...(args.autoscaling ? { opts: { ignoreChanges: ["spec.replicas"] } } : {}),
    });
    const service = createService(ctx, {
      role: "service",
      objectName: ctx.baseName,
      selector: ctx.appSelector,
      ...(args.serviceType !== undefined ? { type: args.serviceType } : {}),
    });
    createDisruptionBudget(ctx);
    createAutoscaler(ctx, deployment);

    this.serviceName = service.metadata.name;
    this.deploymentName = deployment.metadata.name;
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: ctx.baseName,
      endpoint: serviceEndpoint(service, ctx.servicePort),
      // No weight to read: the Service selects every pod; the Deployment holds the version.
      router: { kind: "none" },
      metrics: { kind: "none" },
      trafficResources: [deployment],
      outputs: { serviceName: this.serviceName, deploymentName: this.deploymentName },
    });
  }
}
