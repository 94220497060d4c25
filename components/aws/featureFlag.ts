// FeatureFlag on AWS: an AppConfig feature-flag profile (type AWS.AppConfig.FeatureFlags) with one
// flag, a hosted configuration version per rollout state and a deployment of it to the
// environment. The percentage split is a multi-variant flag whose rollout variant has the rule
// `(split by::$<targetingKey> pct::<weight>)` (see appConfigFeatureFlags in core). AppConfig's
// own deployment strategy only paces delivery to hosts; the release driver does the stepping, so
// the default strategy delivers each state at once.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  FEATURE_FLAG_ARG_NAMES,
  type FeatureFlagArgs,
  FeatureFlagComponent,
  problem,
  resolveFeatureFlag,
  shortHash,
} from "../core";
import { APPCONFIG_FEATURE_FLAGS, APPCONFIG_KEY_PATTERN, appConfigFeatureFlags } from "./appConfig";

/** AppConfig's predefined strategy that delivers a configuration to every target at once. */
export const APPCONFIG_ALL_AT_ONCE = "AppConfig.AllAtOnce";

/** An AppConfig application or environment name (1-64 characters): longer ones keep a prefix and a hash. */
export function appConfigName(text: string): string {
  return text.length <= 64 ? text : `${text.slice(0, 57)}-${shortHash(text)}`;
}

/** Arguments of the AWS {@link FeatureFlag}. */
export interface AwsFeatureFlagArgs extends FeatureFlagArgs {
  /** An existing AppConfig application. @default a new application named after the component */
  readonly applicationId?: pulumi.Input<string>;
  /** An existing AppConfig environment of that application. @default a new environment named after the stack */
  readonly environmentId?: pulumi.Input<string>;
  /** How AppConfig delivers each state to its targets. @default "AppConfig.AllAtOnce" */
  readonly deploymentStrategyId?: pulumi.Input<string>;
  /** Region of every resource. @default the provider's region */
  readonly region?: pulumi.Input<string>;
  /** Tags of every resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Every argument name of {@link AwsFeatureFlagArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...FEATURE_FLAG_ARG_NAMES,
  applicationId: true,
  environmentId: true,
  deploymentStrategyId: true,
  region: true,
  tags: true,
} as const satisfies ArgNames<AwsFeatureFlagArgs>;

/** A feature flag released like a canary, in AWS AppConfig. */
export class FeatureFlag extends FeatureFlagComponent {
  readonly applicationId: pulumi.Output<string>;
  readonly environmentId: pulumi.Output<string>;
  readonly configurationProfileId: pulumi.Output<string>;
  /** The hosted configuration version of this state. */
  readonly versionNumber: pulumi.Output<number>;

  constructor(name: string, args: AwsFeatureFlagArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveFeatureFlag(
      `FeatureFlag "${name}"`,
      name,
      args,
      "aws",
      args.applicationId,
      (spec, problems) => {
        if (!APPCONFIG_KEY_PATTERN.test(spec.key))
          problems.push(
            problem(
              "key",
              spec.key,
              "is not an AppConfig flag key",
              'start with a lower-case letter, then letters, digits, "_" or "-" (at most 64), e.g. "new_checkout"',
            ),
          );
      },
      ARG_NAMES,
    );
    super("progressive:aws:FeatureFlag", name, resolved, opts);
    const child = { parent: this };
    const common = {
      ...(args.region !== undefined ? { region: args.region } : {}),
      ...(args.tags ? { tags: { ...args.tags } } : {}),
    };
    const region = pulumi.output(args.region ?? aws.getRegionOutput({}, child).region);
    const applicationId =
      args.applicationId ??
      new aws.appconfig.Application(`${name}-app`, { name: appConfigName(name), ...common }, child).id;
    const environmentId =
      args.environmentId ??
      new aws.appconfig.Environment(
        `${name}-env`,
        { applicationId, name: appConfigName(pulumi.getStack()), ...common },
        child,
      ).environmentId;
    const profile = new aws.appconfig.ConfigurationProfile(
      `${name}-profile`,
      {
        applicationId,
        name: resolved.spec.key,
        locationUri: "hosted",
        type: APPCONFIG_FEATURE_FLAGS,
        ...common,
      },
      child,
    );
    const traffic = resolved.release.traffic;
    const version = new aws.appconfig.HostedConfigurationVersion(
      `${name}-version`,
      {
        applicationId,
        configurationProfileId: profile.configurationProfileId,
        contentType: "application/json",
        content: JSON.stringify(appConfigFeatureFlags(resolved.spec, traffic)),
        description: `${resolved.spec.key}: ${traffic.candidateVersion ?? traffic.stableVersion} at ${traffic.candidateWeight}%`,
        ...(args.region !== undefined ? { region: args.region } : {}),
      },
      child,
    );
    const deployment = new aws.appconfig.Deployment(
      `${name}-deployment`,
      {
        applicationId,
        environmentId,
        configurationProfileId: profile.configurationProfileId,
        configurationVersion: version.versionNumber.apply(String),
        deploymentStrategyId: args.deploymentStrategyId ?? APPCONFIG_ALL_AT_ONCE,
        ...common,
      },
      child,
    );
    this.applicationId = pulumi.output(applicationId);
    this.environmentId = pulumi.output(environmentId);
    this.configurationProfileId = profile.configurationProfileId;
    this.versionNumber = version.versionNumber;
    this.registerFlag({
      endpoint: pulumi.interpolate`appconfig://${applicationId}/${environmentId}/${profile.configurationProfileId}`,
      router: pulumi
        .all([region, this.applicationId, this.environmentId, profile.configurationProfileId])
        .apply(([r, a, e, p]) => ({
          kind: "aws-appconfig" as const,
          region: r,
          applicationId: a,
          environmentId: e,
          configurationProfileId: p,
          flag: resolved.spec.key,
        })),
      trafficResources: [version, deployment],
      outputs: { versionNumber: this.versionNumber },
    });
  }
}
