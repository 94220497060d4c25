// BlueGreenService on ECS Fargate: two ECS services (blue, green), a target group each, the
// production listener (or rule) forwarding all traffic to the active colour, and a test listener
// (or a rule with `X-Preview: true` on a shared listener) forwarding to the idle one as the
// preview. Switching is a change of `activeColor` in the traffic state; the old colour stays at
// full size until the driver lowers `idleReplicas` after the scale-down delay, so rolling back is
// the same switch again. Both target groups stay listed in each forward, the other at weight 0.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type BlueGreenStrategy,
  type BlueGreenStrategyInput,
  blueGreenReplicaCounts,
  type Color,
  colorVersions,
  ProgressiveComponent,
  problem,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../core";
import { ECS_SERVICE_ARG_NAMES, type EcsServiceArgs } from "./args";
import { ecsNativeBlueGreen } from "./ecsNative";
import { checkController, ECS_NATIVE_ARG_NAMES, type EcsController, type EcsNativeArgs } from "./ecsStrategy";
import { createAutoscaler, createEcsService, createTargetGroup, ecsContext } from "./resources";
import { createRouting } from "./routing";
import { checkEcsService, resolveDurations } from "./validate";

const TYPE = "progressive:aws:BlueGreenService";
const COLORS: readonly Color[] = ["blue", "green"];

/** Arguments of {@link BlueGreenService}. */
export interface BlueGreenServiceArgs extends EcsServiceArgs, EcsNativeArgs, TrafficArgs {
  /** Preview, auto-promotion, scale-down delay and checks. @default Strategy.blueGreen() */
  readonly strategy?: BlueGreenStrategyInput;
  /**
   * Tasks of the idle colour; the driver sets 0 (in the traffic entry) once the scale-down delay
   * has passed.
   * @default the traffic state's idleReplicas, else replicas while the idle colour holds a candidate, else 0
   */
  readonly idleReplicas?: number;
  /** Who switches: the release driver, or ECS's own BLUE_GREEN deployment. @default "driver" */
  readonly controller?: EcsController;
}

/** Every argument name of {@link BlueGreenServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...serviceArgNames(ECS_SERVICE_ARG_NAMES),
  ...ECS_NATIVE_ARG_NAMES,
  idleReplicas: true,
  controller: true,
} as const satisfies ArgNames<BlueGreenServiceArgs>;

/** A blue-green release of one service on ECS Fargate behind an ALB. */
export class BlueGreenService extends ProgressiveComponent {
  readonly activeColor: pulumi.Output<Color>;
  readonly idleColor: pulumi.Output<Color>;
  /** ECS service name of each colour. */
  readonly serviceNames: pulumi.Output<Record<Color, string>>;
  /** Tasks of each colour. */
  readonly replicas: pulumi.Output<Record<Color, number>>;
  /** The resolved strategy (checks, delays) for the release driver. */
  readonly strategy: pulumi.Output<BlueGreenStrategy>;

  constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    let idleReplicas: number | undefined;
    let durations: ReturnType<typeof resolveDurations> = { deregistrationDelaySeconds: 30 };
    const release = validateService("BlueGreenService", name, args, {
      names: ARG_NAMES,
      key: { platform: "aws", scope: args.cluster, name: args.serviceName ?? name },
      check: (r, problems) => {
        const strategy = r.strategy as BlueGreenStrategy;
        checkEcsService(args, r, strategy.previewService && args.listener !== undefined, problems);
        checkController(args.controller, strategy, args, r.traffic?.candidateWeight, problems);
        durations = resolveDurations(args, problems);
        idleReplicas = args.idleReplicas ?? r.traffic?.idleReplicas;
        if (idleReplicas !== undefined && !(Number.isInteger(idleReplicas) && idleReplicas >= 0)) {
          const state = r.trafficSource === "config" ? `progressive:traffic.${name}` : "traffic";
          const path = args.idleReplicas === undefined ? `${state}.idleReplicas` : "idleReplicas";
          problems.push(
            problem(
              path,
              idleReplicas,
              "must be a whole number of at least 0",
              "use 0 to scale the idle colour down",
            ),
          );
        }
      },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as BlueGreenStrategy;
    const versions = colorVersions(release.traffic);
    const lbPort = args.loadBalancer?.port ?? 80;
    const ports = strategy.previewService ? [lbPort, args.loadBalancer?.previewPort ?? 8080] : [lbPort];
    const ctx = ecsContext(this, name, args, release, "blueGreen", ports);
    this.activeColor = pulumi.output(versions.active);
    this.idleColor = pulumi.output(versions.idle);
    this.strategy = pulumi.output(strategy);
    if (args.controller === "ecs") {
      const native = ecsNativeBlueGreen(ctx, strategy, durations);
      this.serviceNames = native.service.name.apply((n) => ({ blue: n, green: n }));
      this.replicas = pulumi.output({ blue: release.replicas, green: 0 });
      this.registerRelease(native.release);
      return;
    }

    const counts = blueGreenReplicaCounts(
      release.replicas,
      release.traffic.candidateVersion !== undefined,
      idleReplicas,
    );
    const replicas = { [versions.active]: counts.active, [versions.idle]: counts.idle } as Record<
      Color,
      number
    >;
    const groups = Object.fromEntries(
      COLORS.map((c) => [c, createTargetGroup(ctx, c, durations.deregistrationDelaySeconds)]),
    ) as Record<Color, ReturnType<typeof createTargetGroup>>;
    const slots = (serving: Color) =>
      COLORS.map((c) => ({ slot: c, targetGroup: groups[c], weight: c === serving ? 100 : 0 }));
    const routing = createRouting(ctx, {
      production: slots(versions.active),
      ...(strategy.previewService ? { preview: slots(versions.idle) } : {}),
      ...(durations.stickinessSeconds !== undefined
        ? { stickinessSeconds: durations.stickinessSeconds }
        : {}),
    });
    const services = Object.fromEntries(
      COLORS.map((c) => [
        c,
        createEcsService(ctx, {
          role: c,
          serviceName: `${ctx.baseName}-${c}`,
          version: versions[c],
          targetGroup: groups[c],
          desiredCount: replicas[c],
          autoscaled: args.autoscaling !== undefined && c === versions.active,
          dependsOn: routing.resources,
        }),
      ]),
    ) as Record<Color, ReturnType<typeof createEcsService>>;
    createAutoscaler(ctx, services[versions.active]);

    this.serviceNames = pulumi
      .all([services.blue.name, services.green.name])
      .apply(([blue, green]) => ({ blue, green }));
    this.replicas = pulumi.output(replicas);
    this.registerRelease({
      service: ctx.baseName,
      endpoint: routing.endpoint,
      previewEndpoint: routing.previewEndpoint ?? pulumi.output(undefined),
      router: routing.router,
      metrics: routing.metrics,
      trafficResources: [routing.weights],
      overrides: {
        traffic: {
          ...release.traffic,
          activeColor: versions.active,
          ...(idleReplicas !== undefined ? { idleReplicas } : {}),
        },
      },
      outputs: { serviceNames: this.serviceNames, idleColor: this.idleColor, replicas: this.replicas },
    });
  }
}
