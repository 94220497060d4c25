// BlueGreenService: two Deployments (blue, green); the active Service selects the active colour,
// the preview Service the idle one. Switching is a change of `activeColor` in the traffic state
// (plus the versions, see core switchColors); the old colour stays at full size until the driver
// lowers `idleReplicas` after the scale-down delay, so rolling back is the same switch again.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type BlueGreenStrategy,
  type BlueGreenStrategyInput,
  blueGreenReplicaCounts,
  type Color,
  colorVersions,
  dnsLabel,
  type Problem,
  ProgressiveComponent,
  problem,
  type Release,
  type RouterDescriptor,
  roleName,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../core";
import { WORKLOAD_ARG_NAMES, type WorkloadArgs } from "./args";
import { DRIVER_WRITES, LABEL_COLOR } from "./pods";
import {
  createAutoscaler,
  createDeployment,
  createDisruptionBudget,
  createService,
  namespaceOf,
  serviceEndpoint,
  workloadContext,
} from "./resources";
import { checkWorkload } from "./validate";

const TYPE = "progressive:kubernetes:BlueGreenService";

/** Arguments of {@link BlueGreenService}. */
export interface BlueGreenServiceArgs extends WorkloadArgs, TrafficArgs {
  /** Preview, auto-promotion, scale-down delay and checks. @default Strategy.blueGreen() */
  readonly strategy?: BlueGreenStrategyInput;
  /**
   * Instances of the idle colour; the driver sets 0 (in the traffic entry) once the scale-down
   * delay has passed.
   * @default the traffic state's idleReplicas, else replicas while the idle colour holds a candidate, else 0
   */
  readonly idleReplicas?: number;
}

/** Every argument name of {@link BlueGreenServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...serviceArgNames(WORKLOAD_ARG_NAMES),
  idleReplicas: true,
} as const satisfies ArgNames<BlueGreenServiceArgs>;

/** Instances of the idle colour: the arg, else the traffic state's; pushes a problem unless a count. */
function resolveIdleReplicas(
  name: string,
  args: BlueGreenServiceArgs,
  release: Release,
  problems: Problem[],
): number | undefined {
  const idle = args.idleReplicas ?? release.traffic?.idleReplicas;
  if (idle === undefined || (Number.isInteger(idle) && idle >= 0)) return idle;
  const state = release.trafficSource === "config" ? `progressive:traffic.${name}` : "traffic";
  const path = args.idleReplicas === undefined ? `${state}.idleReplicas` : "idleReplicas";
  problems.push(
    problem(path, idle, "must be a whole number of at least 0", "use 0 to scale the idle colour down"),
  );
  return idle;
}

/** A blue-green release of one service on Kubernetes. */
export class BlueGreenService extends ProgressiveComponent {
  /** Service that serves traffic (selects the active colour). */
  readonly serviceName: pulumi.Output<string>;
  /** Service of the idle colour, when the preview is on. */
  readonly previewServiceName: pulumi.Output<string | undefined>;
  readonly activeColor: pulumi.Output<Color>;
  readonly idleColor: pulumi.Output<Color>;
  /** Instances of each colour. */
  readonly replicas: pulumi.Output<Record<Color, number>>;
  /** The resolved strategy (checks, delays) for the release driver. */
  readonly strategy: pulumi.Output<BlueGreenStrategy>;

  constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    let idleReplicas: number | undefined;
    const release = validateService("BlueGreenService", name, args, {
      names: ARG_NAMES,
      key: { platform: "kubernetes", scope: args.namespace, name: dnsLabel(name) },
      check: (r, problems) => {
        checkWorkload(args, r, problems);
        idleReplicas = resolveIdleReplicas(name, args, r, problems);
      },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as BlueGreenStrategy;
    const versions = colorVersions(release.traffic);
    const counts = blueGreenReplicaCounts(
      release.replicas,
      release.traffic.candidateVersion !== undefined,
      idleReplicas,
    );
    const ctx = workloadContext(this, name, args, release);
    const colorSelector = (color: Color) => ({ ...ctx.appSelector, [LABEL_COLOR]: color });
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
      annotations: DRIVER_WRITES,
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
    this.previewServiceName = preview ? preview.metadata.name : pulumi.output(undefined);
    this.activeColor = pulumi.output(versions.active);
    this.idleColor = pulumi.output(versions.idle);
    this.replicas = pulumi.output(replicas);
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: ctx.baseName,
      endpoint: serviceEndpoint(service, ctx.servicePort),
      previewEndpoint: preview ? serviceEndpoint(preview, ctx.servicePort) : pulumi.output(undefined),
      router: pulumi.all([service.metadata.namespace, service.metadata.name]).apply(
        ([namespace, serviceName]): RouterDescriptor => ({
          kind: "kubernetes-service-selector",
          namespace: namespaceOf(namespace),
          service: serviceName,
          colorLabel: LABEL_COLOR,
        }),
      ),
      metrics: { kind: "none" },
      trafficResources: [service, ...(preview ? [preview] : [])],
      overrides: {
        traffic: {
          ...release.traffic,
          activeColor: versions.active,
          ...(idleReplicas !== undefined ? { idleReplicas } : {}),
        },
      },
      outputs: {
        serviceName: this.serviceName,
        previewServiceName: this.previewServiceName,
        idleColor: this.idleColor,
        replicas: this.replicas,
      },
    });
  }
}
