// BlueGreenService on Container Apps: one app in Multiple revision mode; each colour is a revision
// with a label (`blue`, `green`: the idle one's label URL is the preview). The active colour gets
// 100 % of ingress traffic, the idle one 0 %. Switching is a traffic change only; the template
// stays on the newest revision (see ledger.ts), so rolling back after a switch is the same switch.

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
  type TrafficState,
  validateService,
} from "../../core";
import { appNameOf, buildContainerApp, checkContainerAppsArgs } from "./app";
import { CONTAINER_APPS_ARG_NAMES, type ContainerAppsArgs } from "./args";

const TYPE = "progressive:azure:ContainerAppsBlueGreenService";

/** Arguments of {@link BlueGreenService} on Container Apps. */
export interface BlueGreenServiceArgs extends ContainerAppsArgs, TrafficArgs {
  /** Preview, auto-promotion, scale-down delay and checks. @default Strategy.blueGreen() */
  readonly strategy?: BlueGreenStrategyInput;
}

/** Every argument name of {@link BlueGreenServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CONTAINER_APPS_ARG_NAMES) satisfies ArgNames<BlueGreenServiceArgs>;

/** A blue-green release of one service on Azure Container Apps. */
export class BlueGreenService extends ProgressiveComponent {
  readonly appName: pulumi.Output<string>;
  readonly activeColor: pulumi.Output<Color>;
  readonly idleColor: pulumi.Output<Color>;
  /** Revision of each version of the traffic state. */
  readonly revisions: pulumi.Output<Record<string, string>>;
  /** The version the app's template runs (the newest revision). */
  readonly templateVersion: pulumi.Output<string>;
  /** The resolved strategy for the release driver. */
  readonly strategy: pulumi.Output<BlueGreenStrategy>;

  constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateService("BlueGreenService", name, args, {
      names: ARG_NAMES,
      key: { platform: "azure-container-apps", scope: args.resourceGroupName, name: appNameOf(name, args) },
      check: (r, problems) => checkContainerAppsArgs(name, args, r, problems),
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as BlueGreenStrategy;
    const versions = colorVersions(release.traffic);
    const traffic: TrafficState = { ...release.traffic, activeColor: versions.active };
    const built = buildContainerApp(this, name, args, release, "blueGreen", traffic);
    this.appName = pulumi.output(built.appName);
    this.activeColor = pulumi.output(versions.active);
    this.idleColor = pulumi.output(versions.idle);
    this.revisions = built.revisions;
    this.templateVersion = built.templateVersion;
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: built.appName,
      endpoint: built.endpoint,
      previewEndpoint: strategy.previewService ? built.previewEndpoint : pulumi.output(undefined),
      router: built.router,
      metrics: built.metrics,
      trafficResources: [built.app],
      overrides: { traffic },
      outputs: {
        appName: this.appName,
        revisions: this.revisions,
        retiredRevisions: built.retiredRevisions,
        templateVersion: this.templateVersion,
        idleColor: this.idleColor,
      },
    });
  }
}
