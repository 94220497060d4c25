// The Cloud Run service every component builds: a service account with least privilege (when none
// is given), Secret Manager accessor grants on exactly the secrets the env names, the service with
// one revision template and explicit revision traffic targets, and the invoker IAM members.
//
// Before it declares the service, the component reads the live one (gcp.cloudrunv2.getService) for
// its revision ledger (see revisions.ts): which revisions exist and which one the template holds,
// so a revert or a blue-green switch changes traffic only and never re-applies an older template.
// A service that does not exist yet (first deploy, or a read that fails) has no ledger.

import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  type Health,
  type HttpCheck,
  type MetricsDescriptor,
  type RouterDescriptor,
  shortHash,
} from "../core";
import { CLOUD_RUN_DEFAULTS, type CloudRunArgs, type ImageSource, INGRESS_VALUES } from "./args";
import {
  LEDGER_ANNOTATION,
  parseLedger,
  planRevisions,
  type RevisionLedger,
  type RevisionPlan,
  revisionName,
  type TrafficTarget,
} from "./revisions";

type Template = gcp.types.input.cloudrunv2.ServiceTemplate;
type Container = gcp.types.input.cloudrunv2.ServiceTemplateContainer;
type Probe = gcp.types.input.cloudrunv2.ServiceTemplateContainerStartupProbe &
  gcp.types.input.cloudrunv2.ServiceTemplateContainerLivenessProbe;
/** A template with every input resolved. */
type PlainTemplate = pulumi.Unwrap<Template>;

/** IAM member that makes a service public. */
export const ALL_USERS = "allUsers";
/** Role that lets a member call a Cloud Run service. */
export const INVOKER_ROLE = "roles/run.invoker";
/** Role that lets the service account read a secret's versions. */
export const SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";

/** The image for a version. */
export function imageFor(source: ImageSource, version: string): pulumi.Input<string> {
  if (typeof source === "function") return source(version);
  if (source.includes("{version}")) return source.split("{version}").join(version);
  return `${source}:${version}`;
}

/** A Cloud Run HTTP probe from a check; durations round up to whole seconds (the API's unit). */
export function probeFor(check: HttpCheck, port: number): Probe {
  const periodSeconds = Math.max(1, Math.ceil(check.intervalSeconds));
  return {
    httpGet: { path: check.path, port: check.port ?? port },
    initialDelaySeconds: Math.ceil(check.initialDelaySeconds),
    periodSeconds,
    // Cloud Run refuses a probe timeout longer than its period.
    timeoutSeconds: Math.min(periodSeconds, Math.max(1, Math.ceil(check.timeoutSeconds))),
    failureThreshold: check.failureThreshold,
  };
}

/**
 * A service account ID (6-30 characters, unique per project) for a service name: `<service>-run`,
 * or for a name longer than 25 characters a prefix and a hash of the whole name, so two services
 * that share their first 25 characters do not share an account.
 */
export function accountIdFor(serviceName: string): string {
  const base =
    serviceName.length <= 25
      ? serviceName
      : `${serviceName.slice(0, 18).replace(/-+$/, "")}-${shortHash(serviceName)}`;
  const id = `${base}-run`;
  return id.length >= 6 ? id : `${id}-sa`;
}

/** The revision template of a version, without its revision name. */
function templateFor(base: PlainTemplate, image: string): PlainTemplate {
  const [container, ...rest] = base.containers ?? [];
  return { ...base, containers: [{ ...(container as pulumi.Unwrap<Container>), image }, ...rest] };
}

/** What {@link deployCloudRun} needs from a component. */
export interface DeployInput {
  readonly name: string;
  readonly serviceName: string;
  readonly health: Health;
  /** Versions that get traffic targets. */
  readonly live: readonly string[];
  /** The version the traffic state would build (the candidate, else stable). */
  readonly proposed: string;
  /** The traffic targets for the decided revisions. */
  readonly traffic: (plan: RevisionPlan) => TrafficTarget[];
}

/** What {@link deployCloudRun} created. */
export interface CloudRunDeployment {
  readonly service: gcp.cloudrunv2.Service;
  readonly plan: pulumi.Output<RevisionPlan>;
  readonly project: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly serviceAccount: pulumi.Output<string>;
  /** The URL of a traffic tag, once Cloud Run reports it. */
  tagUrl(tag: string): pulumi.Output<string | undefined>;
}

/** The live service's revision ledger; undefined when the service does not exist or has none. */
function readLedger(args: CloudRunArgs, serviceName: string, parent: pulumi.Resource) {
  const read = gcp.cloudrunv2.getService(
    { name: serviceName, location: args.location, ...(args.project ? { project: args.project } : {}) },
    { parent },
  );
  return pulumi.output(
    read.then(
      (live): RevisionLedger | undefined => parseLedger(live?.annotations),
      (err: unknown) => {
        // Not found is a first deploy. Anything else leaves the component blind to the revisions
        // that exist: say so, since re-applying an existing revision then fails with 409.
        const text = err instanceof Error ? err.message : String(err);
        if (!/not ?found|404/i.test(text)) {
          pulumi.log.warn(
            `could not read Cloud Run service ${serviceName} (${text}); its revision ledger is unknown, so a revert may re-apply an existing revision and fail with 409: check the credentials' run.services.get permission`,
            parent,
          );
        }
        return undefined;
      },
    ),
  );
}

function serviceAccountOf(parent: pulumi.Resource, name: string, serviceName: string, args: CloudRunArgs) {
  if (args.serviceAccount !== undefined) return pulumi.output(args.serviceAccount);
  // No project roles: the account can read exactly the secrets granted below, nothing else.
  const account = new gcp.serviceaccount.Account(
    `${name}-sa`,
    {
      accountId: accountIdFor(serviceName),
      displayName: `Cloud Run service ${serviceName}`,
      ...(args.project ? { project: args.project } : {}),
    },
    { parent },
  );
  return account.email;
}

function grantSecrets(
  parent: pulumi.Resource,
  name: string,
  args: CloudRunArgs,
  email: pulumi.Output<string>,
) {
  const seen = new Set<unknown>();
  const grants: pulumi.Resource[] = [];
  for (const [envName, ref] of Object.entries(args.secretEnv ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (typeof ref.secret === "string" && seen.has(ref.secret)) continue;
    seen.add(ref.secret);
    grants.push(
      new gcp.secretmanager.SecretIamMember(
        `${name}-secret-${envName.toLowerCase()}`,
        {
          secretId: ref.secret,
          role: SECRET_ACCESSOR_ROLE,
          member: pulumi.interpolate`serviceAccount:${email}`,
          ...(args.project ? { project: args.project } : {}),
        },
        { parent },
      ),
    );
  }
  return grants;
}

function baseTemplate(args: CloudRunArgs, health: Health, email: pulumi.Output<string>): Template {
  const port = args.port ?? CLOUD_RUN_DEFAULTS.port;
  const envs = [
    ...Object.keys(args.env ?? {})
      .sort()
      .map((name) => ({ name, value: args.env?.[name] as pulumi.Input<string> })),
    ...Object.keys(args.secretEnv ?? {})
      .sort()
      .map((name) => {
        const ref = args.secretEnv?.[name];
        return {
          name,
          valueSource: {
            secretKeyRef: {
              secret: ref?.secret as pulumi.Input<string>,
              version: ref?.version ?? CLOUD_RUN_DEFAULTS.secretVersion,
            },
          },
        };
      }),
  ];
  const container: Omit<Container, "image"> = {
    ...args.container,
    ports: { containerPort: port },
    ...(envs.length > 0 ? { envs } : {}),
    resources: {
      limits: { cpu: args.cpu ?? CLOUD_RUN_DEFAULTS.cpu, memory: args.memory ?? CLOUD_RUN_DEFAULTS.memory },
    },
    ...(health.readiness ? { startupProbe: probeFor(health.readiness, port) } : {}),
    ...(health.liveness ? { livenessProbe: probeFor(health.liveness, port) } : {}),
  };
  return {
    ...args.template,
    serviceAccount: email,
    scaling: {
      minInstanceCount: args.minInstances ?? CLOUD_RUN_DEFAULTS.minInstances,
      maxInstanceCount: args.maxInstances ?? CLOUD_RUN_DEFAULTS.maxInstances,
    },
    containers: [container as Container],
  };
}

/** Builds the service of one component (see the file comment). */
export function deployCloudRun(
  parent: pulumi.Resource,
  args: CloudRunArgs,
  input: DeployInput,
): CloudRunDeployment {
  const { name, serviceName } = input;
  const email = serviceAccountOf(parent, name, serviceName, args);
  const grants = grantSecrets(parent, name, args, email);
  const base = pulumi.output(baseTemplate(args, input.health, email)) as pulumi.Output<PlainTemplate>;
  const ledger = readLedger(args, serviceName, parent);

  // Names hash the config without its secrecy: a name is not a secret, and the descriptors that
  // carry it must stay plain.
  const plan = pulumi.all([ledger, pulumi.unsecret(base)]).apply(([known, plain]) => {
    const versions = [
      ...new Set([...input.live, input.proposed, ...(known ? [known.template.version] : [])]),
    ];
    return pulumi
      .all(versions.map((v) => pulumi.unsecret(pulumi.output(imageFor(args.image, v)))))
      .apply((images) => {
        const imageOf = new Map(versions.map((v, i) => [v, images[i] as string]));
        return planRevisions({
          live: input.live,
          proposed: input.proposed,
          nameFor: (v) => revisionName(serviceName, v, templateFor(plain, imageOf.get(v) as string)),
          ...(known ? { ledger: known } : {}),
        });
      });
  });
  const template = pulumi
    .all([plan, base])
    .apply(([p, b]) =>
      pulumi
        .output(imageFor(args.image, p.templateVersion))
        .apply((image) => ({ ...templateFor(b, image), revision: p.templateRevision })),
    );

  const service = new gcp.cloudrunv2.Service(
    `${name}-service`,
    {
      deletionProtection: false,
      ...args.service,
      name: serviceName,
      location: args.location,
      ...(args.project ? { project: args.project } : {}),
      ingress: INGRESS_VALUES[args.ingress ?? CLOUD_RUN_DEFAULTS.ingress],
      annotations: plan.apply((p) => ({ [LEDGER_ANNOTATION]: JSON.stringify(p.ledger) })),
      template: template as pulumi.Input<Template>,
      traffics: plan.apply((p) => input.traffic(p)),
    },
    { parent, dependsOn: grants },
  );

  const members = args.invokers === "public" ? [ALL_USERS] : [...(args.invokers ?? [])];
  members.forEach((member, i) => {
    const suffix =
      member === ALL_USERS ? "public" : typeof member === "string" ? shortHash(member) : String(i);
    new gcp.cloudrunv2.ServiceIamMember(
      `${name}-invoker-${suffix}`,
      {
        name: service.name,
        location: service.location,
        project: service.project,
        role: INVOKER_ROLE,
        member,
      },
      { parent },
    );
  });

  return {
    service,
    plan,
    project: service.project,
    endpoint: service.uri,
    serviceAccount: email,
    tagUrl: (tag) =>
      service.trafficStatuses.apply((s) => (s ?? []).find((t) => t.tag === tag)?.uri || undefined),
  };
}

/** The router and metrics descriptors of a deployment: the service and the revision of each live version. */
export function descriptors(
  deployment: CloudRunDeployment,
  location: string,
  serviceName: string,
): { router: pulumi.Output<RouterDescriptor>; metrics: pulumi.Output<MetricsDescriptor> } {
  const where = pulumi.all([deployment.project, deployment.plan]).apply(([project, p]) => ({
    project,
    location,
    service: serviceName,
    revisions: { ...p.revisions },
  }));
  return {
    router: where.apply((w): RouterDescriptor => ({ kind: "gcp-cloud-run", ...w })),
    metrics: where.apply((w): MetricsDescriptor => ({ kind: "cloud-monitoring-run", ...w })),
  };
}
