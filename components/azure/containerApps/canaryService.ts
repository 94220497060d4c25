// CanaryService on Container Apps: one app in Multiple revision mode. The candidate is a new
// revision (suffix from its version and a hash of its template) beside the stable one, which keeps
// its replicas; ingress traffic splits between the two by the traffic state's weight, and the
// candidate carries the `canary` label (its preview URL). Abort and revert change traffic only:
// the template stays on the newest revision (see ledger.ts).

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  type CanaryStrategyInput,
  ProgressiveComponent,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../../core";
import { appNameOf, buildContainerApp, checkContainerAppsArgs } from "./app";
import { CONTAINER_APPS_ARG_NAMES, type ContainerAppsArgs } from "./args";

const TYPE = "progressive:azure:ContainerAppsCanaryService";

/** Arguments of {@link CanaryService} on Container Apps. */
export interface CanaryServiceArgs extends ContainerAppsArgs, TrafficArgs {
  /** Steps, checks and header routing. @default Strategy.canary() */
  readonly strategy?: CanaryStrategyInput;
}

/** Every argument name of {@link CanaryServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CONTAINER_APPS_ARG_NAMES) satisfies ArgNames<CanaryServiceArgs>;

/** A canary release of one service on Azure Container Apps. */
export class CanaryService extends ProgressiveComponent {
  /** Name of the Container App. */
  readonly appName: pulumi.Output<string>;
  /** Revision of each version of the traffic state. */
  readonly revisions: pulumi.Output<Record<string, string>>;
  /** The version the app's template runs (the newest revision). */
  readonly templateVersion: pulumi.Output<string>;
  readonly candidateWeight: pulumi.Output<number>;
  /** The resolved strategy (steps, checks) for the release driver. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: CanaryServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateService("CanaryService", name, args, {
      names: ARG_NAMES,
      key: { platform: "azure-container-apps", scope: args.resourceGroupName, name: appNameOf(name, args) },
      check: (r, problems) => checkContainerAppsArgs(name, args, r, problems),
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as CanaryStrategy;
    const built = buildContainerApp(this, name, args, release, "canary", release.traffic);
    this.appName = pulumi.output(built.appName);
    this.revisions = built.revisions;
    this.templateVersion = built.templateVersion;
    this.candidateWeight = pulumi.output(release.traffic.candidateWeight);
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: built.appName,
      endpoint: built.endpoint,
      previewEndpoint: built.previewEndpoint,
      router: built.router,
      metrics: built.metrics,
      trafficResources: [built.app],
      outputs: {
        appName: this.appName,
        revisions: this.revisions,
        retiredRevisions: built.retiredRevisions,
        templateVersion: this.templateVersion,
      },
    });
  }
}
