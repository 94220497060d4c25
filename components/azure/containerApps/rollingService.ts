// RollingService on Container Apps. A revision cannot be updated in place, so a rolling release is
// traffic shifted from the old revision to the new one in linear steps with a bake time between
// them: maxSurge (as a share of replicas) is the step, readinessDelay the bake (rollingAsCanary).
// The driver walks those steps, so the release output's `strategy` is the resolved canary
// strategy of the steps (no analysis), while `kind` stays "rolling"; abort is weight 0 at once.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  DEFAULT_REPLICAS,
  type Problem,
  ProgressiveComponent,
  type RollingStrategy,
  type RollingStrategyInput,
  resolveStrategy,
  Strategy,
  type StrategyInput,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../../core";
import { takeGeneratedSteps } from "../shared";
import { appNameOf, buildContainerApp, checkContainerAppsArgs } from "./app";
import { CONTAINER_APPS_ARG_NAMES, type ContainerAppsArgs } from "./args";
import { rollingAsCanary } from "./revisions";

const TYPE = "progressive:azure:ContainerAppsRollingService";

/** Arguments of {@link RollingService} on Container Apps. */
export interface RollingServiceArgs extends ContainerAppsArgs, TrafficArgs {
  /** Step (maxSurge), bake time (readinessDelay) and deadline. @default Strategy.rolling() */
  readonly strategy?: RollingStrategyInput;
}

/** Rolling steps of a strategy as written: the canary input the driver plans, and the problems of the input. */
export function rollingPlan(
  input: StrategyInput,
  replicas: unknown,
): { readonly canary: StrategyInput; readonly rolling?: RollingStrategy; readonly problems: Problem[] } {
  const problems: Problem[] = [];
  if (input?.kind !== "rolling") return { canary: input, problems };
  const rolling = resolveStrategy(input, "strategy", problems) as RollingStrategy;
  const count =
    Number.isInteger(replicas) && (replicas as number) >= 1 ? (replicas as number) : DEFAULT_REPLICAS;
  const usable =
    problems.length === 0 ? rolling : (resolveStrategy({ kind: "rolling" }, "", []) as RollingStrategy);
  return { canary: rollingAsCanary(usable, count), rolling: usable, problems };
}

/** Every argument name of {@link RollingServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CONTAINER_APPS_ARG_NAMES) satisfies ArgNames<RollingServiceArgs>;

/** A rolling release of one service on Azure Container Apps (traffic steps between revisions). */
export class RollingService extends ProgressiveComponent {
  readonly appName: pulumi.Output<string>;
  /** Revision of each version of the traffic state. */
  readonly revisions: pulumi.Output<Record<string, string>>;
  /** The version the app's template runs (the newest revision). */
  readonly templateVersion: pulumi.Output<string>;
  /** The steps the driver walks: a canary strategy without analysis. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: RollingServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const input: StrategyInput = args.strategy ?? Strategy.rolling();
    const plan = rollingPlan(input, args.replicas ?? DEFAULT_REPLICAS);
    const release = validateService("RollingService", name, args, {
      names: ARG_NAMES,
      key: { platform: "azure-container-apps", scope: args.resourceGroupName, name: appNameOf(name, args) },
      check: (r, problems) => {
        takeGeneratedSteps(problems, plan.problems);
        checkContainerAppsArgs(name, args, r, problems);
      },
      input: { strategy: plan.canary, kinds: plan.rolling ? ["canary"] : ["rolling"] },
    });
    super(TYPE, name, release, opts);

    const strategy = release.strategy as CanaryStrategy;
    const built = buildContainerApp(this, name, args, release, "rolling", release.traffic);
    this.appName = pulumi.output(built.appName);
    this.revisions = built.revisions;
    this.templateVersion = built.templateVersion;
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: built.appName,
      endpoint: built.endpoint,
      router: built.router,
      metrics: built.metrics,
      trafficResources: [built.app],
      // Validated as the generated canary steps; released as a rolling update.
      overrides: { kind: "rolling" },
      outputs: {
        appName: this.appName,
        revisions: this.revisions,
        retiredRevisions: built.retiredRevisions,
        templateVersion: this.templateVersion,
      },
    });
  }
}
