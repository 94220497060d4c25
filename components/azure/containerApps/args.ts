// Arguments every Container Apps component shares. Container, scale, ingress and configuration
// options are azure-native's input types with the fields this project owns removed, so every other
// option (registries, dapr, volumes, scale rules, CORS, IP restrictions...) passes through.

import type * as inputs from "@pulumi/azure-native/types/input";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgNames } from "../../core";
import { AZURE_WORKLOAD_ARG_NAMES, type AzureWorkloadArgs } from "../shared";

/** Container options other than the ones the component sets. */
export type ContainerOptions = Omit<
  inputs.app.ContainerArgs,
  "name" | "image" | "env" | "probes" | "resources"
>;

/** Revision template options other than the containers, suffix and replica bounds. */
export type TemplateOptions = Omit<inputs.app.TemplateArgs, "containers" | "revisionSuffix" | "scale">;

/** Scale options other than the replica bounds (rules, cooldownPeriod, pollingInterval). */
export type ScaleOptions = Omit<inputs.app.ScaleArgs, "minReplicas" | "maxReplicas">;

/** Ingress options other than the ones the component sets (external, targetPort, traffic). */
export type IngressOptions = Omit<inputs.app.IngressArgs, "external" | "targetPort" | "traffic">;

/** App configuration other than the revision mode, ingress and secrets (registries, dapr, maxInactiveRevisions...). */
export type ConfigurationOptions = Omit<
  inputs.app.ConfigurationArgs,
  "activeRevisionsMode" | "ingress" | "secrets" | "targetLabel"
>;

/** A user-assigned identity that already exists. */
export interface ExistingIdentity {
  /** Its resource ID. */
  readonly id: pulumi.Input<string>;
  /** Its principal (object) ID, for the Key Vault role assignment. */
  readonly principalId: pulumi.Input<string>;
}

/** What every Container Apps component takes besides its strategy and traffic state. */
export interface ContainerAppsArgs extends AzureWorkloadArgs {
  /** Resource ID of the Container Apps environment (Microsoft.App/managedEnvironments). */
  readonly environmentId: pulumi.Input<string>;
  /** Name of the Container App. @default the component name as a Container App name (at most 32 characters) */
  readonly appName?: string;
  /** Fewest replicas of each active revision (stable stays at this size during a canary). @default 2 */
  readonly replicas?: number;
  /** Most replicas of each revision. @default the larger of replicas and 10 */
  readonly maxReplicas?: number;
  /** Reachable from the internet (true) or only inside the environment's network (false). @default true */
  readonly external?: boolean;
  /**
   * Secret environment values as Key Vault secret URLs (`https://<vault>.vault.azure.net/secrets/<name>[/<version>]`),
   * read by the app through a user-assigned identity. The values never pass through Pulumi.
   * @default {}
   */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Resource ID of the Key Vault the secretEnv URLs point into; the identity is granted
   * "Key Vault Secrets User" on it before the app is created.
   * @default none: required when secretEnv is set and grantKeyVaultAccess is true
   */
  readonly keyVaultId?: pulumi.Input<string>;
  /** Identity the app reads Key Vault with. @default a new user-assigned identity, when secretEnv is set */
  readonly identity?: ExistingIdentity;
  /** Create the role assignment on keyVaultId (false when the identity already has it). @default true */
  readonly grantKeyVaultAccess?: boolean;
  /** Other container options: command, args, volumeMounts... @default {} */
  readonly container?: ContainerOptions;
  /** Other revision template options: volumes, initContainers, terminationGracePeriodSeconds... @default {} */
  readonly template?: TemplateOptions;
  /** Scale rules and timings. @default {} */
  readonly scale?: ScaleOptions;
  /** Other ingress options: transport, allowInsecure, ipSecurityRestrictions, corsPolicy... @default {} */
  readonly ingress?: IngressOptions;
  /** Other app configuration: registries, dapr, maxInactiveRevisions... @default {} */
  readonly configuration?: ConfigurationOptions;
}

/** Defaults of {@link ContainerAppsArgs}. */
export const CONTAINER_APPS_DEFAULTS = { maxReplicas: 10, external: true } as const;

/** Every argument name of {@link ContainerAppsArgs}, for the components' `ArgNames`. */
export const CONTAINER_APPS_ARG_NAMES = {
  ...AZURE_WORKLOAD_ARG_NAMES,
  environmentId: true,
  appName: true,
  replicas: true,
  maxReplicas: true,
  external: true,
  secretEnv: true,
  keyVaultId: true,
  identity: true,
  grantKeyVaultAccess: true,
  container: true,
  template: true,
  scale: true,
  ingress: true,
  configuration: true,
} as const satisfies ArgNames<ContainerAppsArgs>;
