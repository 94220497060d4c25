// The base of every progressive component (each platform's services and feature flags). It holds
// what the release contract makes common: a component is built from a validated `Release` (the
// subclass validates before it calls `super`, so nothing is registered for bad input), declares the
// contract's outputs once, and registers the release from the validated one plus what its platform
// adds (service name, endpoint, router, metrics, the resources holding the weight).

import * as pulumi from "@pulumi/pulumi";
import {
  type FlagReleaseInfo,
  type PlatformName,
  type ReleaseOutputs,
  type ReleaseSecrets,
  registerRelease,
} from "./contract";
import type { MetricsDescriptor, RouterDescriptor } from "./descriptors";
import type { Release } from "./release";

/** Pulumi type of a progressive component: `progressive:<platform>:<Name>`. */
export type ProgressiveType = `progressive:${PlatformName}:${string}`;

/** The release fields a platform may state itself instead of taking them from the validated release. */
export type ReleaseOverrides = Partial<
  Pick<ReleaseOutputs, "kind" | "strategy" | "traffic" | "trafficSource" | "declaredVersion">
>;

/** What a platform adds to the validated release when its component registers it. */
export interface PlatformRelease {
  /** The service's own name on the platform (process, Deployment, ECS service, flag key...). */
  readonly service: pulumi.Input<string>;
  /** Where clients reach the service (a flag: where it is stored, as a URI). */
  readonly endpoint: pulumi.Input<string>;
  /** Where testers reach the candidate. @default none */
  readonly previewEndpoint?: pulumi.Input<string | undefined>;
  readonly router: pulumi.Input<RouterDescriptor>;
  readonly metrics: pulumi.Input<MetricsDescriptor>;
  /** The resources holding the weight; their URNs are the `trafficUrns`. */
  readonly trafficResources: readonly pulumi.Resource[];
  /** Set by FeatureFlag components. @default unset: a service */
  readonly flag?: FlagReleaseInfo;
  /** Secret values the driver needs. @default {} */
  readonly secrets?: pulumi.Input<ReleaseSecrets>;
  /** The component's own outputs, registered beside the contract's. @default {} */
  readonly outputs?: Readonly<Record<string, pulumi.Input<unknown>>>;
  /** Fields the platform states itself (a rolling service's planned steps, blue-green's colour). @default none */
  readonly overrides?: ReleaseOverrides;
}

/** The outputs every progressive component has, assigned once by {@link ProgressiveComponent.registerRelease}. */
interface ContractOutputs {
  readonly release: pulumi.Output<ReleaseOutputs>;
  readonly trafficUrns: pulumi.Output<string[]>;
  readonly stableVersion: pulumi.Output<string>;
  readonly candidateVersion: pulumi.Output<string | undefined>;
  readonly endpoint: pulumi.Output<string>;
  readonly previewEndpoint: pulumi.Output<string | undefined>;
}

/** A progressive component: built from a validated release, ending with its release registered. */
export abstract class ProgressiveComponent extends pulumi.ComponentResource implements ContractOutputs {
  /** The release contract's outputs, as registered: what the release driver reads from the stack. */
  declare readonly release: pulumi.Output<ReleaseOutputs>;
  /**
   * URNs of the resources holding the weight: a step that changes only the weight (a revert's
   * included) targets them and the component, so the `up` updates nothing else.
   */
  declare readonly trafficUrns: pulumi.Output<string[]>;
  /** Version that serves traffic (a feature flag: the variant everyone gets outside the rollout). */
  declare readonly stableVersion: pulumi.Output<string>;
  /** Version being tried, while there is one (a feature flag: the variant being rolled out). */
  declare readonly candidateVersion: pulumi.Output<string | undefined>;
  /** Where clients reach the service (a feature flag: where it is stored, as a URI). */
  declare readonly endpoint: pulumi.Output<string>;
  /** Where testers reach the candidate; undefined where there is no such endpoint (then a header route, if any). */
  declare readonly previewEndpoint: pulumi.Output<string | undefined>;
  /** The type token's platform. */
  protected readonly platform: PlatformName;
  /** The component's Pulumi type and name, as registered. */
  readonly #type: ProgressiveType;
  readonly #name: string;
  /** The release this deploy asks for, validated with every default filled. */
  protected readonly validated: Release;

  /** Call only after validating: `validated` comes from `validateRelease` (or `resolveFeatureFlag`). */
  protected constructor(
    type: ProgressiveType,
    name: string,
    validated: Release,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    this.#type = type;
    this.#name = name;
    this.platform = type.split(":")[1] as PlatformName;
    this.validated = validated;
  }

  /**
   * Registers the release contract's outputs (and the component's own) and ends the component's
   * registration; sets {@link release}, {@link trafficUrns}, the versions and the endpoints.
   */
  protected registerRelease(platform: PlatformRelease): void {
    const v = this.validated;
    const traffic = platform.overrides?.traffic ?? v.traffic;
    const trafficUrns = pulumi.all(platform.trafficResources.map((r) => r.urn));
    const release = registerRelease(
      this,
      {
        platform: this.platform,
        type: this.#type,
        name: this.#name,
        service: platform.service,
        kind: v.strategy.kind,
        strategy: v.strategy,
        trafficSource: v.trafficSource,
        declaredVersion: v.declaredVersion,
        endpoint: platform.endpoint,
        previewEndpoint: platform.previewEndpoint,
        router: platform.router,
        metrics: platform.metrics,
        trafficUrns,
        flag: platform.flag,
        ...platform.overrides,
        traffic,
      },
      platform.secrets ?? {},
      platform.outputs ?? {},
    );
    Object.assign(this, {
      release,
      trafficUrns,
      stableVersion: pulumi.output(traffic.stableVersion),
      candidateVersion: pulumi.output(traffic.candidateVersion),
      endpoint: pulumi.output(platform.endpoint),
      previewEndpoint: pulumi.output(platform.previewEndpoint),
    } satisfies ContractOutputs);
  }
}
