// The release contract between the components and the release driver. Every progressive component
// (any platform) registers one `release` output of this shape and, separately, its secrets as one
// secret `releaseSecrets` output. The driver finds a stack's services by reading its state (the
// resources typed `progressive:*` with a `release` output whose `contract` it knows), so it can
// release any Pulumi program that uses the components, not only this repo's.
//
// Traffic is stack state: a component reads its own entry of the `progressive:traffic` config
// object (keyed by the component's Pulumi name) unless it is given `traffic` explicitly. After a
// release that entry is the truth; a component's `version` argument is only the version of the
// first deploy, used while the entry does not exist.

import * as pulumi from "@pulumi/pulumi";
import { type Problem, problem } from "./problems";
import type { ResolvedStrategy, StrategyKind } from "./strategy";
import { checkVersionLabel, type TrafficEntry, type TrafficState } from "./traffic";

/** Version of the contract this package writes and reads. */
export const RELEASE_CONTRACT = 1 as const;

/** Config namespace of the release settings and of the traffic entries. */
export const CONFIG_NAMESPACE = "progressive";

/** Key (in {@link CONFIG_NAMESPACE}) of the object holding every component's traffic entry. */
export const TRAFFIC_KEY = "traffic";

/** Platforms a component can run on. */
export type PlatformName = "local" | "kubernetes" | "aws" | "gcp" | "azure";

/**
 * Where the router's applied weights are read (and, for the revert brake, written). Never secret:
 * credentials travel in `releaseSecrets`. Each platform adds its kinds here and one driver-side
 * implementation (automation/routers).
 */
export type RouterDescriptor =
  /** The local platform's proxy; its bearer token is `releaseSecrets.adminToken`. */
  | { readonly kind: "local-proxy"; readonly adminEndpoint: string }
  /** Kubernetes, weight by replica counts of the two Deployments. */
  | {
      readonly kind: "kubernetes-replica-ratio";
      readonly namespace: string;
      readonly stableDeployment: string;
      readonly canaryDeployment: string;
    }
  /** Kubernetes, ingress-nginx canary Ingress (`canary-weight` annotation). */
  | {
      readonly kind: "kubernetes-nginx";
      readonly namespace: string;
      readonly ingress: string;
      readonly canaryIngress: string;
    }
  /** Kubernetes, Gateway API HTTPRoute with one weighted backend per slot. */
  | {
      readonly kind: "kubernetes-gateway-api";
      readonly namespace: string;
      readonly httpRoute: string;
      readonly stableService: string;
      readonly canaryService: string;
    }
  /** Kubernetes blue-green: the active Service's selector picks the colour. */
  | {
      readonly kind: "kubernetes-service-selector";
      readonly namespace: string;
      readonly service: string;
      readonly colorLabel: string;
    }
  /**
   * AWS: an ALB listener (or a listener rule on a shared listener) forwarding to one target group
   * per slot ("stable"/"canary", or "blue"/"green") with weights.
   */
  | {
      readonly kind: "aws-alb";
      readonly region: string;
      readonly listenerArn: string;
      /** Set when the weights live on a listener rule rather than the listener's default action. */
      readonly ruleArn?: string;
      /** Target group ARN by slot. */
      readonly targetGroups: Readonly<Record<string, string>>;
    }
  /**
   * AWS ECS-managed deployments (`controller: "ecs"`): ECS's own BLUE_GREEN, CANARY or LINEAR
   * deployment shifts production traffic between two target groups by rewriting the production
   * listener rule. The driver watches the service's deployment (ListServiceDeployments,
   * DescribeServiceDeployments), reads the rule's weights back, and brakes with
   * StopServiceDeployment (ROLLBACK).
   */
  | {
      readonly kind: "aws-ecs-deployment";
      readonly region: string;
      readonly clusterArn: string;
      readonly serviceArn: string;
      readonly strategy: "BLUE_GREEN" | "CANARY" | "LINEAR";
      readonly listenerArn: string;
      /** The production listener rule whose forward weights ECS rewrites. */
      readonly productionRuleArn: string;
      /** Target group ARN by ECS role: "primary" and "alternate" (which one runs the new revision changes per deployment). */
      readonly targetGroups: Readonly<Record<string, string>>;
      /** Header that reaches the new revision through the test listener rule. @default none: no test rule */
      readonly testHeader?: { readonly name: string; readonly value: string };
    }
  /** Google Cloud Run: traffic targets by revision; `revisions` maps each live version to its revision. */
  | {
      readonly kind: "gcp-cloud-run";
      readonly project: string;
      readonly location: string;
      readonly service: string;
      readonly revisions: Readonly<Record<string, string>>;
    }
  /** Azure Container Apps: ingress traffic weights by revision. */
  | {
      readonly kind: "azure-container-apps";
      readonly subscriptionId: string;
      readonly resourceGroup: string;
      readonly app: string;
      /** Revision of each version of the traffic state. */
      readonly revisions: Readonly<Record<string, string>>;
      /**
       * Revision of each earlier version the app's ledger remembers that takes no traffic now: the
       * driver deactivates the one a release took out, and activates one a release brings back.
       * @default none: nothing to deactivate or bring back (a component older than this field)
       */
      readonly retired?: Readonly<Record<string, string>>;
    }
  /** Azure Traffic Manager: weighted endpoints, one per slot (0 % = disabled). */
  | {
      readonly kind: "azure-traffic-manager";
      readonly subscriptionId: string;
      readonly resourceGroup: string;
      readonly profile: string;
      /** Endpoint name by slot. */
      readonly endpoints: Readonly<Record<string, string>>;
    }
  /** Azure Front Door: weighted origins in one origin group, one per slot. */
  | {
      readonly kind: "azure-front-door";
      readonly subscriptionId: string;
      readonly resourceGroup: string;
      readonly profile: string;
      readonly originGroup: string;
      /** Origin name by slot. */
      readonly origins: Readonly<Record<string, string>>;
    }
  /** A feature flag in a flagd flag file on this machine (local FeatureFlag). */
  | { readonly kind: "flag-file"; readonly path: string; readonly flag: string }
  /** A feature flag in a ConfigMap in flagd's format (Kubernetes FeatureFlag). */
  | {
      readonly kind: "kubernetes-flag-configmap";
      readonly namespace: string;
      readonly name: string;
      /** Data key of the flagd document. */
      readonly key: string;
      readonly flag: string;
    }
  /** A feature flag in AWS AppConfig (AWS FeatureFlag). */
  | {
      readonly kind: "aws-appconfig";
      readonly region: string;
      readonly applicationId: string;
      readonly environmentId: string;
      readonly configurationProfileId: string;
      readonly flag: string;
    }
  /** A feature flag in Azure App Configuration (Azure FeatureFlag). */
  | {
      readonly kind: "azure-app-configuration";
      readonly endpoint: string;
      /** The key-value's key, `.appconfig.featureflag/<flag>`. */
      readonly key: string;
      readonly label?: string;
      /** The variant the flag's "enabled" stands for. */
      readonly onVariant: string;
    }
  /** A feature flag in a flagd file in Cloud Storage (Google Cloud FeatureFlag). */
  | {
      readonly kind: "gcs-flag-file";
      readonly bucket: string;
      readonly object: string;
      readonly flag: string;
    }
  /** No weights to read (rolling, recreate): steps are reported "unverified" where weights matter. */
  | { readonly kind: "none" };

/** Kinds of router descriptors. */
export type RouterKind = RouterDescriptor["kind"];

/**
 * Where the platform's own request metrics are read: what `provider: "builtin"` in a check means
 * for this service.
 */
export type MetricsDescriptor =
  /** The local proxy's counters (JSON); the token is `releaseSecrets.adminToken`. */
  | { readonly kind: "local-proxy"; readonly metricsJsonUrl: string }
  /** ingress-nginx's Prometheus metrics, per canary and stable Ingress. */
  | {
      readonly kind: "ingress-nginx";
      readonly namespace: string;
      readonly ingress: string;
      readonly canaryIngress: string;
    }
  /** ALB metrics in CloudWatch (`AWS/ApplicationELB`), by target group. */
  | {
      readonly kind: "cloudwatch-alb";
      readonly region: string;
      /** The load balancer's ARN suffix (the `LoadBalancer` dimension). */
      readonly loadBalancer: string;
      /** Target group ARN suffix (the `TargetGroup` dimension) by slot. */
      readonly targetGroups: Readonly<Record<string, string>>;
    }
  /** Cloud Run metrics in Cloud Monitoring (`run.googleapis.com/request_count`, `request_latencies`), by revision. */
  | {
      readonly kind: "cloud-monitoring-run";
      readonly project: string;
      readonly location: string;
      readonly service: string;
      readonly revisions: Readonly<Record<string, string>>;
    }
  /** Container Apps metrics in Azure Monitor (`Requests` by `revisionName`, `statusCodeCategory`). */
  | {
      readonly kind: "azure-monitor-container-apps";
      /** Resource ID of the container app. */
      readonly resourceId: string;
      readonly revisions: Readonly<Record<string, string>>;
    }
  /** Traffic Manager or Front Door metrics in Azure Monitor, per endpoint or origin. */
  | {
      readonly kind: "azure-monitor-traffic-layer";
      readonly resourceId: string;
      /**
       * By version: the metric dimension value of the slot running it (Front Door: the origin's
       * host name, dimension `Origin`; Traffic Manager: the endpoint name, dimension `EndpointName`).
       */
      readonly targets: Readonly<Record<string, string>>;
    }
  /**
   * A feature flag's variants in Prometheus: the application counts requests by flag, variant and
   * status (`<requests>{flag, variant, status}`, a counter) and, optionally, their duration
   * (`<duration>_sum` / `_count`, a summary or histogram, by flag and variant). Read through the
   * `prometheus` settings.
   */
  | {
      readonly kind: "prometheus-flag";
      readonly flag: string;
      /** Counter of requests. */
      readonly requests: string;
      /** Duration metric's base name; unset when the application exports none. */
      readonly duration?: string;
    }
  /** The platform has no request metrics of its own known to the driver. */
  | { readonly kind: "none" };

/** Kinds of metrics descriptors. */
export type MetricsKind = MetricsDescriptor["kind"];

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
  readonly trafficSource: "config" | "arg" | "version";
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

/** The traffic state of a component and where it came from. */
export interface ResolvedTraffic {
  readonly traffic: TrafficEntry | undefined;
  readonly source: ReleaseOutputs["trafficSource"];
}

/** What {@link resolveTraffic} reads; every field is optional so tests can pass config directly. */
export interface TrafficSources {
  /** The explicit `traffic` arg. */
  readonly traffic?: TrafficEntry;
  /** The first version to deploy, used when there is no config entry. */
  readonly version?: string;
}

/** The component's entry in `progressive:traffic` (undefined when there is none). */
export function trafficEntry(name: string): TrafficEntry | undefined | { readonly invalid: unknown } {
  return trafficEntryOf(new pulumi.Config(CONFIG_NAMESPACE).getObject<unknown>(TRAFFIC_KEY), name);
}

/**
 * Entry `name` of a `progressive:traffic` object as a component reads it (numbers given as strings
 * read as numbers; a missing weight is 0); `{ invalid }` when the object or the entry is not an
 * object. Pure, so the driver checks the entries with the components' own reading.
 */
export function trafficEntryOf(
  all: unknown,
  name: string,
): TrafficEntry | undefined | { readonly invalid: unknown } {
  if (all === undefined || all === null) return undefined;
  if (typeof all !== "object" || Array.isArray(all)) return { invalid: all };
  const entry = (all as Record<string, unknown>)[name];
  if (entry === undefined) return undefined;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return { invalid: entry };
  // `pulumi config set --path` writes numbers as numbers but may leave quoted ones as strings.
  const e = entry as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v);
  return {
    ...(e as unknown as TrafficState),
    candidateWeight: num(e.candidateWeight ?? 0) as number,
    ...(e.idleReplicas !== undefined ? { idleReplicas: num(e.idleReplicas) as number } : {}),
  };
}

/**
 * A component's traffic state: the explicit `traffic` arg, else its `progressive:traffic` entry,
 * else `{ stableVersion: version }`. Pushes a problem when none gives one, or `version` is not a
 * version label.
 */
export function resolveTraffic(name: string, args: TrafficSources, problems: Problem[]): ResolvedTraffic {
  if (args.traffic !== undefined) return { traffic: args.traffic, source: "arg" };
  const path = `${CONFIG_NAMESPACE}:${TRAFFIC_KEY}.${name}`;
  const entry = trafficEntry(name);
  if (entry && "invalid" in entry) {
    problems.push(
      problem(
        path,
        entry.invalid,
        "is not a traffic entry",
        `set it to an object such as {"stableVersion": "v1", "candidateWeight": 0}, or remove it with pulumi config rm --path '${path}'`,
      ),
    );
    return { traffic: undefined, source: "config" };
  }
  if (entry) return { traffic: entry, source: "config" };
  if (args.version === undefined) {
    problems.push(
      problem(
        "version",
        undefined,
        `is required on the first deploy (there is no ${path} entry yet)`,
        'pass version: "v1" (the first version to deploy), or an explicit traffic state',
      ),
    );
    return { traffic: undefined, source: "version" };
  }
  const before = problems.length;
  checkVersionLabel(args.version, "version", problems);
  if (problems.length > before) return { traffic: undefined, source: "version" };
  return { traffic: { stableVersion: args.version, candidateWeight: 0 }, source: "version" };
}

/**
 * The traffic arguments every progressive component takes. Leave both unset after the first
 * deploy: the component reads its `progressive:traffic` entry, which the release driver writes.
 */
export interface TrafficArgs<T = TrafficState> {
  /**
   * Versions and weights, when you manage them yourself (the driver then refuses to release the
   * service: it could not move them).
   * @default the component's `progressive:traffic` entry, else `{ stableVersion: version, candidateWeight: 0 }`
   */
  readonly traffic?: T;
  /**
   * The version to deploy first; read only while the stack has no `progressive:traffic` entry for
   * this component. After a release that entry is the truth.
   * @default none: required when there is neither `traffic` nor a config entry
   */
  readonly version?: string;
}

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
