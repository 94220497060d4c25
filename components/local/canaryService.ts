// CanaryService on the local platform: a stable instance set kept at full size, a candidate set,
// and the service's proxy splitting between them at exactly the weight of the traffic state
// (integer weights, smooth weighted round-robin), with a header route for testers. The release
// driver changes the weight between steps; each change is one in-place update of the proxy.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  type CanaryStrategyInput,
  type ReplicaCounts,
  serviceArgNames,
  type TrafficArgs,
  validateService,
  weightedReplicaCounts,
} from "../core";
import { LOCAL_WORKLOAD_ARG_NAMES, type LocalWorkloadArgs } from "./args";
import { canaryTable, candidateShare } from "./routes";
import { createProxy, instanceSet, ProxiedService, slotProcesses, slotRoute } from "./service";
import { checkLocalWorkload, resolveWorkload, serviceKey } from "./workload";

/** Arguments of {@link CanaryService}. */
export interface CanaryServiceArgs extends LocalWorkloadArgs, TrafficArgs {
  /** Steps, checks and header routing. @default Strategy.canary() */
  readonly strategy?: CanaryStrategyInput;
}

/** Every argument name of {@link CanaryServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(LOCAL_WORKLOAD_ARG_NAMES) satisfies ArgNames<CanaryServiceArgs>;

/** A canary release of one service on this machine. */
export class CanaryService extends ProxiedService {
  /** Weight asked for in the traffic state. */
  readonly candidateWeight: pulumi.Output<number>;
  /** Weight the proxy reports after the update (read back, not assumed). */
  readonly effectiveWeight: pulumi.Output<number>;
  /** Instances of each slot. */
  readonly replicas: pulumi.Output<ReplicaCounts>;
  /** The resolved strategy (steps, checks) for the release driver. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: CanaryServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateService("CanaryService", name, args, {
      names: ARG_NAMES,
      key: serviceKey(name, args),
      check: (r, problems) => checkLocalWorkload(name, args, r, problems),
    });
    super("progressive:local:CanaryService", name, release, opts);

    const strategy = release.strategy as CanaryStrategy;
    const traffic = release.traffic;
    const { stableVersion, candidateVersion, candidateWeight } = traffic;
    const counts = weightedReplicaCounts(release.replicas, candidateWeight, candidateVersion !== undefined);
    const w = resolveWorkload(name, args, release);

    const stable = instanceSet(this, name, w, "stable", stableVersion, counts.stable);
    // Stable is replaced (and ready) before the candidate changes, as on Kubernetes.
    const canary =
      candidateVersion === undefined
        ? undefined
        : instanceSet(this, name, w, "canary", candidateVersion, counts.canary, { dependsOn: [stable] });
    const routes = pulumi
      .all([slotRoute(stable), canary ? slotRoute(canary) : undefined])
      .apply(([s, c]) => canaryTable(s, c, candidateWeight, c ? strategy.headerRoute : undefined));
    const proxy = createProxy(this, name, w, routes, {
      ...(args.port !== undefined ? { port: args.port } : {}),
    });

    this.candidateWeight = pulumi.output(candidateWeight);
    this.effectiveWeight = proxy.weights.apply((weights) => candidateShare(weights, traffic));
    this.replicas = pulumi.output(counts);
    this.strategy = pulumi.output(strategy);
    this.registerProxied(w, proxy, {
      // A canary has no preview port: testers use the header route.
      previewEndpoint: pulumi.output(undefined),
      trafficResources: [proxy],
      slots: { stable: slotProcesses(stable), ...(canary ? { canary: slotProcesses(canary) } : {}) },
      replicas: this.replicas,
    });
  }
}
