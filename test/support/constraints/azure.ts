// Azure: the documented limits of every input the Azure components set (Container Apps, user
// identities and role assignments, Container Instances, Traffic Manager, Front Door, App
// Configuration). azure-native names a top-level resource given no name `<logical name><8 random hex>`.

import { type Inputs, type Row, type TagRules, tagRow } from "./engine";

const NAMES = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules";
const ACA = "https://learn.microsoft.com/azure/container-apps";
const ACI = "https://learn.microsoft.com/azure/container-instances";
const TM = "https://learn.microsoft.com/azure/traffic-manager";
const AFD = "https://learn.microsoft.com/azure/frontdoor";

const APP = "azure-native:app:ContainerApp";
const GROUP = "azure-native:containerinstance:ContainerGroup";
const TM_PROFILE = "azure-native:trafficmanager:Profile";
const TM_ENDPOINT = "azure-native:trafficmanager:Endpoint";

/** azure-native's auto-name of a top-level resource: the logical name and 8 random hex digits. */
const AUTO = { separator: "", random: 8 } as const;

/** Tag names cannot contain < > % & \ ? /; names up to 512, values up to 256; 50 tags. */
const TAGS: TagRules = {
  maxCount: 50,
  maxKeyLength: 512,
  maxValueLength: 256,
  key: /^[^<>%&\\?/]+$/,
  value: /^[\s\S]*$/,
};

const tags = (type: string): Row =>
  tagRow(
    type,
    TAGS,
    "at most 50 tags; names 1-512 characters without < > % & \\ ? /; values at most 256",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations",
  );

/** Lowercase letters, digits and -, alphanumeric at both ends, no `--`. */
const LOWER_DASHED = /^(?!.*--)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** Letters, digits and -, alphanumeric at both ends (Front Door names). */
const DASHED = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
/** A DNS label: lowercase letters, digits and -, a letter first. */
const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

function checkAppTraffic(value: unknown): string | undefined {
  const entries = value as Inputs[];
  const sum = entries.reduce((s, e) => s + Number(e?.weight ?? 0), 0);
  if (sum !== 100) return `weights sum to ${sum} (must be 100)`;
  const labels = entries.map((e) => e?.label).filter((l): l is string => typeof l === "string");
  return new Set(labels).size === labels.length ? undefined : "repeats a label";
}

/** Container Apps probes (ContainerAppProbe): delay 1-60, period and timeout 1-240, thresholds 1-10. */
function appProbeRows(): Row[] {
  const at = "template.containers.*.probes.*";
  const source = `${ACA}/health-probes`;
  const limits = [
    ["initialDelaySeconds", 1, 60],
    ["periodSeconds", 1, 240],
    ["timeoutSeconds", 1, 240],
    ["failureThreshold", 1, 10],
  ] as const;
  return [
    ...limits.map(
      ([k, min, max]): Row => ({
        type: APP,
        path: `${at}.${k}`,
        range: [min, max],
        integer: true,
        rule: `probe ${k} ${min}-${max}`,
        source,
      }),
    ),
    {
      type: APP,
      path: `${at}.successThreshold`,
      range: [1, 10],
      integer: true,
      check: (_v, _i, r) => {
        const probes: Inputs[] = (r.inputs.template?.containers ?? []).flatMap(
          (c: Inputs) => c?.probes ?? [],
        );
        return probes.some(
          (p) => p?.type !== "Readiness" && p?.successThreshold !== undefined && p.successThreshold !== 1,
        )
          ? "is not 1 on a liveness or startup probe"
          : undefined;
      },
      rule: "probe successThreshold 1-10, and 1 for liveness and startup probes",
      source,
    },
    {
      type: APP,
      path: `${at}.type`,
      oneOf: ["Liveness", "Readiness", "Startup"],
      rule: "probe type",
      source,
    },
  ];
}

/** Container Instances probes: Kubernetes probe fields (ContainerProbe), each at least its minimum. */
function groupProbeRows(): Row[] {
  const source =
    "https://learn.microsoft.com/rest/api/container-instances/container-groups/create-or-update#containerprobe";
  return (["readinessProbe", "livenessProbe"] as const).flatMap((probe) =>
    (
      [
        ["initialDelaySeconds", 0],
        ["periodSeconds", 1],
        ["timeoutSeconds", 1],
        ["successThreshold", 1],
        ["failureThreshold", 1],
      ] as const
    ).map(
      ([k, min]): Row => ({
        type: GROUP,
        path: `containers.*.${probe}.${k}`,
        range: [min, 2147483647],
        integer: true,
        rule: `${probe} ${k} a whole number of at least ${min}`,
        source,
      }),
    ),
  );
}

/** Every documented limit of the Azure inputs the components set. */
export const AZURE_ROWS: readonly Row[] = [
  // Container Apps.
  {
    type: APP,
    path: "containerAppName",
    required: true,
    minLength: 2,
    maxLength: 32,
    pattern: /^(?!.*--)[a-z]([a-z0-9-]*[a-z0-9])?$/,
    unique: { scope: "resource group", key: (i) => String(i.resourceGroupName) },
    rule: "unique per resource group; 2-32 lowercase letters, digits and -, a letter first, alphanumeric last, no --",
    source: `${NAMES}#microsoftapp`,
  },
  {
    type: APP,
    path: "template.revisionSuffix",
    pattern: /^(?!.*--)[a-z]([a-z0-9-]*[a-z0-9])?$/,
    check: (v, i) =>
      `${i.containerAppName}--${v}`.length > 54
        ? `makes the revision name ${i.containerAppName}--${v} longer than 54 characters`
        : undefined,
    rule: "lowercase letters, digits and -, a letter first, alphanumeric last, no --; <app>--<suffix> at most 54 characters",
    source: `${ACA}/revisions#revision-name-suffix`,
  },
  {
    type: APP,
    path: "configuration.activeRevisionsMode",
    oneOf: ["Single", "Multiple", "Labels"],
    rule: "revision mode",
    source: `${ACA}/revisions#revision-modes`,
  },
  {
    type: APP,
    path: "configuration.ingress.traffic",
    count: [1, 100],
    check: checkAppTraffic,
    rule: "weights sum to 100; labels unique",
    source: `${ACA}/traffic-splitting`,
  },
  {
    type: APP,
    path: "configuration.ingress.traffic.*.weight",
    range: [0, 100],
    integer: true,
    rule: "whole weight 0-100",
    source: `${ACA}/traffic-splitting`,
  },
  {
    type: APP,
    path: "configuration.ingress.traffic.*.label",
    pattern: /^(?!.*--)[a-z]([a-z0-9-]*[a-z0-9])?$/,
    maxLength: 64,
    rule: "lowercase letters, digits and -, a letter first, alphanumeric last, no --",
    source: `${ACA}/traffic-splitting#use-cases`,
  },
  {
    type: APP,
    path: "configuration.ingress.traffic.*.revisionName",
    check: (v, i) =>
      String(v).startsWith(`${i.containerAppName}--`)
        ? undefined
        : `is not a revision of ${i.containerAppName}`,
    rule: "<app>--<suffix>",
    source: `${ACA}/revisions#revision-name-suffix`,
  },
  {
    type: APP,
    path: "configuration.ingress.targetPort",
    range: [1, 65535],
    integer: true,
    rule: "port 1-65535",
    source: `${ACA}/ingress-overview`,
  },
  {
    type: APP,
    path: "configuration.secrets.*.name",
    maxLength: 253,
    pattern: /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
    rule: "lowercase letters, digits, - and ., alphanumeric at both ends",
    source: `${ACA}/manage-secrets`,
  },
  {
    type: APP,
    path: "template.scale.minReplicas",
    range: [0, 1000],
    integer: true,
    rule: "minimum replicas 0-1000",
    source: `${ACA}/scale-app`,
  },
  {
    type: APP,
    path: "template.scale.maxReplicas",
    range: [1, 1000],
    integer: true,
    check: (v, i) =>
      Number(v) < Number(i.template?.scale?.minReplicas ?? 0) ? "is below minReplicas" : undefined,
    rule: "maximum replicas 1-1000, at least the minimum",
    source: `${ACA}/scale-app`,
  },
  ...appProbeRows(),
  tags(APP),
  // Identities and role assignments.
  {
    type: "azure-native:managedidentity:UserAssignedIdentity",
    path: "resourceName",
    autoName: AUTO,
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/,
    rule: "unique per resource group; 3-128 letters, digits, - and _, alphanumeric first",
    source: `${NAMES}#microsoftmanagedidentity`,
  },
  tags("azure-native:managedidentity:UserAssignedIdentity"),
  {
    type: "azure-native:authorization:RoleAssignment",
    path: "principalType",
    oneOf: ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"],
    rule: "principal type",
    source: "https://learn.microsoft.com/rest/api/authorization/role-assignments/create",
  },
  {
    type: "azure-native:authorization:RoleAssignment",
    path: "roleDefinitionId",
    pattern: /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/,
    rule: "/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>",
    source: "https://learn.microsoft.com/rest/api/authorization/role-assignments/create",
  },
  // Container Instances.
  {
    type: GROUP,
    path: "containerGroupName",
    autoName: AUTO,
    maxLength: 63,
    pattern: LOWER_DASHED,
    rule: "unique per resource group; 1-63 lowercase letters, digits and -, alphanumeric at both ends, no --",
    source: `${NAMES}#microsoftcontainerinstance`,
  },
  {
    type: GROUP,
    path: "osType",
    oneOf: ["Linux", "Windows"],
    rule: "OS type",
    source: `${ACI}/container-instances-overview`,
  },
  {
    type: GROUP,
    path: "containers.*.name",
    maxLength: 63,
    pattern: LOWER_DASHED,
    rule: "1-63 lowercase letters, digits and -",
    source: "https://learn.microsoft.com/rest/api/container-instances/container-groups/create-or-update",
  },
  {
    type: GROUP,
    path: "ipAddress.dnsNameLabel",
    maxLength: 63,
    pattern: DNS_LABEL,
    rule: "a DNS label: lowercase letters, digits and -, a letter first, at most 63",
    source: `${ACI}/how-to-reuse-dns-names`,
  },
  {
    type: GROUP,
    path: "ipAddress.autoGeneratedDomainNameLabelScope",
    oneOf: ["Unsecure", "TenantReuse", "SubscriptionReuse", "ResourceGroupReuse", "Noreuse"],
    rule: "DNS name label reuse policy",
    source: `${ACI}/how-to-reuse-dns-names`,
  },
  {
    type: GROUP,
    path: "ipAddress.ports.*.port",
    range: [1, 65535],
    integer: true,
    rule: "port 1-65535",
    source: "https://learn.microsoft.com/rest/api/container-instances/container-groups/create-or-update",
  },
  ...groupProbeRows(),
  tags(GROUP),
  // Traffic Manager.
  {
    type: TM_PROFILE,
    path: "profileName",
    required: true,
    maxLength: 63,
    pattern: /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/,
    unique: { scope: "resource group", key: (i) => String(i.resourceGroupName) },
    rule: "1-63 letters, digits, - and ., alphanumeric at both ends",
    source: `${NAMES}#microsoftnetwork`,
  },
  {
    type: TM_PROFILE,
    path: "dnsConfig.relativeName",
    required: true,
    maxLength: 63,
    pattern: /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/,
    unique: { scope: "all of trafficmanager.net (every Azure customer)", key: () => "" },
    rule: "globally unique under trafficmanager.net; a DNS label of 1-63 letters, digits and -",
    source: `${TM}/traffic-manager-manage-profiles`,
  },
  {
    type: TM_PROFILE,
    path: "dnsConfig.ttl",
    range: [0, 2147483647],
    integer: true,
    rule: "TTL 0-2147483647 seconds",
    source: `${TM}/traffic-manager-performance-considerations`,
  },
  {
    type: TM_PROFILE,
    path: "trafficRoutingMethod",
    oneOf: ["Weighted", "Priority", "Performance", "Geographic", "MultiValue", "Subnet"],
    rule: "routing method",
    source: `${TM}/traffic-manager-routing-methods`,
  },
  {
    type: TM_PROFILE,
    path: "monitorConfig.intervalInSeconds",
    oneOf: [10, 30],
    rule: "probing interval 10 or 30 seconds",
    source: `${TM}/traffic-manager-monitoring`,
  },
  {
    type: TM_PROFILE,
    path: "monitorConfig.timeoutInSeconds",
    range: [5, 10],
    integer: true,
    check: (v, i) =>
      i.monitorConfig?.intervalInSeconds === 10 && Number(v) > 9
        ? "is not below the 10 s interval"
        : undefined,
    rule: "probe timeout 5-10 seconds (5-9 with a 10 s interval)",
    source: `${TM}/traffic-manager-monitoring`,
  },
  {
    type: TM_PROFILE,
    path: "monitorConfig.toleratedNumberOfFailures",
    range: [0, 9],
    integer: true,
    rule: "tolerated failures 0-9",
    source: `${TM}/traffic-manager-monitoring`,
  },
  {
    type: TM_PROFILE,
    path: "monitorConfig.port",
    range: [1, 65535],
    integer: true,
    rule: "probe port 1-65535",
    source: `${TM}/traffic-manager-monitoring`,
  },
  {
    type: TM_PROFILE,
    path: "monitorConfig.protocol",
    oneOf: ["HTTP", "HTTPS", "TCP"],
    rule: "probe protocol",
    source: `${TM}/traffic-manager-monitoring`,
  },
  tags(TM_PROFILE),
  {
    type: TM_ENDPOINT,
    path: "endpointName",
    required: true,
    maxLength: 63,
    pattern: /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/,
    rule: "kept within the profile's naming rule (1-63 letters, digits, ., _ and -); unique per profile",
    source: "https://learn.microsoft.com/rest/api/trafficmanager/endpoints/create-or-update",
  },
  {
    type: TM_ENDPOINT,
    path: "weight",
    range: [1, 1000],
    integer: true,
    rule: "weight 1-1000",
    source: `${TM}/traffic-manager-routing-methods#weighted-traffic-routing-method`,
  },
  {
    type: TM_ENDPOINT,
    path: "endpointStatus",
    oneOf: ["Enabled", "Disabled"],
    rule: "endpoint status",
    source: `${TM}/traffic-manager-endpoint-types`,
  },
  {
    type: TM_ENDPOINT,
    path: "endpointType",
    oneOf: ["ExternalEndpoints", "AzureEndpoints", "NestedEndpoints"],
    rule: "endpoint type",
    source: `${TM}/traffic-manager-endpoint-types`,
  },
  {
    type: TM_ENDPOINT,
    path: "target",
    required: true,
    pattern: /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]+$/,
    check: (v) =>
      /^\d+(\.\d+){3}$/.test(String(v))
        ? "is an IP address, which changes when the group restarts"
        : undefined,
    rule: "a DNS name (an external endpoint's FQDN; the group's IP can change)",
    source: `${ACI}/container-instances-overview#public-ip-connectivity-and-dns`,
  },
  // Front Door.
  {
    type: "azure-native:cdn:Profile",
    path: "profileName",
    required: true,
    maxLength: 260,
    pattern: DASHED,
    rule: "unique per resource group; 1-260 letters, digits and -, alphanumeric at both ends",
    source: `${NAMES}#microsoftcdn`,
  },
  {
    type: "azure-native:cdn:Profile",
    path: "sku.name",
    oneOf: ["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"],
    rule: "Front Door tier",
    source: `${AFD}/standard-premium/tier-comparison`,
  },
  tags("azure-native:cdn:Profile"),
  {
    type: "azure-native:cdn:AFDEndpoint",
    path: "endpointName",
    required: true,
    minLength: 2,
    maxLength: 46,
    pattern: DASHED,
    rule: "2-46 letters, digits and -, alphanumeric at both ends",
    source: `${NAMES}#microsoftcdn`,
  },
  ...(["originGroupName"] as const).map(
    (path): Row => ({
      type: "azure-native:cdn:AFDOriginGroup",
      path,
      required: true,
      maxLength: 90,
      pattern: DASHED,
      rule: "1-90 letters, digits and -, alphanumeric at both ends",
      source: `${NAMES}#microsoftcdn`,
    }),
  ),
  {
    type: "azure-native:cdn:AFDOriginGroup",
    path: "healthProbeSettings.probeIntervalInSeconds",
    range: [1, 255],
    integer: true,
    rule: "probe interval 1-255 seconds",
    source: `${AFD}/health-probes`,
  },
  {
    type: "azure-native:cdn:AFDOriginGroup",
    path: "loadBalancingSettings.successfulSamplesRequired",
    range: [1, 255],
    integer: true,
    check: (v, i) =>
      Number(v) > Number(i.loadBalancingSettings?.sampleSize) ? "is more than sampleSize" : undefined,
    rule: "successful samples at most the sample size",
    source: `${AFD}/origin#load-balancing-settings`,
  },
  {
    type: "azure-native:cdn:AFDOrigin",
    path: "originName",
    required: true,
    maxLength: 90,
    pattern: DASHED,
    rule: "1-90 letters, digits and -, alphanumeric at both ends",
    source: `${NAMES}#microsoftcdn`,
  },
  {
    type: "azure-native:cdn:AFDOrigin",
    path: "weight",
    range: [1, 1000],
    integer: true,
    rule: "weight 1-1000",
    source: `${AFD}/routing-methods#weighted`,
  },
  {
    type: "azure-native:cdn:AFDOrigin",
    path: "priority",
    range: [1, 5],
    integer: true,
    rule: "priority 1-5",
    source: `${AFD}/routing-methods#priority`,
  },
  {
    type: "azure-native:cdn:AFDOrigin",
    path: "httpPort",
    range: [1, 65535],
    integer: true,
    rule: "port 1-65535",
    source: `${AFD}/origin`,
  },
  {
    type: "azure-native:cdn:AFDOrigin",
    path: "hostName",
    required: true,
    check: (v) =>
      /^\d+(\.\d+){3}$/.test(String(v))
        ? "is an IP address, which changes when the group restarts"
        : undefined,
    rule: "the origin's host name (a container group's FQDN; its IP can change)",
    source: `${AFD}/origin#origin-host-header`,
  },
  {
    type: "azure-native:cdn:Route",
    path: "routeName",
    required: true,
    maxLength: 90,
    pattern: DASHED,
    rule: "1-90 letters, digits and -, alphanumeric at both ends",
    source: `${NAMES}#microsoftcdn`,
  },
  {
    type: "azure-native:cdn:Route",
    path: "endpointName",
    required: true,
    minLength: 2,
    maxLength: 46,
    pattern: DASHED,
    rule: "the endpoint's name: 2-46 letters, digits and -",
    source: `${NAMES}#microsoftcdn`,
  },
  // What the Azure examples create around the components (their resource group, Log Analytics
  // workspace and Container Apps environment).
  {
    type: "azure-native:resources:ResourceGroup",
    path: "resourceGroupName",
    autoName: AUTO,
    maxLength: 90,
    pattern: /^[-\w.()]*[-\w()]$/u,
    rule: "unique per subscription; 1-90 letters, digits, _ - . ( ), not ending with .",
    source: `${NAMES}#microsoftresources`,
  },
  {
    type: "azure-native:operationalinsights:Workspace",
    path: "workspaceName",
    autoName: AUTO,
    minLength: 4,
    maxLength: 63,
    pattern: DASHED,
    rule: "unique per resource group; 4-63 letters, digits and -, alphanumeric at both ends",
    source: `${NAMES}#microsoftoperationalinsights`,
  },
  {
    type: "azure-native:operationalinsights:Workspace",
    path: "retentionInDays",
    range: [30, 730],
    integer: true,
    rule: "retention 30-730 days (PerGB2018)",
    source: "https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure",
  },
  {
    type: "azure-native:app:ManagedEnvironment",
    path: "environmentName",
    autoName: AUTO,
    minLength: 2,
    maxLength: 60,
    pattern: /^[a-z][a-z0-9-]*[a-z0-9]$/,
    rule: "unique per resource group; 2-60 lowercase letters, digits and -, a letter first, alphanumeric last",
    source: `${NAMES}#microsoftapp`,
  },
  // App Configuration.
  {
    type: "azure-native:appconfiguration:KeyValue",
    path: "keyValueName",
    required: true,
    check: (v) => {
      const key = String(v).split("$")[0] as string;
      if (key === "." || key === ".." || key.includes("%"))
        return 'has a key that is "." or ".." or contains %';
      return Buffer.byteLength(String(v), "utf8") > 10240 ? "is larger than 10 KB" : undefined;
    },
    rule: "key (with / written ~2F) not . or .. and without %; key and value together at most 10 KB",
    source: "https://learn.microsoft.com/azure/azure-app-configuration/concept-key-value#keys",
  },
];
