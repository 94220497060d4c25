// BlueGreenService on the local platform: a blue and a green instance set and the service's proxy.
// The active colour gets all traffic; the preview port routes to the idle colour. Switching is a
// change of `traffic.activeColor` (see core switchColors): both colours keep running, so the
// switch is one in-place update of the proxy, and rolling back is the same switch again. The old
// colour stops only when the driver lowers `idleReplicas` after the scale-down delay.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type BlueGreenStrategy,
  type BlueGreenStrategyInput,
  blueGreenReplicaCounts,
  type Color,
  colorVersions,
  problem,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../core";
import { LOCAL_WORKLOAD_ARG_NAMES, type LocalWorkloadArgs } from "./args";
import type { InstanceSet } from "./providers/resources";
import { blueGreenTable, candidateShare } from "./routes";
import {
  createProxy,
  instanceSet,
  ProxiedService,
  previewEndpoint,
  slotProcesses,
  slotRoute,
} from "./service";
import { checkLocalWorkload, resolveWorkload, serviceKey } from "./workload";

/** Arguments of {@link BlueGreenService}. */
export interface BlueGreenServiceArgs extends LocalWorkloadArgs, TrafficArgs {
  /** Preview, auto-promotion, scale-down delay and checks. @default Strategy.blueGreen() */
  readonly strategy?: BlueGreenStrategyInput;
  /** Instances of the idle colour; the driver sets 0 (in the traffic entry) once the scale-down delay has passed. @default the traffic entry's idleReplicas, else replicas while the idle colour holds a candidate, else 0 */
  readonly idleReplicas?: number;
  /** Port of the preview (the idle colour) when strategy.previewService is on. @default a free port chosen at create and kept */
  readonly previewPort?: number;
}

/** Every argument name of {@link BlueGreenServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...serviceArgNames(LOCAL_WORKLOAD_ARG_NAMES),
  idleReplicas: true,
  previewPort: true,
} as const satisfies ArgNames<BlueGreenServiceArgs>;

/** A blue-green release of one service on this machine. */
export class BlueGreenService extends ProxiedService {
  readonly activeColor: pulumi.Output<Color>;
  readonly idleColor: pulumi.Output<Color>;
  /** Always 0: blue-green switches colours instead of splitting. */
  readonly candidateWeight: pulumi.Output<number>;
  /** The idle colour's share as the proxy reports it (0 unless something is wrong). */
  readonly effectiveWeight: pulumi.Output<number>;
  /** Instances of each colour. */
  readonly replicas: pulumi.Output<Record<Color, number>>;
  /** The resolved strategy (checks, delays) for the release driver. */
  readonly strategy: pulumi.Output<BlueGreenStrategy>;

  constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateService("BlueGreenService", name, args, {
      names: ARG_NAMES,
      key: serviceKey(name, args),
      check: (r, problems) => {
        checkLocalWorkload(name, args, r, problems, args.previewPort);
        const idle = args.idleReplicas ?? r.traffic?.idleReplicas;
        if (idle !== undefined && !(Number.isInteger(idle) && idle >= 0 && idle <= 64)) {
          problems.push(
            problem(
              "idleReplicas",
              idle,
              "must be a whole number from 0 to 64",
              "use 0 to stop the idle colour",
            ),
          );
        }
      },
    });
    super("progressive:local:BlueGreenService", name, release, opts);

    const strategy = release.strategy as BlueGreenStrategy;
    const traffic = release.traffic;
    const versions = colorVersions(traffic);
    const counts = blueGreenReplicaCounts(
      release.replicas,
      traffic.candidateVersion !== undefined,
      args.idleReplicas ?? traffic.idleReplicas,
    );
    const replicas = { [versions.active]: counts.active, [versions.idle]: counts.idle } as Record<
      Color,
      number
    >;
    const w = resolveWorkload(name, args, release);

    const sets: Partial<Record<Color, InstanceSet>> = {};
    for (const color of ["blue", "green"] as const) {
      if (replicas[color] > 0)
        sets[color] = instanceSet(this, name, w, color, versions[color], replicas[color]);
    }
    const active = sets[versions.active] as InstanceSet;
    const idle = sets[versions.idle];
    const routes = pulumi
      .all([slotRoute(active), idle ? slotRoute(idle) : undefined])
      .apply(([a, i]) => blueGreenTable(a, i, strategy.previewService));
    const proxy = createProxy(this, name, w, routes, {
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(strategy.previewService ? { previewPort: args.previewPort ?? 0 } : {}),
    });

    this.activeColor = pulumi.output(versions.active);
    this.idleColor = pulumi.output(versions.idle);
    this.candidateWeight = pulumi.output(0);
    this.effectiveWeight = proxy.weights.apply((weights) =>
      traffic.candidateVersion === traffic.stableVersion ? 0 : candidateShare(weights, traffic),
    );
    this.replicas = pulumi.output(replicas);
    this.strategy = pulumi.output(strategy);
    this.registerProxied(w, proxy, {
      previewEndpoint: previewEndpoint(proxy),
      trafficResources: [proxy],
      slots: Object.fromEntries(Object.entries(sets).map(([color, set]) => [color, slotProcesses(set)])),
      replicas: this.replicas,
    });
  }
}
