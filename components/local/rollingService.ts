// RollingService on the local platform: one rolling set (a supervisor per instance) behind the
// service's proxy. A new version replaces instances in batches of maxSurge/maxUnavailable, and the
// proxy's table changes before any old instance stops; recreate stops every old instance, then
// starts the new ones. There is no second slot, so reverting means deploying the previous version.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type RecreateStrategy,
  type RecreateStrategyInput,
  type RollingStrategy,
  type RollingStrategyInput,
  rollingTraffic,
  scalePercentOrCount,
  serviceArgNames,
  type TrafficArgs,
  type TrafficState,
  validateService,
} from "../core";
import { LOCAL_WORKLOAD_ARG_NAMES, type LocalWorkloadArgs } from "./args";
import { RollingSet } from "./providers/resources";
import type { RolloutSpec } from "./providers/types";
import { unitsTable } from "./providers/units";
import { createProxy, ProxiedService } from "./service";
import { checkLocalWorkload, resolveWorkload, serviceKey } from "./workload";

/** The traffic state of a rolling service: only the version matters; a candidate weight must be 0. */
export type RollingTraffic = Pick<TrafficState, "stableVersion"> & Partial<TrafficState>;

/** Arguments of {@link RollingService}. */
export interface RollingServiceArgs extends LocalWorkloadArgs, TrafficArgs<RollingTraffic> {
  /** Rolling update parameters, or recreate. @default Strategy.rolling() */
  readonly strategy?: RollingStrategyInput | RecreateStrategyInput;
}

/** Every argument name of {@link RollingServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(LOCAL_WORKLOAD_ARG_NAMES) satisfies ArgNames<RollingServiceArgs>;

/** How the rolling set replaces instances, in instance counts and milliseconds. */
export function rolloutSpec(strategy: RollingStrategy | RecreateStrategy, replicas: number): RolloutSpec {
  if (strategy.kind === "recreate") {
    return { kind: "recreate", maxSurge: 0, maxUnavailable: replicas, readinessDelayMs: 0 };
  }
  return {
    kind: "rolling",
    maxSurge: scalePercentOrCount(strategy.maxSurge, replicas, true),
    maxUnavailable: scalePercentOrCount(strategy.maxUnavailable, replicas, false),
    readinessDelayMs: Math.round(strategy.readinessDelaySeconds * 1000),
  };
}

/** A rolling (or recreate) release of one service on this machine. */
export class RollingService extends ProxiedService {
  /** Always 0. */
  readonly candidateWeight: pulumi.Output<number>;
  /** Always 0 once an update finished (the proxy reports one version). */
  readonly effectiveWeight: pulumi.Output<number>;
  readonly replicas: pulumi.Output<number>;
  /** The resolved strategy for the release driver. */
  readonly strategy: pulumi.Output<RollingStrategy | RecreateStrategy>;

  constructor(name: string, args: RollingServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateService("RollingService", name, args, {
      names: ARG_NAMES,
      key: serviceKey(name, args),
      check: (r, problems) => checkLocalWorkload(name, args, r, problems),
      input: { traffic: rollingTraffic(args.traffic) },
    });
    super("progressive:local:RollingService", name, release, opts);

    const strategy = release.strategy as RollingStrategy | RecreateStrategy;
    const w = resolveWorkload(name, args, release);
    const set = new RollingSet(
      `${name}-set`,
      {
        ...w.template(release.traffic.stableVersion),
        replicas: release.replicas,
        rollout: rolloutSpec(strategy, release.replicas),
      },
      { parent: this },
    );
    const routes = set.units.apply((units) => unitsTable(units));
    const proxy = createProxy(this, name, w, routes, {
      ...(args.port !== undefined ? { port: args.port } : {}),
    });

    this.candidateWeight = pulumi.output(0);
    this.effectiveWeight = proxy.weights.apply(
      (weights) => 100 - (weights[release.traffic.stableVersion] ?? 0),
    );
    this.replicas = pulumi.output(release.replicas);
    this.strategy = pulumi.output(strategy);
    const app = pulumi.all([set.version, set.units, set.logDir]).apply(([version, units, logDir]) => ({
      version,
      supervisorPids: units.map((u) => u.supervisorPid),
      instances: units.map(({ pid, port, status, restarts }) => ({ pid, port, status, restarts })),
      logDir,
    }));
    this.registerProxied(w, proxy, {
      // A rolling service has no preview.
      previewEndpoint: pulumi.output(undefined),
      // The rolling set changes the table during a roll, the proxy applies it.
      trafficResources: [set, proxy],
      slots: { app },
      replicas: this.replicas,
    });
  }
}
