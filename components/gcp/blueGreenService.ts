// BlueGreenService on Cloud Run: each colour is a revision with its own traffic tag (`blue`,
// `green`); the active colour's tag gets 100 % and the idle colour's tag URL is the preview. A
// switch, and a switch back, is a traffic-only update: the template keeps the newest revision,
// because the revision ledger shows that the other colour's revision already exists. "Scaling
// down" the idle colour is Cloud Run's own: a revision without traffic scales to zero.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type BlueGreenStrategy,
  type BlueGreenStrategyInput,
  type Color,
  colorVersions,
  ProgressiveComponent,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../core";
import { CLOUD_RUN_ARG_NAMES, type CloudRunArgs } from "./args";
import { blueGreenTargets, COLOR_TAGS } from "./revisions";
import { deployCloudRun, descriptors } from "./service";
import { checkCloudRun, serviceNameOf } from "./validate";

const TYPE = "progressive:gcp:BlueGreenService";

/** Arguments of {@link BlueGreenService}. */
export interface BlueGreenServiceArgs extends CloudRunArgs, TrafficArgs {
  /** Preview, auto-promotion, scale-down delay and checks. @default Strategy.blueGreen() */
  readonly strategy?: BlueGreenStrategyInput;
}

/** Every argument name of {@link BlueGreenServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CLOUD_RUN_ARG_NAMES) satisfies ArgNames<BlueGreenServiceArgs>;

/** A blue-green release of one service on Cloud Run. */
export class BlueGreenService extends ProgressiveComponent {
  /** Name of the Cloud Run service. */
  readonly serviceName: pulumi.Output<string>;
  readonly activeColor: pulumi.Output<Color>;
  readonly idleColor: pulumi.Output<Color>;
  /** Revision of each colour. */
  readonly colorRevisions: pulumi.Output<Record<Color, string>>;
  /** The revision the service's template holds (the newest one built). */
  readonly templateRevision: pulumi.Output<string>;
  /** Email of the service account revisions run as. */
  readonly serviceAccount: pulumi.Output<string>;
  /** The resolved strategy (checks, delays) for the release driver. */
  readonly strategy: pulumi.Output<BlueGreenStrategy>;

  constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const serviceName = serviceNameOf(name, args.serviceName, COLOR_TAGS);
    const release = validateService("BlueGreenService", name, args, {
      names: ARG_NAMES,
      key: { platform: "gcp", scope: `${args.project ?? ""}/${args.location}`, name: serviceName },
      check: (r, problems) => checkCloudRun(args, serviceName, COLOR_TAGS, r, problems),
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as BlueGreenStrategy;
    const colors = colorVersions(release.traffic);
    const traffic = { ...release.traffic, activeColor: colors.active };
    const deployment = deployCloudRun(this, args, {
      name,
      serviceName,
      health: release.health,
      live: [...new Set([colors.blue, colors.green])],
      proposed: traffic.candidateVersion ?? traffic.stableVersion,
      traffic: (plan) => blueGreenTargets(colors, plan.revisions),
    });
    const { router, metrics } = descriptors(deployment, args.location, serviceName);

    this.serviceName = pulumi.output(serviceName);
    this.activeColor = pulumi.output(colors.active);
    this.idleColor = pulumi.output(colors.idle);
    this.colorRevisions = deployment.plan.apply((p) => ({
      blue: p.revisions[colors.blue] as string,
      green: p.revisions[colors.green] as string,
    }));
    this.templateRevision = deployment.plan.apply((p) => p.templateRevision);
    this.serviceAccount = deployment.serviceAccount;
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: serviceName,
      endpoint: deployment.endpoint,
      previewEndpoint: strategy.previewService ? deployment.tagUrl(colors.idle) : pulumi.output(undefined),
      router,
      metrics,
      trafficResources: [deployment.service],
      overrides: { traffic },
      outputs: {
        serviceName: this.serviceName,
        idleColor: this.idleColor,
        colorRevisions: this.colorRevisions,
        templateRevision: this.templateRevision,
        serviceAccount: this.serviceAccount,
      },
    });
  }
}
