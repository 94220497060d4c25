// Google Cloud: the documented limits of every input the Cloud Run components and the flag file
// set (Cloud Run v2 services and invoker IAM, service accounts, Secret Manager IAM, Cloud Storage).

import type { Inputs, Row } from "./engine";

const RUN = "https://cloud.google.com/run/docs";
const SERVICE = "gcp:cloudrunv2/service:Service";
const CONTAINERS = "template.containers.*";

/** An RFC 1035 label: lowercase letters, digits and -, a letter first, no - last. */
const LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const IAM_MEMBER =
  /^(allUsers|allAuthenticatedUsers|(user|serviceAccount|group|domain|principal|principalSet|deleted:(user|serviceAccount|group)):.+)$/;

function checkTraffic(value: unknown, inputs: Inputs): string | undefined {
  const targets = value as Inputs[];
  const sum = targets.reduce((s, t) => s + Number(t?.percent ?? 0), 0);
  if (sum !== 100) return `sends ${sum}% in all (must be 100)`;
  const tags = targets.map((t) => t?.tag).filter((t): t is string => typeof t === "string" && t !== "");
  if (new Set(tags).size !== tags.length) return "repeats a tag";
  const prefix = `${inputs.name}-`;
  const foreign = targets.find((t) => typeof t?.revision === "string" && !t.revision.startsWith(prefix));
  return foreign ? `names revision ${foreign.revision}, which is not ${prefix}...` : undefined;
}

/** Startup probes: 0-240 s delay and period; liveness probes: up to 3600 s. Timeout at most the period. */
function probeRows(kind: "startupProbe" | "livenessProbe", max: number): Row[] {
  const at = `${CONTAINERS}.${kind}`;
  const source = `${RUN}/configuring/healthchecks`;
  return [
    {
      type: SERVICE,
      path: `${at}.initialDelaySeconds`,
      range: [0, max],
      integer: true,
      rule: `${kind} initialDelaySeconds 0-${max}`,
      source,
    },
    {
      type: SERVICE,
      path: `${at}.periodSeconds`,
      range: [1, max],
      integer: true,
      rule: `${kind} periodSeconds 1-${max}`,
      source,
    },
    {
      type: SERVICE,
      path: `${at}.timeoutSeconds`,
      range: [1, 3600],
      integer: true,
      check: (v, _i, r) => {
        const period = (r.inputs.template?.containers ?? []).map((c: Inputs) => c?.[kind]?.periodSeconds);
        return period.some((p: unknown) => p !== undefined && Number(v) > Number(p))
          ? "is longer than the probe's period"
          : undefined;
      },
      rule: `${kind} timeoutSeconds 1-3600, at most periodSeconds`,
      source,
    },
    {
      type: SERVICE,
      path: `${at}.failureThreshold`,
      range: [1, 2147483647],
      integer: true,
      rule: `${kind} failureThreshold 1 or more`,
      source,
    },
  ];
}

/** Every documented limit of the Google Cloud inputs the components set. */
export const GCP_ROWS: readonly Row[] = [
  {
    type: SERVICE,
    path: "name",
    required: true,
    maxLength: 49,
    pattern: LABEL,
    unique: { scope: "project and region", key: (i) => `${i.project ?? ""}/${i.location}` },
    rule: "unique per project and region; 1-49 lowercase letters, digits and -, a letter first, not ending with -",
    source: `${RUN}/deploying#service`,
  },
  {
    type: SERVICE,
    path: "location",
    required: true,
    pattern: /^[a-z]+-[a-z]+\d+$/,
    rule: "a Cloud Run region such as europe-west1",
    source: `${RUN}/locations`,
  },
  {
    type: SERVICE,
    path: "ingress",
    oneOf: ["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"],
    rule: "ingress setting",
    source: `${RUN}/securing/ingress`,
  },
  {
    type: SERVICE,
    path: "annotations",
    check: (v) => {
      const bad = Object.keys(v as object).find(
        (k) =>
          !/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(
            k,
          ) || /^(run|cloud)\.googleapis\.com\/|^(serving|autoscaling)\.knative\.dev\//.test(k),
      );
      if (bad) return `has key ${bad}, not a Kubernetes annotation key Cloud Run v2 accepts`;
      const size = JSON.stringify(v).length;
      return size > 256 * 1024 ? `total ${size} bytes (at most 256 KiB)` : undefined;
    },
    rule: "Kubernetes annotation keys ([prefix/]name), not in the run.googleapis.com, cloud.googleapis.com or knative namespaces; 256 KiB in all",
    source:
      "https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services#Service.FIELDS.annotations",
  },
  {
    type: SERVICE,
    path: "traffics",
    count: [1, 1000],
    check: checkTraffic,
    rule: "percents sum to 100; tags unique; each revision named <service>-...",
    source: `${RUN}/rollouts-rollbacks-traffic-migration`,
  },
  {
    type: SERVICE,
    path: "traffics.*.percent",
    range: [0, 100],
    integer: true,
    rule: "whole percent 0-100",
    source: `${RUN}/rollouts-rollbacks-traffic-migration`,
  },
  {
    type: SERVICE,
    path: "traffics.*.type",
    oneOf: ["TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"],
    rule: "traffic target type",
    source: "https://cloud.google.com/run/docs/reference/rest/v2/TrafficTarget",
  },
  {
    type: SERVICE,
    path: "traffics.*.tag",
    pattern: LABEL,
    check: (v, i) =>
      String(v).length + String(i.name).length > 46
        ? `and service name ${i.name} are ${String(v).length + String(i.name).length} characters together (at most 46: the tag URL is one DNS label)`
        : undefined,
    rule: "lowercase letters, digits and -, a letter first; tag and service name together at most 46 characters",
    source: `${RUN}/rollouts-rollbacks-traffic-migration#tags`,
  },
  {
    type: SERVICE,
    path: "template.revision",
    maxLength: 63,
    pattern: LABEL,
    check: (v, i) => (String(v).startsWith(`${i.name}-`) ? undefined : `does not start with ${i.name}-`),
    rule: "a DNS label of at most 63 characters starting with <service>-",
    source:
      "https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services#RevisionTemplate",
  },
  {
    type: SERVICE,
    path: "template.scaling.minInstanceCount",
    range: [0, 1000],
    integer: true,
    rule: "minimum instances 0 or more",
    source: `${RUN}/configuring/min-instances`,
  },
  {
    type: SERVICE,
    path: "template.scaling.maxInstanceCount",
    range: [1, 1000],
    integer: true,
    check: (v, i) =>
      Number(v) < Number(i.template?.scaling?.minInstanceCount ?? 0) ? "is below the minimum" : undefined,
    rule: "maximum instances 1 or more, at least the minimum",
    source: `${RUN}/configuring/max-instances`,
  },
  {
    type: SERVICE,
    path: `${CONTAINERS}.ports.containerPort`,
    range: [1, 65535],
    integer: true,
    rule: "container port 1-65535",
    source: `${RUN}/configuring/services/containers#configure-port`,
  },
  {
    type: SERVICE,
    path: `${CONTAINERS}.envs.*.name`,
    pattern: /^[-._a-zA-Z][-._a-zA-Z0-9]*$/,
    check: (v) =>
      ["PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"].includes(String(v)) ? "is reserved" : undefined,
    rule: "letters, digits, _ . -, not starting with a digit; not PORT, K_SERVICE, K_REVISION or K_CONFIGURATION",
    source: `${RUN}/configuring/services/environment-variables`,
  },
  ...probeRows("startupProbe", 240),
  ...probeRows("livenessProbe", 3600),
  {
    type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    path: "member",
    required: true,
    pattern: IAM_MEMBER,
    rule: "allUsers, allAuthenticatedUsers, or <kind>:<identifier>",
    source: "https://cloud.google.com/iam/docs/principal-identifiers",
  },
  {
    type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    path: "role",
    required: true,
    pattern: /^(roles|projects\/[^/]+\/roles|organizations\/\d+\/roles)\/[\w.]+$/,
    rule: "a role name",
    source: "https://cloud.google.com/iam/docs/understanding-roles",
  },
  {
    type: "gcp:serviceaccount/account:Account",
    path: "accountId",
    required: true,
    pattern: /^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/,
    unique: { scope: "project", key: (i) => String(i.project ?? "") },
    rule: "unique per project; 6-30 lowercase letters, digits and -, a letter first, not ending with -",
    source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create",
  },
  {
    type: "gcp:serviceaccount/account:Account",
    path: "displayName",
    maxLength: 100,
    rule: "display name at most 100 characters",
    source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts#ServiceAccount",
  },
  {
    type: "gcp:secretmanager/secretIamMember:SecretIamMember",
    path: "member",
    required: true,
    pattern: IAM_MEMBER,
    rule: "allUsers, allAuthenticatedUsers, or <kind>:<identifier>",
    source: "https://cloud.google.com/iam/docs/principal-identifiers",
  },
  {
    type: "gcp:secretmanager/secretIamMember:SecretIamMember",
    path: "secretId",
    required: true,
    pattern: /^(projects\/[^/]+\/secrets\/)?[A-Za-z0-9_-]{1,255}$/,
    rule: "a secret ID (1-255 letters, digits, _ and -) or projects/<p>/secrets/<id>",
    source: "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create",
  },
  {
    type: "gcp:storage/bucketObject:BucketObject",
    path: "name",
    required: true,
    minLength: 1,
    check: (v) => {
      const name = String(v);
      if (Buffer.byteLength(name, "utf8") > 1024) return "is longer than 1024 bytes";
      if (/[\r\n]/.test(name) || name === "." || name === "..")
        return 'contains a line break, or is "." or ".."';
      return name.startsWith(".well-known/acme-challenge/")
        ? "starts with .well-known/acme-challenge/"
        : undefined;
    },
    rule: 'unique per bucket; 1-1024 bytes of UTF-8, no line breaks, not "." or "..", not under .well-known/acme-challenge/',
    source: "https://cloud.google.com/storage/docs/objects#naming",
  },
];
