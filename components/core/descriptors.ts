// What a component's release says about its platform: where the router's applied weights are read
// (and braked), and where its builtin request metrics are. Plain values, never secrets; each
// platform adds its kinds here and one driver-side implementation (automation/routers, metrics).

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

/** Router kinds of flag stores (a feature flag's release: variants, not processes). */
export const FLAG_ROUTER_KINDS = [
  "flag-file",
  "kubernetes-flag-configmap",
  "aws-appconfig",
  "azure-app-configuration",
  "gcs-flag-file",
] as const satisfies readonly RouterKind[];

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
