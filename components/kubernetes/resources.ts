// The Kubernetes objects every component builds from: the env Secret, Deployments, Services,
// the PodDisruptionBudget and the HorizontalPodAutoscaler. Components decide how many and how
// they are wired; this module only knows how to build one of each.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dnsLabel, type Release, roleName, type StrategyKind } from "../core";
import { WORKLOAD_DEFAULTS, type WorkloadArgs } from "./args";
import { LABEL_APP, podTemplate, releaseAnnotations } from "./pods";

type DeploymentStrategy = k8s.types.input.apps.v1.DeploymentStrategy;

/** What the builders share within one component. */
export interface WorkloadContext {
  /** The component's Pulumi name; children are named `${name}-<role>`. */
  readonly name: string;
  /** The component's Kubernetes name (a DNS label derived from `name`). */
  readonly baseName: string;
  readonly parent: pulumi.Resource;
  readonly args: WorkloadArgs;
  readonly release: Release;
  readonly strategy: StrategyKind;
  readonly port: number;
  readonly servicePort: number;
  /** Labels that select every pod of the service. */
  readonly appSelector: Readonly<Record<string, string>>;
  /** Name of the Secret holding `secretEnv`, when there is any. */
  readonly secretName?: pulumi.Output<string>;
}

function metadata(ctx: WorkloadContext, objectName: string, role: string, version?: string, extra = {}) {
  return {
    name: objectName,
    ...(ctx.args.namespace !== undefined ? { namespace: ctx.args.namespace } : {}),
    labels: { ...ctx.args.labels, ...ctx.appSelector },
    annotations: { ...releaseAnnotations(ctx.strategy, role, version, ctx.args.annotations), ...extra },
  };
}

/** Builds the shared context; creates the Secret for `secretEnv` (values stay Pulumi secrets). */
export function workloadContext(
  parent: pulumi.Resource,
  name: string,
  args: WorkloadArgs,
  release: Release,
): WorkloadContext {
  const base = {
    name,
    baseName: dnsLabel(name),
    parent,
    args,
    release,
    strategy: release.strategy.kind,
    port: args.port ?? WORKLOAD_DEFAULTS.port,
    servicePort: args.servicePort ?? WORKLOAD_DEFAULTS.servicePort,
    appSelector: { [LABEL_APP]: dnsLabel(name) },
  };
  const secretEnv = args.secretEnv ?? {};
  if (Object.keys(secretEnv).length === 0) return base;
  const secret = new k8s.core.v1.Secret(
    `${name}-env`,
    {
      metadata: metadata(base, roleName(name, "env"), "env"),
      type: "Opaque",
      stringData: pulumi.secret(pulumi.output(secretEnv as Record<string, pulumi.Input<string>>)),
    },
    { parent },
  );
  return { ...base, secretName: secret.metadata.name };
}

/** One Deployment: a slot (stable, canary, a colour, or the only one of a rolling service). */
export interface SlotSpec {
  /** Role in child names and annotations: stable, canary, blue, green, app. */
  readonly role: string;
  /** Kubernetes name. */
  readonly objectName: string;
  /** Labels that select this slot's pods (app plus track or colour). */
  readonly selector: Readonly<Record<string, string>>;
  readonly version: string;
  readonly replicas: number;
  readonly updateStrategy?: DeploymentStrategy;
  readonly minReadySeconds?: number;
  /** Extra annotations on the Deployment object only (not the pods, so they do not restart them). */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly opts?: pulumi.CustomResourceOptions;
}

/** Creates the Deployment of a slot. */
export function createDeployment(ctx: WorkloadContext, slot: SlotSpec): k8s.apps.v1.Deployment {
  return new k8s.apps.v1.Deployment(
    `${ctx.name}-${slot.role}`,
    {
      metadata: metadata(ctx, slot.objectName, slot.role, slot.version, slot.annotations),
      spec: {
        replicas: slot.replicas,
        selector: { matchLabels: { ...slot.selector } },
        progressDeadlineSeconds: Math.ceil(ctx.release.strategy.progressDeadlineSeconds),
        ...(slot.minReadySeconds !== undefined ? { minReadySeconds: slot.minReadySeconds } : {}),
        ...(slot.updateStrategy ? { strategy: slot.updateStrategy } : {}),
        template: podTemplate({
          args: ctx.args,
          health: ctx.release.health,
          port: ctx.port,
          version: slot.version,
          selector: slot.selector,
          strategy: ctx.strategy,
          role: slot.role,
          ...(ctx.secretName ? { secretName: ctx.secretName } : {}),
        }),
      },
    },
    { ...slot.opts, parent: ctx.parent },
  );
}

/** One Service. */
export interface ServiceSpec {
  /** Role in the child name and annotations: service, stable-service, canary-service, preview. */
  readonly role: string;
  readonly objectName: string;
  readonly selector: Readonly<Record<string, string>>;
  /** @default "ClusterIP" */
  readonly type?: pulumi.Input<string>;
  /** Extra annotations on the Service. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly opts?: pulumi.CustomResourceOptions;
}

/** Creates a Service that sends `servicePort` to the container port of the selected pods. */
export function createService(ctx: WorkloadContext, spec: ServiceSpec): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    `${ctx.name}-${spec.role}`,
    {
      metadata: metadata(ctx, spec.objectName, spec.role, undefined, spec.annotations),
      spec: {
        type: spec.type ?? "ClusterIP",
        selector: { ...spec.selector },
        ports: [{ name: "http", port: ctx.servicePort, targetPort: ctx.port, protocol: "TCP" }],
      },
    },
    { ...spec.opts, parent: ctx.parent },
  );
}

/** The namespace of a declared object as the cluster reports it; "default" when none is set. */
export function namespaceOf(namespace: string | undefined): string {
  return namespace ?? "default";
}

/** The in-cluster URL of a Service: `http://name.namespace.svc.cluster.local[:port]`. */
export function serviceEndpoint(service: k8s.core.v1.Service, port: number): pulumi.Output<string> {
  const suffix = port === 80 ? "" : `:${port}`;
  return pulumi
    .all([service.metadata.name, service.metadata.namespace])
    .apply(([name, namespace]) => `http://${name}.${namespaceOf(namespace)}.svc.cluster.local${suffix}`);
}

/** Creates the PodDisruptionBudget over all pods of the service, when asked for. */
export function createDisruptionBudget(ctx: WorkloadContext): k8s.policy.v1.PodDisruptionBudget | undefined {
  const budget = ctx.args.disruptionBudget;
  if (!budget) return undefined;
  const limit = budget.minAvailable !== undefined ? {} : { maxUnavailable: budget.maxUnavailable ?? 1 };
  return new k8s.policy.v1.PodDisruptionBudget(
    `${ctx.name}-pdb`,
    {
      metadata: metadata(ctx, ctx.baseName, "pdb"),
      spec: { ...budget, ...limit, selector: { matchLabels: { ...ctx.appSelector } } },
    },
    { parent: ctx.parent },
  );
}

/** Creates the HorizontalPodAutoscaler of the serving Deployment, when asked for. */
export function createAutoscaler(
  ctx: WorkloadContext,
  target: k8s.apps.v1.Deployment,
): k8s.autoscaling.v2.HorizontalPodAutoscaler | undefined {
  const autoscaling = ctx.args.autoscaling;
  if (!autoscaling) return undefined;
  return new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    `${ctx.name}-hpa`,
    {
      metadata: metadata(ctx, ctx.baseName, "hpa"),
      spec: {
        ...autoscaling,
        minReplicas: autoscaling.minReplicas ?? ctx.release.replicas,
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target.metadata.name },
      },
    },
    { parent: ctx.parent },
  );
}
