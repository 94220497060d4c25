// BlueGreenService on Container Instances: a container group per colour behind a traffic layer;
// the active colour's endpoint (or origin) is enabled, the idle one's disabled. The idle group
// exists while it runs a candidate (or the previous version after a switch); a switch changes the
// layer only, so no group is touched. With Traffic Manager a switch is eventual (clients keep
// cached answers for the TTL and often longer): keep scaleDownDelay above TTL plus the longest
// connection, as the default here does.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type BlueGreenStrategy,
  type BlueGreenStrategyInput,
  type Color,
  colorVersions,
  dnsLabel,
  ProgressiveComponent,
  Strategy,
  serviceArgNames,
  type TrafficArgs,
  type TrafficState,
  validateService,
} from "../../core";
import { CONTAINER_INSTANCES_ARG_NAMES, type ContainerInstancesArgs, DEFAULT_TTL_SECONDS } from "./args";
import { checkContainerInstancesArgs, createGroup, slotsFor } from "./groups";
import { buildLayer } from "./trafficLayer";

const TYPE = "progressive:azure:ContainerInstancesBlueGreenService";

/** Arguments of {@link BlueGreenService} on Container Instances. */
export interface BlueGreenServiceArgs extends ContainerInstancesArgs, TrafficArgs {
  /**
   * Preview, auto-promotion, scale-down delay and checks.
   * @default Strategy.blueGreen({ scaleDownDelay: TTL + 300 s }) (Traffic Manager), Strategy.blueGreen() (Front Door)
   */
  readonly strategy?: BlueGreenStrategyInput;
}

/** The default scale-down delay: Traffic Manager TTL plus 5 minutes for cached answers and open connections. */
export function defaultScaleDownDelay(args: ContainerInstancesArgs): number | undefined {
  const layer = args.trafficLayer;
  if (layer && layer.kind !== "trafficManager") return undefined;
  return (layer?.ttlSeconds ?? DEFAULT_TTL_SECONDS) + 300;
}

/** Every argument name of {@link BlueGreenServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CONTAINER_INSTANCES_ARG_NAMES) satisfies ArgNames<BlueGreenServiceArgs>;

/** A blue-green release of one service on Azure Container Instances. */
export class BlueGreenService extends ProgressiveComponent {
  readonly activeColor: pulumi.Output<Color>;
  readonly idleColor: pulumi.Output<Color>;
  /** The resolved strategy for the release driver. */
  readonly strategy: pulumi.Output<BlueGreenStrategy>;

  constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const delay = defaultScaleDownDelay(args);
    const release = validateService("BlueGreenService", name, args, {
      names: ARG_NAMES,
      key: { platform: "azure-container-instances", scope: args.resourceGroupName, name: dnsLabel(name) },
      check: (r, problems) => checkContainerInstancesArgs(args, r, problems),
      input: {
        strategy: args.strategy ?? Strategy.blueGreen(delay === undefined ? {} : { scaleDownDelay: delay }),
        replicas: 1,
      },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as BlueGreenStrategy;
    const versions = colorVersions(release.traffic);
    const traffic: TrafficState = { ...release.traffic, activeColor: versions.active };
    const slots = slotsFor("blueGreen", traffic);
    const groups = slots.map((slot) => ({
      slot,
      group: createGroup(this, name, args, release, "blueGreen", slot),
    }));
    const layer = buildLayer(this, name, args, release, groups);
    const port = args.port ?? 8080;
    const idle = groups.find((g) => g.slot.slot === versions.idle);
    this.activeColor = pulumi.output(versions.active);
    this.idleColor = pulumi.output(versions.idle);
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: dnsLabel(name),
      endpoint: layer.endpoint,
      previewEndpoint:
        idle && strategy.previewService
          ? idle.group.ipAddress.apply((a) => `http://${a?.fqdn}:${port}`)
          : pulumi.output(undefined),
      router: layer.router,
      metrics: layer.metrics,
      trafficResources: layer.weighted,
      overrides: { traffic },
      outputs: { idleColor: this.idleColor },
    });
  }
}
