// RollingService on Cloud Run. Cloud Run has no instance-by-instance rolling update, so a rolling
// strategy becomes linear traffic steps with a bake time (see rolling.ts for the mapping): the
// release registers, as its `strategy`, the canary plan those options generate (kind "rolling"
// stays the release's `kind`), and the driver walks it like a canary, writing canary-shaped
// traffic states (`candidateVersion`, `candidateWeight`) that this component accepts. Recreate
// sends 100 % to the new revision at once.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  checkTraffic,
  type Problem,
  ProgressiveComponent,
  type RecreateStrategy,
  type RecreateStrategyInput,
  type RollingStrategy,
  type RollingStrategyInput,
  resolveTraffic,
  Strategy,
  serviceArgNames,
  type TrafficArgs,
  type TrafficState,
  undeployedVersionWarning,
  validateRelease,
} from "../core";
import { CLOUD_RUN_ARG_NAMES, type CloudRunArgs } from "./args";
import { CANDIDATE_TAG, canaryTargets } from "./revisions";
import { rollingAsCanary } from "./rolling";
import { deployCloudRun, descriptors } from "./service";
import { checkCloudRun, checkRollingPercents, serviceNameOf } from "./validate";

const TYPE = "progressive:gcp:RollingService";

/** Arguments of {@link RollingService}. */
export interface RollingServiceArgs extends CloudRunArgs, TrafficArgs {
  /** Rolling options in percent (step size and bake time), or recreate. @default Strategy.rolling() */
  readonly strategy?: RollingStrategyInput | RecreateStrategyInput;
}

/** Every argument name of {@link RollingServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CLOUD_RUN_ARG_NAMES) satisfies ArgNames<RollingServiceArgs>;

/** A rolling (traffic steps) or recreate release of one service on Cloud Run. */
export class RollingService extends ProgressiveComponent {
  /** Name of the Cloud Run service. */
  readonly serviceName: pulumi.Output<string>;
  /** Percent of requests on the new version. */
  readonly candidateWeight: pulumi.Output<number>;
  /** Revision serving each live version. */
  readonly revisions: pulumi.Output<Record<string, string>>;
  /** The revision the service's template holds (the newest one built). */
  readonly templateRevision: pulumi.Output<string>;
  /** Email of the service account revisions run as. */
  readonly serviceAccount: pulumi.Output<string>;
  /** The resolved strategy as written (rolling or recreate). */
  readonly strategy: pulumi.Output<RollingStrategy | RecreateStrategy>;
  /** What the driver walks: the traffic steps a rolling strategy generates, or recreate. */
  readonly plannedStrategy: pulumi.Output<CanaryStrategy | RecreateStrategy>;

  constructor(name: string, args: RollingServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const strategyInput = args.strategy ?? Strategy.rolling();
    const serviceName = serviceNameOf(name, args.serviceName, [CANDIDATE_TAG]);
    // A rolling update carries a weight between versions, which the core allows only for canaries:
    // resolve the traffic here and check it as a canary's (recreate keeps the core's own rules).
    const stepped = strategyInput?.kind !== "recreate";
    const trafficProblems: Problem[] = [];
    const resolved = resolveTraffic(
      name,
      {
        ...(args.traffic ? { traffic: args.traffic } : {}),
        ...(args.version !== undefined ? { version: args.version } : {}),
      },
      trafficProblems,
    );
    const path = resolved.source === "config" ? `progressive:traffic.${name}` : "traffic";
    if (trafficProblems.length === 0)
      checkTraffic(resolved.traffic, stepped ? "canary" : "recreate", path, trafficProblems);
    const asked = resolved.traffic;
    const release = validateRelease(
      `RollingService "${name}"`,
      {
        args: { value: args, names: ARG_NAMES },
        strategy: strategyInput,
        kinds: ["rolling", "recreate"],
        // The core sees the version only; the whole state was checked above.
        traffic: {
          stableVersion: trafficProblems.length === 0 && asked ? asked.stableVersion : "v0",
          candidateWeight: 0,
        },
        health: args.health,
      },
      { platform: "gcp", scope: `${args.project ?? ""}/${args.location}`, name: serviceName },
      (r, problems) => {
        problems.push(...trafficProblems);
        checkCloudRun(args, serviceName, [CANDIDATE_TAG], r, problems);
        if (strategyInput?.kind === "rolling") checkRollingPercents(strategyInput, problems);
      },
    );
    // The whole traffic state is this component's own (stepped rolls), so the declared version and
    // the warning when it does not run are said here rather than by validateRelease.
    const declared = resolved.source !== "arg" ? args.version : undefined;
    const undeployed =
      asked &&
      undeployedVersionWarning(`RollingService "${name}"`, name, {
        ...release,
        traffic: asked,
        trafficSource: resolved.source,
        ...(declared !== undefined ? { declaredVersion: declared } : {}),
      });
    if (undeployed) void pulumi.log.warn(undeployed);
    super(TYPE, name, release, opts);

    const strategy = release.strategy as RollingStrategy | RecreateStrategy;
    const planned = strategy.kind === "rolling" ? rollingAsCanary(strategy) : strategy;
    const traffic = asked as TrafficState;
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
    this.plannedStrategy = pulumi.output(planned);
    this.registerRelease({
      service: serviceName,
      endpoint: deployment.endpoint,
      ...(candidateVersion !== undefined ? { previewEndpoint: deployment.tagUrl(CANDIDATE_TAG) } : {}),
      router,
      metrics,
      trafficResources: [deployment.service],
      // The traffic state is this component's own (see above); the driver steps the planned canary.
      overrides: {
        kind: strategy.kind,
        strategy: planned,
        traffic,
        trafficSource: resolved.source,
        declaredVersion: declared,
      },
      outputs: {
        serviceName: this.serviceName,
        revisions: this.revisions,
        templateRevision: this.templateRevision,
        serviceAccount: this.serviceAccount,
        rollingStrategy: this.strategy,
      },
    });
  }
}
