// BlueGreenService: two Deployments (blue, green); the active Service selects the active colour,
// the preview Service the idle one. Switching is a change of `traffic.activeColor` (plus the
// versions, see core switchColors); the old colour stays at full size until the driver lowers
// `idleReplicas` after the scale-down delay, so rolling back is the same switch again.

import * as pulumi from "@pulumi/pulumi";
import {
  type BlueGreenStrategy,
  type BlueGreenStrategyInput,
  blueGreenReplicaCounts,
  type Color,
  colorVersions,
  dnsLabel,
  problem,
  roleName,
  Strategy,
  type TrafficState,
  validateRelease,
} from "../core";
import type { WorkloadArgs } from "./args";
import {
  createAutoscaler,
  createDeployment,
  createDisruptionBudget,
  createService,
  serviceEndpoint,
  workloadContext,
} from "./resources";
import { checkWorkload } from "./validate";

/** Arguments of {@link BlueGreenService}. */
export interface BlueGreenServiceArgs extends WorkloadArgs {
  /** Active colour and the version of each side: active runs stableVersion, idle runs candidateVersion. */
  readonly traffic: TrafficState;
  /** Preview, auto-promotion, scale-down delay and checks. @default Strategy.blueGreen() */
  readonly strategy?: BlueGreenStrategyInput;
  /** Instances of the idle colour; the driver sets 0 once the scale-down delay has passed. @default replicas while the idle colour holds a candidate, else 0 */
  readonly idleReplicas?: number;
}

/** A blue-green release of one service on Kubernetes. */
export class BlueGreenService extends pulumi.ComponentResource {
  /** Service that serves traffic (selects the active colour). */
  readonly serviceName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  /** Service of the idle colour, when the preview is on. */
  readonly previewServiceName: pulumi.Output<string | undefined>;
  readonly previewEndpoint: pulumi.Output<string | undefined>;
  readonly activeColor: pulumi.Output<Color>;
  readonly idleColor: pulumi.Output<Color>;
  readonly stableVersion: pulumi.Output<string>;
  readonly candidateVersion: pulumi.Output<string | undefined>;
  /** Instances of each colour. */
  readonly replicas: pulumi.Output<Record<Color, number>>;
  /** The resolved strategy (checks, delays) for the release driver. */
  readonly strategy: pulumi.Output<BlueGreenStrategy>;
  /** URNs of the objects that hold the switch (the Services); the driver targets them first when it reverts. */
  readonly trafficUrns: pulumi.Output<string[]>;

  constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateRelease(
      `BlueGreenService "${name}"`,
      {
        strategy: args.strategy ?? Strategy.blueGreen(),
        kinds: ["blueGreen"],
        traffic: args.traffic,
        health: args.health,
        replicas: args.replicas,
      },
      { platform: "kubernetes", scope: args.namespace, name: dnsLabel(name) },
      (r, problems) => {
        checkWorkload(args, r, problems);
        const idle = args.idleReplicas;
        if (idle !== undefined && !(Number.isInteger(idle) && idle >= 0)) {
          problems.push(
            problem(
              "idleReplicas",
              idle,
              "must be a whole number of at least 0",
              "use 0 to scale the idle colour down",
            ),
          );
        }
      },
    );
    super("progressive:kubernetes:BlueGreenService", name, {}, opts);

    const strategy = release.strategy as BlueGreenStrategy;
    const versions = colorVersions(release.traffic);
    const counts = blueGreenReplicaCounts(
      release.replicas,
      release.traffic.candidateVersion !== undefined,
      args.idleReplicas,
    );
    const ctx = workloadContext(this, name, args, release);
    const colorSelector = (color: Color) => ({ ...ctx.appSelector, color });
    const replicas = { [versions.active]: counts.active, [versions.idle]: counts.idle } as Record<
      Color,
      number
    >;

    const deployments = Object.fromEntries(
      (["blue", "green"] as const).map((color) => [
        color,
        createDeployment(ctx, {
          role: color,
          objectName: roleName(name, color),
          selector: colorSelector(color),
          version: versions[color],
          replicas: replicas[color],
        }),
      ]),
    ) as Record<Color, ReturnType<typeof createDeployment>>;
    // Selectors change only after the colour they point at has been updated and is ready.
    const dependsOn = [deployments.blue, deployments.green];
    const service = createService(ctx, {
      role: "service",
      objectName: ctx.baseName,
      selector: colorSelector(versions.active),
      ...(args.serviceType !== undefined ? { type: args.serviceType } : {}),
      opts: { dependsOn },
    });
    const previewSelector = colorSelector(versions.idle);
    const preview = strategy.previewService
      ? createService(ctx, {
          role: "preview",
          objectName: roleName(name, "preview"),
          selector: previewSelector,
          opts: { dependsOn },
        })
      : undefined;
    createDisruptionBudget(ctx);
    createAutoscaler(ctx, deployments[versions.active]);

    this.serviceName = service.metadata.name;
    this.endpoint = serviceEndpoint(service, ctx.servicePort);
    this.previewServiceName = preview ? preview.metadata.name : pulumi.output(undefined);
    this.previewEndpoint = preview ? serviceEndpoint(preview, ctx.servicePort) : pulumi.output(undefined);
    this.activeColor = pulumi.output(versions.active);
    this.idleColor = pulumi.output(versions.idle);
    this.stableVersion = pulumi.output(release.traffic.stableVersion);
    this.candidateVersion = pulumi.output(release.traffic.candidateVersion);
    this.replicas = pulumi.output(replicas);
    this.strategy = pulumi.output(strategy);
    this.trafficUrns = pulumi.all([service, ...(preview ? [preview] : [])].map((r) => r.urn));
    this.registerOutputs({
      serviceName: this.serviceName,
      endpoint: this.endpoint,
      previewServiceName: this.previewServiceName,
      previewEndpoint: this.previewEndpoint,
      activeColor: this.activeColor,
      idleColor: this.idleColor,
      stableVersion: this.stableVersion,
      candidateVersion: this.candidateVersion,
      replicas: this.replicas,
      strategy: this.strategy,
      trafficUrns: this.trafficUrns,
    });
  }
}
