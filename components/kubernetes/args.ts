// Arguments every Kubernetes component shares. Container, pod, autoscaler and disruption-budget
// options are the @pulumi/kubernetes input types with the fields this project owns removed, so
// every other Kubernetes option passes through without being forwarded by hand.

import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgNames, HealthInput, PercentOrCount } from "../core";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type HpaSpec = k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec;
type PdbSpec = k8s.types.input.policy.v1.PodDisruptionBudgetSpec;

/**
 * How a version label becomes an image: a repository (`"ghcr.io/acme/web"`, the tag is the
 * version), a template containing `{version}` (`"ghcr.io/acme/web:{version}-alpine"`), or a function.
 */
export type ImageSource = string | ((version: string) => pulumi.Input<string>);

/** An environment value: a plain value, or a reference (`configMapKeyRef`, `secretKeyRef`, `fieldRef`). */
export type EnvValue = pulumi.Input<string> | k8s.types.input.core.v1.EnvVarSource;

/** Container options other than the ones the component sets (name, image, ports, env, probes). */
export type ContainerOptions = Omit<
  Container,
  "name" | "image" | "ports" | "env" | "readinessProbe" | "livenessProbe"
>;

/** Pod options other than the containers: serviceAccountName, imagePullSecrets, volumes, nodeSelector... */
export type PodOptions = Omit<PodSpec, "containers">;

/** A HorizontalPodAutoscaler for the serving Deployment; the target is set by the component. */
export type AutoscalingOptions = Omit<HpaSpec, "scaleTargetRef" | "minReplicas" | "maxReplicas"> & {
  /** Fewest instances. @default the component's `replicas` */
  readonly minReplicas?: number;
  /** Most instances. */
  readonly maxReplicas: number;
};

/** A PodDisruptionBudget over all of the service's pods; set one of the two limits. */
export type DisruptionBudgetOptions = Omit<PdbSpec, "selector" | "minAvailable" | "maxUnavailable"> & {
  /** Pods that must stay available during voluntary disruptions. @default unset */
  readonly minAvailable?: PercentOrCount;
  /** Pods that may be unavailable during voluntary disruptions. @default 1 when minAvailable is unset */
  readonly maxUnavailable?: PercentOrCount;
};

/** What every Kubernetes component takes besides its strategy and traffic state. */
export interface WorkloadArgs {
  /** How a version label becomes an image. */
  readonly image: ImageSource;
  /** Namespace of every object. @default the provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** Serving instances (stable, or the active colour). @default 2 */
  readonly replicas?: number;
  /** Port the container listens on. @default 8080 */
  readonly port?: number;
  /** Port the Services expose. @default 80 */
  readonly servicePort?: number;
  /** Type of the entry Service. @default "ClusterIP" */
  readonly serviceType?: pulumi.Input<string>;
  /** Readiness and liveness checks, turned into probes. @default none */
  readonly health?: HealthInput;
  /** Environment values and references, by name. @default {} */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Secret environment values: stored in a Kubernetes Secret and read with secretKeyRef, secret in state. @default {} */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Other container options: resources, command, args, envFrom (ConfigMaps, Secrets), volumeMounts... @default {} */
  readonly container?: ContainerOptions;
  /** Other pod options: serviceAccountName, imagePullSecrets, volumes, nodeSelector, tolerations... @default {} */
  readonly pod?: PodOptions;
  /** Extra labels on every object and pod. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations on every object and pod. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** A PodDisruptionBudget over the service's pods. @default none */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /** A HorizontalPodAutoscaler on the serving Deployment. @default none */
  readonly autoscaling?: AutoscalingOptions;
}

/** The names of {@link WorkloadArgs}: each Kubernetes component's args add theirs to these. */
export const WORKLOAD_ARG_NAMES = {
  image: true,
  namespace: true,
  replicas: true,
  port: true,
  servicePort: true,
  serviceType: true,
  health: true,
  env: true,
  secretEnv: true,
  container: true,
  pod: true,
  labels: true,
  annotations: true,
  disruptionBudget: true,
  autoscaling: true,
} as const satisfies ArgNames<WorkloadArgs>;

/** Defaults of {@link WorkloadArgs}. */
export const WORKLOAD_DEFAULTS = { port: 8080, servicePort: 80, serviceType: "ClusterIP" } as const;
