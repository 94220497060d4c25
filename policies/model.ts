// The normalized view the rules read. Platform mappers (policies/platforms/) turn each platform's
// resources into workloads and exposures; view.ts groups them under the services the progressive
// components declare. A rule never looks at a platform's resource types, so adding a platform is
// adding a mapper.

import type { CanaryStep, PercentOrCount, StrategyKind } from "../components/core";

/** Where a resource runs: a platform folder of components/ (or a future one). */
export type Platform = string;

/** Where an environment variable's value comes from. */
export type EnvSource =
  /** A plain value written into the workload's definition. */
  | "value"
  /** The platform's secret store (Kubernetes Secret, Secrets Manager, Key Vault...) or a Pulumi secret the platform keeps secret. */
  | "secret"
  /** A non-secret reference, such as a ConfigMap key or a pod field. */
  | "reference"
  /** Not known during preview. */
  | "unknown";

/** One environment variable. The value itself is never kept in the view. */
export interface EnvVarView {
  readonly name: string;
  readonly source: EnvSource;
  /** Where a reference points, for messages (e.g. `configMapKeyRef`). @default unset */
  readonly detail?: string;
  /** The plain value is the empty string. @default false */
  readonly empty?: boolean;
}

/** Resource requests and limits, by resource name (cpu, memory...). */
export interface ResourcesView {
  readonly requests: readonly string[];
  readonly limits: readonly string[];
}

/** One container (or process) of a workload. */
export interface ContainerView {
  readonly name: string;
  /** Runs to completion before the others start (a Kubernetes init container); health and sizing rules skip it. @default false */
  readonly init?: boolean;
  /** Image reference; undefined when the platform runs no image (local commands) or it is not known during preview. */
  readonly image?: string;
  readonly env: readonly EnvVarView[];
  readonly readiness: boolean;
  readonly liveness: boolean;
  /** Requests and limits; undefined when the platform sizes instances itself (local). */
  readonly resources?: ResourcesView;
}

/** How the platform replaces a workload's instances in place. */
export interface UpdateView {
  readonly kind: "rolling" | "recreate";
  /** Instances below the desired count during a rolling update. @default unset: the platform's default */
  readonly maxUnavailable?: PercentOrCount;
  readonly maxSurge?: PercentOrCount;
}

/** A set of identical instances: a Deployment, an ECS service, a local instance set... */
export interface Workload {
  readonly platform: Platform;
  /** Pulumi type token. */
  readonly type: string;
  /** Pulumi resource name. */
  readonly name: string;
  readonly urn: string;
  /** Name of the service it belongs to; set by view.ts. @default unset */
  readonly service?: string;
  /** Slot in its service (stable, canary, blue, green, app), from the release annotations. @default unset */
  readonly role?: string;
  /** Strategy kind recorded on the workload (release annotation). @default unset */
  readonly strategy?: StrategyKind;
  /** Version recorded on the workload (release annotation). @default unset */
  readonly version?: string;
  /** Desired instances; undefined when not known. */
  readonly replicas?: number;
  readonly containers: readonly ContainerView[];
  /** The platform can restart an instance that stops answering (a liveness check). */
  readonly supportsLiveness: boolean;
  /** In-place update settings, for platforms that update instances in place. @default unset */
  readonly update?: UpdateView;
}

/** How a service is reached from outside its platform's private network. */
export type ExposureKind = "load-balancer" | "node-port" | "ingress" | "http-route" | "public-url";

/** An object that may expose a service. */
export interface Exposure {
  readonly platform: Platform;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Name of the service it belongs to; set by view.ts. @default unset */
  readonly service?: string;
  readonly kind: ExposureKind;
  /** True unless the platform marks it internal (an internal load balancer annotation). */
  readonly public: boolean;
  /** Host names served. @default [] */
  readonly hosts: readonly string[];
  /** What it attaches to: an ingress class, gateway names; a rule may treat some as internal. @default [] */
  readonly via: readonly string[];
}

/** A strategy as far as it is known: the kind always, details when a component recorded them. */
export type StrategyView =
  | { readonly kind: "canary"; readonly steps?: readonly CanaryStep[] }
  | {
      readonly kind: "blueGreen";
      readonly prePromotionChecks?: number;
      readonly scaleDownDelaySeconds?: number;
      readonly autoPromote?: boolean;
    }
  | { readonly kind: "rolling"; readonly maxUnavailable?: PercentOrCount; readonly maxSurge?: PercentOrCount }
  | { readonly kind: "recreate" };

/** A released service: a progressive component with its children, or a workload deployed on its own. */
export interface ServiceView {
  readonly platform: Platform;
  /** Type token of the component (or of the bare workload). */
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** True for a progressive component (`progressive:<platform>:<Kind>Service`). */
  readonly component: boolean;
  /** undefined when nothing records one. */
  readonly strategy?: StrategyView;
  /** The version a failed release reverts to. @default unset */
  readonly stableVersion?: string;
  readonly candidateVersion?: string;
  /** Colour serving traffic (blue-green). @default unset */
  readonly activeColor?: string;
  readonly workloads: readonly Workload[];
  readonly exposures: readonly Exposure[];
}

/** A FeatureFlag component (`progressive:<platform>:FeatureFlag`), from its registered release. */
export interface FlagView {
  readonly platform: Platform;
  readonly type: string;
  /** The component's name. */
  readonly name: string;
  readonly urn: string;
  /** The flag's key in its store. @default the component's name */
  readonly key: string;
  /** Variant name -> value, as registered (plain). */
  readonly variants: Readonly<Record<string, unknown>>;
  /** The rollout's strategy. @default unset: nothing recorded */
  readonly strategy?: StrategyView;
  /** The variant everyone outside the split gets. @default unset */
  readonly stableVersion?: string;
  /** The variant being rolled out. @default unset */
  readonly candidateVersion?: string;
  /** Its share of users, in percent. @default unset */
  readonly candidateWeight?: number;
}

/** What the pack knows about the environment of the stack. */
export interface EnvironmentInfo {
  /** As given or detected, e.g. "prod-eu"; "" when unknown. */
  readonly name: string;
  /** Its class: the first segment with aliases resolved ("prod-eu" -> "prod", "production" -> "prod"). */
  readonly class: string;
  readonly source: "config" | "stack-tag" | "stack-name" | "unknown";
}

/** Everything a rule reads. */
export interface DeploymentView {
  readonly environment: EnvironmentInfo;
  readonly services: readonly ServiceView[];
  /** Every workload, also inside services. */
  readonly workloads: readonly Workload[];
  /** Every exposure, also inside services. */
  readonly exposures: readonly Exposure[];
  /** Feature flags (FeatureFlag components). @default [] */
  readonly flags?: readonly FlagView[];
}

/** A violation: what to do, and the resource to attach it to. */
export interface Violation {
  readonly message: string;
  readonly urn?: string;
}
