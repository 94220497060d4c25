// The resources every Container Apps component builds: the identity that reads Key Vault and its
// role assignment (granted before the app exists), the revision ledger, and the Container App in
// Multiple revision mode whose template holds the ledger's template version and whose ingress
// traffic splits between the revisions of the state's versions.

import * as app from "@pulumi/azure-native/app";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import type * as inputs from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";
import {
  AzureTagKey,
  type HttpCheck,
  joinPath,
  type MetricsDescriptor,
  type Problem,
  problem,
  type Release,
  type RouterDescriptor,
  type StrategyKind,
  type TrafficState,
} from "../../core";
import { AZURE_DEFAULTS, checkProbe, checkWorkloadArgs, imageFor, parseArmId, releaseTags } from "../shared";
import { CONTAINER_APPS_DEFAULTS, type ContainerAppsArgs } from "./args";
import { RevisionLedger } from "./ledgerResource";
import {
  appNameFor,
  appTraffic,
  checkAppName,
  liveVersions,
  previewLabel,
  retiredByVersion,
  retiredRevisions,
  revisionName,
  revisionSuffix,
  templateHash,
} from "./revisions";

/** Built-in role "Key Vault Secrets User": read secret values. */
export const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";

/** A Key Vault secret URL (any Azure cloud): `https://<vault host>/secrets/<name>[/<version>]`. */
const KEY_VAULT_URL = /^https:\/\/[a-z0-9-]+\.vault\.[a-z0-9.-]+\/secrets\/[A-Za-z0-9-]+(\/[A-Za-z0-9]*)?$/;

/**
 * Container Apps probe ranges (Microsoft.App ContainerAppProbe). The API's initial delay starts at
 * 1 s; a delay of 0 (the default) is sent as 1.
 */
const PROBE_LIMITS = [
  { field: "initialDelaySeconds", min: 0, max: 60 },
  { field: "intervalSeconds", min: 1, max: 240 },
  { field: "timeoutSeconds", min: 1, max: 240 },
  { field: "successThreshold", min: 1, max: 10 },
  { field: "failureThreshold", min: 1, max: 10 },
] as const;

/** The Container Apps secret name of a secretEnv entry: `DB_PASSWORD` -> `db-password`. */
export function secretName(envName: string): string {
  return envName.toLowerCase().replace(/_/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "") || "secret";
}

/** The app name the args ask for. */
export function appNameOf(name: string, args: Pick<ContainerAppsArgs, "appName">): string {
  return args.appName ?? appNameFor(name);
}

/** Container Apps checks of the args, collected with the core's problems. */
export function checkContainerAppsArgs(
  name: string,
  args: ContainerAppsArgs,
  release: Release,
  problems: Problem[],
): void {
  checkWorkloadArgs(args, args.secretEnv, problems);
  checkAppName(appNameOf(name, args), args.appName === undefined ? "name" : "appName", problems);
  checkProbe(release.health.readiness, "health.readiness", "Container Apps", PROBE_LIMITS, problems);
  checkProbe(release.health.liveness, "health.liveness", "Container Apps", PROBE_LIMITS, problems);
  const liveness = release.health.liveness;
  if (liveness && liveness.successThreshold !== 1) {
    problems.push(
      problem(
        "health.liveness.successThreshold",
        liveness.successThreshold,
        "must be 1 on a Container Apps liveness probe",
        "remove successThreshold from the liveness check",
      ),
    );
  }
  const max = args.maxReplicas;
  if (max !== undefined && !(Number.isInteger(max) && max >= release.replicas && max <= 1000)) {
    problems.push(
      problem(
        "maxReplicas",
        max,
        `must be a whole number from replicas (${release.replicas}) to 1000`,
        `use ${Math.max(release.replicas, CONTAINER_APPS_DEFAULTS.maxReplicas)}`,
      ),
    );
  }
  const secrets = new Map<string, string>();
  for (const [env, url] of Object.entries(args.secretEnv ?? {})) {
    const path = joinPath("secretEnv", env);
    if (typeof url === "string" && !KEY_VAULT_URL.test(url)) {
      problems.push(
        problem(
          path,
          url,
          "is not a Key Vault secret URL",
          'use "https://<vault>.vault.azure.net/secrets/<name>" (Container Apps reads it with the app\'s identity)',
        ),
      );
    }
    const other = secrets.get(secretName(env));
    if (other !== undefined) {
      problems.push(
        problem(
          path,
          env,
          `maps to the same Container Apps secret name "${secretName(env)}" as ${other}`,
          "rename one of the two variables",
        ),
      );
    }
    secrets.set(secretName(env), env);
  }
  const grants = args.grantKeyVaultAccess ?? true;
  if (Object.keys(args.secretEnv ?? {}).length > 0 && grants && args.keyVaultId === undefined) {
    problems.push(
      problem(
        "keyVaultId",
        undefined,
        "is required when secretEnv is set: the app's identity must be granted Key Vault Secrets User before the app exists",
        "pass the vault's resource ID, or grantKeyVaultAccess: false with an identity that already has the role",
      ),
    );
  }
  if (!grants && args.identity === undefined && Object.keys(args.secretEnv ?? {}).length > 0) {
    problems.push(
      problem(
        "grantKeyVaultAccess",
        false,
        "leaves a new identity without access to the Key Vault",
        "pass identity (one that has Key Vault Secrets User), or let the component grant it",
      ),
    );
  }
}

/** A Container Apps probe from a check; durations round up to whole seconds. */
export function probeFor(type: "Readiness" | "Liveness", check: HttpCheck, port: number) {
  return {
    type,
    httpGet: { path: check.path, port: check.port ?? port },
    initialDelaySeconds: Math.max(1, Math.ceil(check.initialDelaySeconds)),
    periodSeconds: Math.ceil(check.intervalSeconds),
    timeoutSeconds: Math.ceil(check.timeoutSeconds),
    successThreshold: check.successThreshold,
    failureThreshold: check.failureThreshold,
  };
}

/** Keys sorted at every level, so equal templates give equal hashes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/** Everything the component needs back from {@link buildContainerApp}. */
export interface BuiltApp {
  readonly app: app.ContainerApp;
  readonly appName: string;
  readonly ledger: RevisionLedger;
  /** Revision of each version of the state. */
  readonly revisions: pulumi.Output<Record<string, string>>;
  /** Revisions deployed earlier that take no traffic now (active until deactivated). */
  readonly retiredRevisions: pulumi.Output<string[]>;
  readonly templateVersion: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly previewEndpoint: pulumi.Output<string | undefined>;
  readonly router: pulumi.Output<RouterDescriptor>;
  readonly metrics: pulumi.Output<MetricsDescriptor>;
  readonly identity?: managedidentity.UserAssignedIdentity;
}

/** Builds the identity, role assignment, ledger and Container App of one component. */
export function buildContainerApp(
  parent: pulumi.Resource,
  name: string,
  args: ContainerAppsArgs,
  release: Release,
  kind: StrategyKind,
  traffic: TrafficState,
): BuiltApp {
  const appName = appNameOf(name, args);
  const port = args.port ?? AZURE_DEFAULTS.port;
  const secretEnv = args.secretEnv ?? {};
  const hasSecrets = Object.keys(secretEnv).length > 0;
  const tags = releaseTags(args.tags, { [AzureTagKey.strategy]: kind });
  const base = {
    resourceGroupName: args.resourceGroupName,
    ...(args.location !== undefined ? { location: args.location } : {}),
  };

  // The identity exists, and holds its role, before the app that reads Key Vault with it.
  const created =
    hasSecrets && args.identity === undefined
      ? new managedidentity.UserAssignedIdentity(
          `${name}-identity`,
          { ...base, resourceName: `${appName}-identity`, tags },
          { parent },
        )
      : undefined;
  const identity = args.identity ?? created;
  const role =
    hasSecrets && identity && (args.grantKeyVaultAccess ?? true) && args.keyVaultId !== undefined
      ? new authorization.RoleAssignment(
          `${name}-key-vault-secrets-user`,
          {
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: pulumi
              .output(args.keyVaultId)
              .apply(
                (id) =>
                  `/subscriptions/${parseArmId(id).subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}`,
              ),
            scope: args.keyVaultId,
          },
          { parent },
        )
      : undefined;

  const env: inputs.app.EnvironmentVarArgs[] = [
    ...Object.keys(args.env ?? {})
      .sort()
      .map((n) => ({ name: n, value: args.env?.[n] })),
    ...Object.keys(secretEnv)
      .sort()
      .map((n) => ({ name: n, secretRef: secretName(n) })),
  ];
  const { readiness, liveness } = release.health;
  const body = (version: string): inputs.app.TemplateArgs => ({
    ...args.template,
    containers: [
      {
        ...args.container,
        name: "app",
        image: imageFor(args.image, version),
        resources: {
          cpu: args.cpu ?? AZURE_DEFAULTS.cpu,
          memory: `${args.memoryGiB ?? AZURE_DEFAULTS.memoryGiB}Gi`,
        },
        env,
        probes: [
          ...(readiness ? [probeFor("Readiness", readiness, port)] : []),
          ...(liveness ? [probeFor("Liveness", liveness, port)] : []),
        ],
      },
    ],
    scale: {
      ...args.scale,
      minReplicas: release.replicas,
      maxReplicas: args.maxReplicas ?? Math.max(release.replicas, CONTAINER_APPS_DEFAULTS.maxReplicas),
    },
  });
  // Secret env values that are plain Pulumi secrets hash like any value: the hash is 24 bits of a
  // whole template, not the value; keep real secrets in Key Vault (secretEnv).
  const suffixOf = (version: string) =>
    pulumi
      .unsecret(pulumi.output(body(version)))
      .apply((t) => revisionSuffix(appName, version, templateHash(canonicalJson(t))));
  const versions = liveVersions(traffic);
  const names = pulumi
    .all(versions.map((v) => suffixOf(v).apply((s) => [v, revisionName(appName, s)] as const)))
    .apply((pairs) => Object.fromEntries(pairs) as Record<string, string>);
  const ledger = new RevisionLedger(`${name}-revisions`, { versions, names }, { parent });
  const revisions = pulumi
    .all([ledger.revisions, names])
    .apply(([all, now]) =>
      Object.fromEntries(Object.keys(now).map((v) => [v, all[v] ?? (now[v] as string)])),
    );
  const template = ledger.templateVersion.apply((v) =>
    pulumi
      .all([pulumi.output(body(v)), suffixOf(v)])
      .apply(([t, revisionSuffix]) => ({ ...t, revisionSuffix })),
  );

  const containerApp = new app.ContainerApp(
    `${name}-app`,
    {
      ...base,
      containerAppName: appName,
      environmentId: args.environmentId,
      ...(identity ? { identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] } } : {}),
      configuration: {
        ...args.configuration,
        activeRevisionsMode: "Multiple",
        ingress: {
          ...args.ingress,
          external: args.external ?? CONTAINER_APPS_DEFAULTS.external,
          targetPort: port,
          traffic: revisions.apply((r) => appTraffic(kind, traffic, r)),
        },
        ...(hasSecrets && identity
          ? {
              secrets: Object.keys(secretEnv)
                .sort()
                .map((n) => ({ name: secretName(n), keyVaultUrl: secretEnv[n], identity: identity.id })),
            }
          : {}),
      },
      template,
      tags,
    },
    { parent, ...(role ? { dependsOn: [role] } : {}) },
  );

  const remembered = pulumi.all([ledger.revisions, revisions]);
  const retired = remembered.apply(([all, now]) => retiredByVersion(all, now));
  const fqdn = containerApp.configuration.apply((c) => c?.ingress?.fqdn ?? "");
  const label = previewLabel(kind, traffic);
  const arm = containerApp.id.apply(parseArmId);
  return {
    app: containerApp,
    appName,
    ledger,
    revisions,
    retiredRevisions: remembered.apply(([all, now]) => retiredRevisions(all, now)),
    templateVersion: ledger.templateVersion,
    endpoint: fqdn.apply((f) => `https://${f}`),
    previewEndpoint: fqdn.apply((f) =>
      label === undefined ? undefined : `https://${appName}---${label}.${f.slice(appName.length + 1)}`,
    ),
    router: pulumi.all([arm, pulumi.output(args.resourceGroupName), revisions, retired]).apply(
      ([id, resourceGroup, r, gone]): RouterDescriptor => ({
        kind: "azure-container-apps",
        subscriptionId: id.subscriptionId,
        resourceGroup,
        app: appName,
        revisions: r,
        retired: gone,
      }),
    ),
    metrics: pulumi.all([containerApp.id, revisions]).apply(
      ([resourceId, r]): MetricsDescriptor => ({
        kind: "azure-monitor-container-apps",
        resourceId,
        revisions: r,
      }),
    ),
    ...(created ? { identity: created } : {}),
  };
}
