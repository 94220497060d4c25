// The release contract between the components and the release driver. Every progressive component
// (any platform) registers one `release` output of this shape and, separately, its secrets as one
// secret `releaseSecrets` output. The driver finds a stack's services by reading its state (the
// resources typed `progressive:*` with a `release` output whose `contract` it knows), so it can
// release any Pulumi program that uses the components, not only this repo's.
// The descriptors it carries are in descriptors.ts, the traffic entries it reads in trafficConfig.ts.

import * as pulumi from "@pulumi/pulumi";
import type { MetricsDescriptor, RouterDescriptor } from "./descriptors";
import type { ResolvedStrategy, StrategyKind } from "./strategy";
import type { TrafficEntry } from "./traffic";
import type { TrafficSource } from "./trafficConfig";

// Re-exported: the routers and metrics import the descriptors from here.
export type { MetricsDescriptor, MetricsKind, RouterDescriptor, RouterKind } from "./descriptors";

/** Version of the contract this package writes and reads. */
export const RELEASE_CONTRACT = 1 as const;

/** Platforms a component can run on. */
export type PlatformName = "local" | "kubernetes" | "aws" | "gcp" | "azure";

/** The `release` output every progressive component registers. Plain values only, never secrets. */
export interface ReleaseOutputs {
  /** Contract version, {@link RELEASE_CONTRACT}. */
  readonly contract: typeof RELEASE_CONTRACT;
  readonly platform: PlatformName;
  /** Pulumi type of the component, e.g. `progressive:local:CanaryService`. */
  readonly type: string;
  /** The component's Pulumi name: the key of its entry in `progressive:traffic`. */
  readonly name: string;
  /** The service's own name on the platform (process, Deployment, ECS service...). */
  readonly service: string;
  readonly kind: StrategyKind;
  /** Steps, checks and options with every default filled; the driver plans from it. */
  readonly strategy: ResolvedStrategy;
  /** The traffic state asked for in this deploy. */
  readonly traffic: TrafficEntry;
  /** Where the state came from: the config entry, the `traffic` arg, or the `version` arg. */
  readonly trafficSource: TrafficSource;
  /**
   * The version the program declares (its `version` argument) as of this deploy or preview. The
   * traffic entry says what runs; `progressive sync` releases the declared version when the two
   * differ. @default unset: the program declares none (an explicit `traffic` arg, or a feature flag)
   */
  readonly declaredVersion?: string;
  /** Where clients reach the service. */
  readonly endpoint: string;
  /** Where testers reach the candidate, when the platform has a preview endpoint. */
  readonly previewEndpoint?: string;
  readonly router: RouterDescriptor;
  readonly metrics: MetricsDescriptor;
  /**
   * URNs of the resources holding the weight. A step that changes only the weight (a revert's
   * included) targets them and the component, so the `up` updates nothing else.
   */
  readonly trafficUrns: readonly string[];
  /**
   * Set by FeatureFlag components: the flag whose variants are this release's versions. Its
   * absence means a service. @default unset
   */
  readonly flag?: FlagReleaseInfo;
}

/** What a FeatureFlag component tells the driver and the policies about its flag. */
export interface FlagReleaseInfo {
  /** The flag's key in its store. */
  readonly key: string;
  /** Variant name -> value (plain: flag stores are not secret). */
  readonly variants: Readonly<Record<string, unknown>>;
  /** The variant `progressive release-flag` rolls out when given no `--variant`. */
  readonly rolloutVariant?: string;
  /** Field of the evaluation context users are bucketed by. */
  readonly targetingKey: string;
  /**
   * The variant the kill switch (`progressive flag off`) gives everyone once a rollout was
   * promoted: the variant of the first deploy (`version`, else `defaultVariant`, else "off").
   * @default unset (flags deployed before it was added): the kill switch refuses after a promotion
   */
  readonly offVariant?: string;
}

/** Secret values the driver needs (an admin token, an API key), registered as one secret output. */
export type ReleaseSecrets = Readonly<Record<string, string>>;

/** What a component hands to {@link registerRelease}; Inputs so components pass their Outputs. */
export type ReleaseOutputsInput = {
  readonly [K in keyof Omit<ReleaseOutputs, "contract">]: pulumi.Input<ReleaseOutputs[K]>;
};

/**
 * Registers the contract's outputs (`release`, and `releaseSecrets` as a secret) plus the
 * component's own extra outputs, and ends the component's registration.
 */
export function registerRelease(
  component: pulumi.ComponentResource,
  release: ReleaseOutputsInput,
  secrets: pulumi.Input<ReleaseSecrets>,
  extra: Readonly<Record<string, pulumi.Input<unknown>>> = {},
): pulumi.Output<ReleaseOutputs> {
  // Registered as a plain object of inputs, not one Output: each field serializes on its own, so a
  // preview (where endpoints are not known yet) still shows the strategy and traffic to policies.
  const fields = Object.fromEntries(
    Object.entries({ contract: RELEASE_CONTRACT, ...release }).filter(([, v]) => v !== undefined),
  );
  (component as unknown as { registerOutputs(o: pulumi.Inputs): void }).registerOutputs({
    ...extra,
    release: fields,
    releaseSecrets: pulumi.secret(secrets),
  });
  return pulumi.output(fields) as unknown as pulumi.Output<ReleaseOutputs>;
}
