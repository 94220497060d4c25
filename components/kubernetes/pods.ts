// Pod templates: image from version, env (plain, references, secrets), probes from health checks,
// labels and the annotations that record the release.

import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Health, type HttpCheck, labelValue, MetadataKey, type StrategyKind } from "../core";
import type { EnvValue, ImageSource, WorkloadArgs } from "./args";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;
type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;

/** Pod label with the service's name; every selector of the service includes it. */
export const LABEL_APP = "app";
/** Pod label with the canary slot (stable, canary); the slot Services and Deployments select it. */
export const LABEL_TRACK = "track";
/** Pod label with the blue-green colour; the active and preview Services select it. */
export const LABEL_COLOR = "color";
/** Pod label with the version. */
export const LABEL_VERSION = "version";

/**
 * On the objects the release driver's brake writes between `up`s (canary Ingress, HTTPRoute,
 * canary Deployment, blue-green Service): the provider applies server-side as its own field
 * manager, and without this the next `up` that changes a field the brake wrote fails with a
 * field conflict (found on a real API server: a second release after a revert). With it, `up`
 * takes those fields back, which is what the driver asks of it.
 */
export const DRIVER_WRITES: Readonly<Record<string, string>> = { "pulumi.com/patchForce": "true" };

/** The image for a version. */
export function imageFor(source: ImageSource, version: string): pulumi.Input<string> {
  if (typeof source === "function") return source(version);
  if (source.includes("{version}")) return source.split("{version}").join(version);
  return `${source}:${version}`;
}

function isPlainValue(value: EnvValue): value is pulumi.Input<string> {
  return typeof value === "string" || pulumi.Output.isInstance(value) || value instanceof Promise;
}

/** Environment variables, sorted by name; secret values are read from `secretName` with secretKeyRef. */
export function envVars(
  env: WorkloadArgs["env"] = {},
  secretEnv: WorkloadArgs["secretEnv"] = {},
  secretName?: pulumi.Input<string>,
): EnvVar[] {
  const out: EnvVar[] = Object.keys(env)
    .sort()
    .map((name) => {
      const value = env[name] as EnvValue;
      return isPlainValue(value) ? { name, value } : { name, valueFrom: value };
    });
  if (secretName !== undefined) {
    for (const name of Object.keys(secretEnv).sort()) {
      out.push({ name, valueFrom: { secretKeyRef: { name: secretName, key: name } } });
    }
  }
  return out;
}

/** A Kubernetes HTTP probe from a check; durations round up to whole seconds (the API's unit). */
export function probeFor(check: HttpCheck, port: number): Probe {
  return {
    httpGet: { path: check.path, port: check.port ?? port },
    initialDelaySeconds: Math.ceil(check.initialDelaySeconds),
    periodSeconds: Math.max(1, Math.ceil(check.intervalSeconds)),
    timeoutSeconds: Math.max(1, Math.ceil(check.timeoutSeconds)),
    successThreshold: check.successThreshold,
    failureThreshold: check.failureThreshold,
  };
}

/** Annotations that record the release on an object, for policy packs and the driver. */
export function releaseAnnotations(
  strategy: StrategyKind,
  role: string,
  version?: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...extra,
    [MetadataKey.strategy]: strategy,
    [MetadataKey.role]: role,
    ...(version !== undefined ? { [MetadataKey.version]: version } : {}),
  };
}

/** Everything a pod template needs. */
export interface PodTemplateInput {
  readonly args: WorkloadArgs;
  readonly health: Health;
  readonly port: number;
  readonly version: string;
  /** Labels that select this slot's pods (app plus track or colour). */
  readonly selector: Readonly<Record<string, string>>;
  readonly strategy: StrategyKind;
  readonly role: string;
  readonly secretName?: pulumi.Input<string>;
}

/** The pod template of one slot. */
export function podTemplate(template: PodTemplateInput): PodTemplate {
  const { args, health } = template;
  return {
    metadata: {
      labels: { ...args.labels, ...template.selector, [LABEL_VERSION]: labelValue(template.version) },
      annotations: releaseAnnotations(template.strategy, template.role, template.version, args.annotations),
    },
    spec: {
      ...args.pod,
      containers: [
        {
          ...args.container,
          name: "app",
          image: imageFor(args.image, template.version),
          ports: [{ name: "http", containerPort: template.port }],
          env: envVars(args.env, args.secretEnv, template.secretName),
          ...(health.readiness ? { readinessProbe: probeFor(health.readiness, template.port) } : {}),
          ...(health.liveness ? { livenessProbe: probeFor(health.liveness, template.port) } : {}),
        },
      ],
    },
  };
}
