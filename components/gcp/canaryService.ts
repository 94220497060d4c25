// CanaryService on Cloud Run: one service whose template holds the newest revision; traffic is
// split by percent between the stable revision and the candidate revision, both named explicitly
// (never a LATEST target). The candidate carries the `candidate` tag, whose URL is the preview for
// testers: Cloud Run cannot route by header, so a header route is refused. Abort and revert move
// traffic only; the candidate's revision stays (immutable) and the template is not re-applied.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  type CanaryStrategyInput,
  ProgressiveComponent,
  Strategy,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../core";
import { CLOUD_RUN_ARG_NAMES, type CloudRunArgs } from "./args";
import { CANDIDATE_TAG, canaryTargets } from "./revisions";
import { deployCloudRun, descriptors } from "./service";
import { checkCloudRun, checkNoHeaderRoute, serviceNameOf } from "./validate";

const TYPE = "progressive:gcp:CanaryService";

/** Arguments of {@link CanaryService}. */
export interface CanaryServiceArgs extends CloudRunArgs, TrafficArgs {
  /** Steps and checks; a header route is refused (Cloud Run cannot route by header). @default Strategy.canary({ headerRoute: false }) */
  readonly strategy?: CanaryStrategyInput;
}

/** Every argument name of {@link CanaryServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CLOUD_RUN_ARG_NAMES) satisfies ArgNames<CanaryServiceArgs>;

/** A canary release of one service on Cloud Run. */
export class CanaryService extends ProgressiveComponent {
  /** Name of the Cloud Run service. */
  readonly serviceName: pulumi.Output<string>;
  /** Percent of requests asked for the candidate. */
  readonly candidateWeight: pulumi.Output<number>;
  /** Revision serving each live version. */
  readonly revisions: pulumi.Output<Record<string, string>>;
  /** The revision the service's template holds (the newest one built). */
  readonly templateRevision: pulumi.Output<string>;
  /** Email of the service account revisions run as. */
  readonly serviceAccount: pulumi.Output<string>;
  /** The resolved strategy (steps, checks) for the release driver. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: CanaryServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const strategyInput = args.strategy ?? Strategy.canary({ headerRoute: false });
    const serviceName = serviceNameOf(name, args.serviceName, [CANDIDATE_TAG]);
    const release = validateService("CanaryService", name, args, {
      names: ARG_NAMES,
      key: { platform: "gcp", scope: `${args.project ?? ""}/${args.location}`, name: serviceName },
      check: (r, problems) => {
        checkCloudRun(args, serviceName, [CANDIDATE_TAG], r, problems);
        if (strategyInput?.kind === "canary") checkNoHeaderRoute(strategyInput.headerRoute, problems);
      },
      input: { strategy: strategyInput },
    });
    super(TYPE, name, release, opts);

    // A default header route from the core means nothing here: drop it, so the driver never sends
    // a header Cloud Run ignores.
    const { headerRoute: _ignored, ...strategy } = release.strategy as CanaryStrategy;
    const traffic = release.traffic;
    const { stableVersion, candidateVersion } = traffic;
    const deployment = deployCloudRun(this, args, {
      name,
      serviceName,
      health: release.health,
      live: candidateVersion === undefined ? [stableVersion] : [stableVersion, candidateVersion],
      proposed: candidateVersion ?? stableVersion,
      traffic: (plan) => canaryTargets(traffic, plan.revisions),
    });
    const { router, metrics } = descriptors(deployment, args.location, serviceName);

    this.serviceName = pulumi.output(serviceName);
    this.candidateWeight = pulumi.output(traffic.candidateWeight);
    this.revisions = deployment.plan.apply((p) => ({ ...p.revisions }));
    this.templateRevision = deployment.plan.apply((p) => p.templateRevision);
    this.serviceAccount = deployment.serviceAccount;
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: serviceName,
      endpoint: deployment.endpoint,
      previewEndpoint:
        candidateVersion === undefined ? pulumi.output(undefined) : deployment.tagUrl(CANDIDATE_TAG),
      router,
      metrics,
      trafficResources: [deployment.service],
      // Without the header route the core's default adds (see above).
      overrides: { strategy },
      outputs: {
        serviceName: this.serviceName,
        revisions: this.revisions,
        templateRevision: this.templateRevision,
        serviceAccount: this.serviceAccount,
      },
    });
  }
}
