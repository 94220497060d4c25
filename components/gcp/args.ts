// Arguments every Cloud Run component shares. Container, revision template and service options
// are the @pulumi/gcp input types with the fields this project owns removed, so every other Cloud
// Run option passes through without being forwarded by hand.

import type * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgNames, HealthInput } from "../core";

type Container = gcp.types.input.cloudrunv2.ServiceTemplateContainer;
type Template = gcp.types.input.cloudrunv2.ServiceTemplate;

/**
 * How a version label becomes an image: a repository (`"europe-docker.pkg.dev/acme/web/app"`, the
 * tag is the version), a template containing `{version}` (`".../app@{version}"`), or a function
 * (e.g. a map from version to digest).
 */
export type ImageSource = string | ((version: string) => pulumi.Input<string>);

/** A Secret Manager secret read into an environment variable. */
export interface SecretRef {
  /** Secret ID (`api-key`) or full name (`projects/p/secrets/api-key`). */
  readonly secret: pulumi.Input<string>;
  /** Secret version. @default "latest" */
  readonly version?: pulumi.Input<string>;
}

/** Who may invoke the service: `"public"` (allUsers) or IAM members such as `"serviceAccount:..."`. */
export type Invokers = "public" | readonly pulumi.Input<string>[];

/** Ingress settings of the service. */
export type Ingress = "all" | "internal" | "internal-and-cloud-load-balancing";

/** Container options other than the ones the component sets. */
export type ContainerOptions = Omit<
  Container,
  "image" | "name" | "ports" | "envs" | "startupProbe" | "livenessProbe" | "resources"
>;

/** Revision template options other than the ones the component sets. */
export type TemplateOptions = Omit<Template, "containers" | "revision" | "serviceAccount" | "scaling">;

/** Service options other than the ones the component sets. */
export type ServiceOptions = Omit<
  gcp.cloudrunv2.ServiceArgs,
  "name" | "location" | "project" | "template" | "traffics" | "ingress" | "annotations"
>;

/** What every Cloud Run component takes besides its strategy and traffic state. */
export interface CloudRunArgs {
  /** Region of the service, e.g. `europe-west1`. */
  readonly location: string;
  /** Project of the service. @default the provider's project (`gcp:project`) */
  readonly project?: string;
  /**
   * Name of the Cloud Run service: at most 37 characters for a canary or rolling service, 41 for
   * blue-green (a traffic tag and the name share 46 characters in the tag's URL).
   * @default the component name as a DNS label, shortened with a hash to fit
   */
  readonly serviceName?: string;
  /** How a version label becomes an image. */
  readonly image: ImageSource;
  /**
   * Who may invoke the service, stated explicitly: `"public"` grants roles/run.invoker to
   * allUsers; a list grants it to exactly those members (`[]`: nobody beyond project owners).
   */
  readonly invokers: Invokers;
  /** Where requests may come from. @default "all" (invoker IAM still applies) */
  readonly ingress?: Ingress;
  /** Service account (email) revisions run as. @default one created for the service, with no project roles */
  readonly serviceAccount?: pulumi.Input<string>;
  /** Port the container listens on. @default 8080 */
  readonly port?: number;
  /** Fewest instances of each revision serving traffic. @default 0 (scale to zero) */
  readonly minInstances?: number;
  /** Most instances of each revision. @default 100 (Cloud Run's default) */
  readonly maxInstances?: number;
  /** CPU limit of each instance. @default "1" */
  readonly cpu?: string;
  /** Memory limit of each instance. @default "512Mi" */
  readonly memory?: string;
  /** Readiness (a startup probe: no traffic before it passes) and liveness probes. @default none */
  readonly health?: HealthInput;
  /** Plain environment values by name. @default {} */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Secret Manager references by variable name; the service account gets
   * roles/secretmanager.secretAccessor on exactly these secrets. @default {}
   */
  readonly secretEnv?: Readonly<Record<string, SecretRef>>;
  /** Other container options: command, args, volumeMounts, workingDir... @default {} */
  readonly container?: ContainerOptions;
  /** Other revision options: timeout, vpcAccess, executionEnvironment, volumes, labels... @default {} */
  readonly template?: TemplateOptions;
  /** Other service options: labels, description, binaryAuthorization, deletionProtection... @default { deletionProtection: false } */
  readonly service?: ServiceOptions;
}

/** Defaults of {@link CloudRunArgs}. */
export const CLOUD_RUN_DEFAULTS = {
  port: 8080,
  minInstances: 0,
  maxInstances: 100,
  cpu: "1",
  memory: "512Mi",
  ingress: "all",
  secretVersion: "latest",
} as const;

/** The API value of each ingress setting. */
export const INGRESS_VALUES: Readonly<Record<Ingress, string>> = {
  all: "INGRESS_TRAFFIC_ALL",
  internal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
  "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
};

/** Every argument name of {@link CloudRunArgs}, for the components' `ArgNames`. */
export const CLOUD_RUN_ARG_NAMES = {
  location: true,
  project: true,
  serviceName: true,
  image: true,
  invokers: true,
  ingress: true,
  serviceAccount: true,
  port: true,
  minInstances: true,
  maxInstances: true,
  cpu: true,
  memory: true,
  health: true,
  env: true,
  secretEnv: true,
  container: true,
  template: true,
  service: true,
} as const satisfies ArgNames<CloudRunArgs>;
