// AWS: the documented limits of every input the AWS components set (ECS Fargate, ALB, IAM,
// CloudWatch Logs, EC2 security groups, Application Auto Scaling, AppConfig). Auto-named resources
// are checked as pulumi-aws names them: the logical name, "-" and 7 random characters.

import { type Inputs, type Row, type TagRules, tagRow } from "./engine";

const ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference";
const ALB_GUIDE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application";
const ECS_API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference";
const IAM_API = "https://docs.aws.amazon.com/IAM/latest/APIReference";
const APPCONFIG_API = "https://docs.aws.amazon.com/appconfig/2019-10-09/APIReference";

const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const LISTENER = "aws:lb/listener:Listener";
const RULE = "aws:lb/listenerRule:ListenerRule";
const SERVICE = "aws:ecs/service:Service";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const ROLE = "aws:iam/role:Role";

/** pulumi-aws names a resource given no name: `<logical name>-<7 random characters>`. */
const AUTO = { separator: "-", random: 7 } as const;

/** Tags on every tagged AWS resource (ELB, ECS, IAM, Logs, EC2, AppConfig share these limits). */
const TAGS: TagRules = {
  maxCount: 50,
  maxKeyLength: 128,
  maxValueLength: 256,
  key: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
  value: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  reservedPrefixes: ["aws:"],
};
const TAGS_SOURCE = "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html";

const tags = (type: string): Row =>
  tagRow(
    type,
    TAGS,
    "at most 50 tags; keys 1-128 and values 0-256 of letters, digits, spaces and _ . : / = + - @; keys not starting with aws:",
    TAGS_SOURCE,
  );

/** ALB and target group names: 1-32 letters, digits and -, not starting or ending with -. */
const ELB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

/** Rows of a forward action (listener default actions, rule actions). */
function forwardRows(type: string, actions: string): Row[] {
  const source = `${ELB_API}/API_ForwardActionConfig.html`;
  return [
    {
      type,
      path: `${actions}.*.forward.targetGroups`,
      count: [1, 5],
      rule: "a forward action lists 1-5 target groups",
      source,
    },
    {
      type,
      path: `${actions}.*.forward.targetGroups.*.weight`,
      range: [0, 999],
      integer: true,
      rule: "target group weight 0-999",
      source: `${ELB_API}/API_TargetGroupTuple.html`,
    },
    {
      type,
      path: `${actions}.*.forward.stickiness.duration`,
      range: [1, 604800],
      integer: true,
      rule: "stickiness duration 1-604800 seconds",
      source: `${ELB_API}/API_TargetGroupStickinessConfig.html`,
    },
    {
      type,
      path: `${actions}.*.type`,
      oneOf: ["forward", "fixed-response", "redirect", "authenticate-oidc", "authenticate-cognito"],
      rule: "action type",
      source: `${ELB_API}/API_Action.html`,
    },
  ];
}

/** Values a rule condition compares: ALB allows 3 per condition and 5 per rule. */
function conditionValues(condition: Inputs): number {
  const lists = ["hostHeader", "pathPattern", "httpRequestMethod", "sourceIp", "httpHeader"].map(
    (k) => (condition?.[k]?.values ?? []).length,
  );
  return lists.reduce((a, b) => a + b, 0) + (condition?.queryStrings ?? []).length;
}

function checkConditions(value: unknown): string | undefined {
  const conditions = value as Inputs[];
  const per = conditions.map(conditionValues);
  if (per.some((n) => n > 3)) return `compares ${Math.max(...per)} values in one condition (at most 3)`;
  const total = per.reduce((a, b) => a + b, 0);
  if (total > 5) return `compares ${total} values in one rule (at most 5)`;
  for (const single of ["hostHeader", "pathPattern", "httpRequestMethod", "sourceIp"]) {
    if (conditions.filter((c) => c?.[single] !== undefined).length > 1) return `has more than one ${single}`;
  }
  return undefined;
}

/** Fargate task sizes: CPU units and the memory (MiB) each allows, as [cpu, from, to, step]. */
const FARGATE: readonly (readonly [number, number, number, number])[] = [
  [256, 512, 2048, 512],
  [512, 1024, 4096, 1024],
  [1024, 2048, 8192, 1024],
  [2048, 4096, 16384, 1024],
  [4096, 8192, 30720, 1024],
  [8192, 16384, 61440, 4096],
  [16384, 32768, 122880, 8192],
];

function checkFargateSize(_: unknown, inputs: Inputs): string | undefined {
  const cpu = Number(inputs.cpu);
  const memory = Number(inputs.memory);
  const size = FARGATE.find(([c]) => c === cpu);
  if (!size) return `cpu ${inputs.cpu} is not a Fargate task size`;
  const [, from, to, step] = size;
  // 256 CPU units take 512, 1024 or 2048 MiB; the others steps from `from` to `to`.
  const ok =
    cpu === 256
      ? [512, 1024, 2048].includes(memory)
      : memory >= from && memory <= to && (memory - from) % step === 0;
  return ok ? undefined : `memory ${memory} MiB does not go with cpu ${cpu}`;
}

/**
 * ECS rounds the healthy floor up and the ceiling down; a deployment that can neither start a task
 * above the floor nor stop one below the ceiling never progresses.
 */
function checkRollingRoom(_: unknown, inputs: Inputs): string | undefined {
  const n = Number(inputs.desiredCount ?? 0);
  const min = inputs.deploymentMinimumHealthyPercent;
  const max = inputs.deploymentMaximumPercent;
  if (n === 0 || min === undefined || max === undefined) return undefined;
  const floor = Math.ceil((n * Number(min)) / 100);
  const ceiling = Math.floor((n * Number(max)) / 100);
  if (ceiling <= n && floor >= n)
    return `gives ${n} tasks a floor of ${floor} and a ceiling of ${ceiling}: a deployment can neither start nor stop a task`;
  return undefined;
}

/** AWS managed policies the components attach, each with its documented ARN path. */
const MANAGED_POLICIES = [
  "service-role/AmazonECSTaskExecutionRolePolicy",
  "AmazonECSInfrastructureRolePolicyForLoadBalancers",
];

function checkPolicyArn(value: unknown): string | undefined {
  const m = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]):iam::(aws|\d{12}):policy\/(.+)$/.exec(
    String(value),
  );
  if (!m) return "is not an IAM policy ARN";
  if (m[2] === "aws" && !MANAGED_POLICIES.includes(m[3] as string))
    return `names no AWS managed policy ${m[3]}`;
  return undefined;
}

const minutes = (type: string, path: string, what: string, source: string): Row => ({
  type,
  path,
  range: [0, 1440],
  integer: true,
  rule: `${what} 0-1440 minutes`,
  source,
});

/** Every documented limit of the AWS inputs the components set. */
export const AWS_ROWS: readonly Row[] = [
  // Application Load Balancer.
  {
    type: LB,
    path: "name",
    autoName: AUTO,
    maxLength: 32,
    pattern: ELB_NAME,
    check: (v) => (/^internal-/i.test(String(v)) ? 'starts with "internal-"' : undefined),
    rule: 'unique per account and region; 1-32 letters, digits and -, not starting or ending with -, not starting with "internal-"',
    source: `${ELB_API}/API_CreateLoadBalancer.html`,
  },
  {
    type: LB,
    path: "subnets",
    count: [2, 200],
    rule: "an Application Load Balancer needs subnets in at least two Availability Zones",
    source: `${ELB_API}/API_CreateLoadBalancer.html`,
  },
  {
    type: LB,
    path: "loadBalancerType",
    oneOf: ["application"],
    rule: "the components create Application Load Balancers",
    source: `${ELB_API}/API_CreateLoadBalancer.html`,
  },
  tags(LB),
  // Target groups.
  {
    type: TG,
    path: "name",
    autoName: AUTO,
    maxLength: 32,
    pattern: ELB_NAME,
    rule: "unique per account and region; 1-32 letters, digits and -, not starting or ending with -",
    source: `${ELB_API}/API_CreateTargetGroup.html`,
  },
  {
    type: TG,
    path: "port",
    range: [1, 65535],
    integer: true,
    rule: "port 1-65535",
    source: `${ELB_API}/API_CreateTargetGroup.html`,
  },
  {
    type: TG,
    path: "targetType",
    oneOf: ["instance", "ip", "lambda", "alb"],
    rule: "target type",
    source: `${ELB_API}/API_CreateTargetGroup.html`,
  },
  {
    type: TG,
    path: "protocol",
    oneOf: ["HTTP", "HTTPS"],
    rule: "ALB target group protocol",
    source: `${ELB_API}/API_CreateTargetGroup.html`,
  },
  {
    type: TG,
    path: "deregistrationDelay",
    range: [0, 3600],
    integer: true,
    rule: "deregistration delay 0-3600 seconds",
    source: `${ELB_API}/API_TargetGroupAttribute.html`,
  },
  {
    type: TG,
    path: "healthCheck.interval",
    range: [5, 300],
    integer: true,
    rule: "health check interval 5-300 seconds",
    source: `${ALB_GUIDE}/target-group-health-checks.html`,
  },
  {
    type: TG,
    path: "healthCheck.timeout",
    range: [2, 120],
    integer: true,
    check: (v, i) =>
      Number(v) >= Number(i.healthCheck?.interval) ? "is not shorter than the interval" : undefined,
    rule: "health check timeout 2-120 seconds, shorter than the interval",
    source: `${ALB_GUIDE}/target-group-health-checks.html`,
  },
  ...(["healthyThreshold", "unhealthyThreshold"] as const).map(
    (k): Row => ({
      type: TG,
      path: `healthCheck.${k}`,
      range: [2, 10],
      integer: true,
      rule: `${k} 2-10`,
      source: `${ALB_GUIDE}/target-group-health-checks.html`,
    }),
  ),
  {
    type: TG,
    path: "healthCheck.matcher",
    pattern: /^(2\d\d|3\d\d|4\d\d)(-(2\d\d|3\d\d|4\d\d))?(,(2\d\d|3\d\d|4\d\d)(-(2\d\d|3\d\d|4\d\d))?)*$/,
    rule: "success codes 200-499, as codes, lists and ranges",
    source: `${ELB_API}/API_Matcher.html`,
  },
  {
    type: TG,
    path: "healthCheck.path",
    minLength: 1,
    maxLength: 1024,
    pattern: /^\//,
    rule: "health check path 1-1024 characters, starting with /",
    source: `${ELB_API}/API_CreateTargetGroup.html`,
  },
  tags(TG),
  // Listeners and rules.
  {
    type: LISTENER,
    path: "port",
    range: [1, 65535],
    integer: true,
    rule: "port 1-65535",
    source: `${ELB_API}/API_CreateListener.html`,
  },
  {
    type: LISTENER,
    path: "protocol",
    oneOf: ["HTTP", "HTTPS"],
    rule: "ALB listener protocol",
    source: `${ELB_API}/API_CreateListener.html`,
  },
  ...forwardRows(LISTENER, "defaultActions"),
  tags(LISTENER),
  {
    type: RULE,
    path: "priority",
    range: [1, 50000],
    integer: true,
    rule: "rule priority 1-50000, unique per listener",
    source: `${ELB_API}/API_CreateRule.html`,
  },
  {
    type: RULE,
    path: "conditions",
    count: [1, 5],
    check: checkConditions,
    rule: "at most 3 compared values per condition and 5 per rule; one host-header, path-pattern, http-request-method and source-ip each",
    source: `${ALB_GUIDE}/rule-condition-types.html`,
  },
  ...forwardRows(RULE, "actions"),
  tags(RULE),
  // ECS.
  {
    type: "aws:ecs/cluster:Cluster",
    path: "name",
    autoName: AUTO,
    maxLength: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    rule: "unique per account and region; 1-255 letters, digits, - and _",
    source: `${ECS_API}/API_CreateCluster.html`,
  },
  tags("aws:ecs/cluster:Cluster"),
  {
    type: SERVICE,
    path: "name",
    required: true,
    maxLength: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    unique: { scope: "cluster", key: (i) => String(i.cluster) },
    rule: "unique per cluster; 1-255 letters, digits, - and _",
    source: `${ECS_API}/API_CreateService.html`,
  },
  {
    type: SERVICE,
    path: "desiredCount",
    range: [0, 5000],
    integer: true,
    rule: "desired count 0 or more",
    source: `${ECS_API}/API_CreateService.html`,
  },
  {
    type: SERVICE,
    path: "launchType",
    oneOf: ["FARGATE", "EC2", "EXTERNAL"],
    rule: "launch type",
    source: `${ECS_API}/API_CreateService.html`,
  },
  {
    type: SERVICE,
    path: "healthCheckGracePeriodSeconds",
    range: [0, 2147483647],
    integer: true,
    rule: "grace period 0-2147483647 seconds",
    source: `${ECS_API}/API_CreateService.html`,
  },
  {
    type: SERVICE,
    path: "deploymentMinimumHealthyPercent",
    range: [0, 100],
    integer: true,
    check: checkRollingRoom,
    rule: "0-100; with the maximum, a deployment must be able to start or stop a task (ECS rounds the floor up, the ceiling down)",
    source: `${ECS_API}/API_DeploymentConfiguration.html`,
  },
  {
    type: SERVICE,
    path: "deploymentMaximumPercent",
    range: [0, 2147483647],
    integer: true,
    rule: "0 or more (ECS rounds the ceiling down)",
    source: `${ECS_API}/API_DeploymentConfiguration.html`,
  },
  {
    type: SERVICE,
    path: "deploymentConfiguration.strategy",
    oneOf: ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"],
    rule: "deployment strategy",
    source: `${ECS_API}/API_DeploymentConfiguration.html`,
  },
  minutes(
    SERVICE,
    "deploymentConfiguration.bakeTimeInMinutes",
    "bake time",
    `${ECS_API}/API_DeploymentConfiguration.html`,
  ),
  minutes(
    SERVICE,
    "deploymentConfiguration.canaryConfiguration.canaryBakeTimeInMinutes",
    "canary bake time",
    `${ECS_API}/API_CanaryConfiguration.html`,
  ),
  minutes(
    SERVICE,
    "deploymentConfiguration.linearConfiguration.stepBakeTimeInMinutes",
    "step bake time",
    `${ECS_API}/API_LinearConfiguration.html`,
  ),
  {
    type: SERVICE,
    path: "deploymentConfiguration.canaryConfiguration.canaryPercent",
    range: [0.1, 100],
    rule: "canary percent 0.1-100",
    source: `${ECS_API}/API_CanaryConfiguration.html`,
  },
  {
    type: SERVICE,
    path: "deploymentConfiguration.linearConfiguration.stepPercent",
    range: [3, 100],
    rule: "linear step percent 3-100",
    source: `${ECS_API}/API_LinearConfiguration.html`,
  },
  tags(SERVICE),
  {
    type: TASK,
    path: "family",
    maxLength: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    rule: "1-255 letters, digits, - and _ (a family is shared per account and region)",
    source: `${ECS_API}/API_RegisterTaskDefinition.html`,
  },
  {
    type: TASK,
    path: "cpu",
    check: checkFargateSize,
    rule: "a Fargate CPU size and a memory size it allows",
    source:
      "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size",
  },
  ...(
    [
      ["interval", 5, 300],
      ["timeout", 2, 60],
      ["retries", 1, 10],
      ["startPeriod", 0, 300],
    ] as const
  ).map(
    ([k, min, max]): Row => ({
      type: TASK,
      path: `containerDefinitions.@json.*.healthCheck.${k}`,
      range: [min, max],
      integer: true,
      rule: `container health check ${k} ${min}-${max}`,
      source: `${ECS_API}/API_HealthCheck.html`,
    }),
  ),
  {
    type: TASK,
    path: "containerDefinitions.@json.*.portMappings.*.containerPort",
    range: [1, 65535],
    integer: true,
    rule: "container port 1-65535",
    source: `${ECS_API}/API_PortMapping.html`,
  },
  tags(TASK),
  // CloudWatch Logs.
  {
    type: "aws:cloudwatch/logGroup:LogGroup",
    path: "name",
    minLength: 1,
    maxLength: 512,
    pattern: /^[.\-_/#A-Za-z0-9]+$/,
    unique: { scope: "account and region", key: (i) => String(i.region ?? "") },
    rule: "unique per account and region; 1-512 of letters, digits and . - _ / #",
    source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
  },
  {
    type: "aws:cloudwatch/logGroup:LogGroup",
    path: "retentionInDays",
    oneOf: [
      0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
      3653,
    ],
    rule: "a retention CloudWatch Logs offers",
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
  },
  tags("aws:cloudwatch/logGroup:LogGroup"),
  // IAM.
  {
    type: ROLE,
    path: "name",
    autoName: AUTO,
    maxLength: 64,
    pattern: /^[\w+=,.@-]+$/,
    rule: "unique per account; 1-64 letters, digits and _ + = , . @ -",
    source: `${IAM_API}/API_CreateRole.html`,
  },
  {
    type: ROLE,
    path: "assumeRolePolicy",
    required: true,
    maxLength: 2048,
    rule: "trust policy at most 2048 characters",
    source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
  },
  tags(ROLE),
  {
    type: "aws:iam/rolePolicy:RolePolicy",
    path: "name",
    autoName: AUTO,
    maxLength: 128,
    pattern: /^[\w+=,.@-]+$/,
    rule: "1-128 letters, digits and _ + = , . @ -",
    source: `${IAM_API}/API_PutRolePolicy.html`,
  },
  {
    type: "aws:iam/rolePolicy:RolePolicy",
    path: "policy",
    maxLength: 10240,
    rule: "inline role policies at most 10240 characters together",
    source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
  },
  {
    type: "aws:iam/rolePolicy:RolePolicy",
    path: "policy.@json.Statement.*.Resource.*",
    pattern: /^(\*|arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+)$/,
    check: (v) =>
      /:secretsmanager:.*:secret:[^:]+$/.test(String(v)) && !/-(\?{6}|[A-Za-z0-9]{6})$/.test(String(v))
        ? "names a secret by a partial ARN, which matches no secret (its ARN ends with -<6 random characters>)"
        : undefined,
    rule: "resource ARNs; a Secrets Manager secret by its full ARN or <partial ARN>-??????",
    source:
      "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html#auth-and-access_examples_wildcard",
  },
  {
    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    path: "policyArn",
    required: true,
    check: checkPolicyArn,
    rule: "arn:<partition>:iam::aws:policy/<path of an AWS managed policy>",
    source:
      "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html",
  },
  // EC2 security groups.
  {
    type: "aws:ec2/securityGroup:SecurityGroup",
    path: "name",
    autoName: AUTO,
    maxLength: 255,
    pattern: /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/,
    check: (v) => (/^sg-/i.test(String(v)) ? 'starts with "sg-"' : undefined),
    rule: 'unique per VPC; 1-255 of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with "sg-"',
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
  },
  {
    type: "aws:ec2/securityGroup:SecurityGroup",
    path: "description",
    maxLength: 255,
    pattern: /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/,
    rule: "description 0-255 of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
  },
  ...(["ingress", "egress"] as const).flatMap((dir) =>
    (["fromPort", "toPort"] as const).map(
      (k): Row => ({
        type: "aws:ec2/securityGroup:SecurityGroup",
        path: `${dir}.*.${k}`,
        range: [-1, 65535],
        integer: true,
        rule: "port -1 (all) or 0-65535",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html",
      }),
    ),
  ),
  tags("aws:ec2/securityGroup:SecurityGroup"),
  // Application Auto Scaling.
  {
    type: "aws:appautoscaling/target:Target",
    path: "resourceId",
    pattern: /^service\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/,
    rule: "service/<cluster name>/<service name>",
    source:
      "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html",
  },
  {
    type: "aws:appautoscaling/target:Target",
    path: "maxCapacity",
    range: [0, 2147483647],
    integer: true,
    check: (v, i) => (Number(v) < Number(i.minCapacity) ? "is below minCapacity" : undefined),
    rule: "whole number, at least minCapacity",
    source:
      "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html",
  },
  {
    type: "aws:appautoscaling/policy:Policy",
    path: "name",
    autoName: AUTO,
    maxLength: 256,
    pattern: /^[^:]+$/u,
    rule: "1-256 printable characters without :",
    source: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html",
  },
  {
    type: "aws:appautoscaling/policy:Policy",
    path: "targetTrackingScalingPolicyConfiguration.targetValue",
    range: [8.51592e-109, 6.174271e107],
    rule: "target value within 8.515920e-109 and 6.174271e+107",
    source:
      "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html",
  },
  // AppConfig.
  {
    type: "aws:appconfig/application:Application",
    path: "name",
    required: true,
    minLength: 1,
    maxLength: 64,
    rule: "1-64 characters",
    source: `${APPCONFIG_API}/API_CreateApplication.html`,
  },
  tags("aws:appconfig/application:Application"),
  {
    type: "aws:appconfig/environment:Environment",
    path: "name",
    required: true,
    minLength: 1,
    maxLength: 64,
    rule: "1-64 characters",
    source: `${APPCONFIG_API}/API_CreateEnvironment.html`,
  },
  tags("aws:appconfig/environment:Environment"),
  {
    type: "aws:appconfig/configurationProfile:ConfigurationProfile",
    path: "name",
    required: true,
    minLength: 1,
    maxLength: 128,
    rule: "1-128 characters",
    source: `${APPCONFIG_API}/API_CreateConfigurationProfile.html`,
  },
  {
    type: "aws:appconfig/configurationProfile:ConfigurationProfile",
    path: "type",
    oneOf: ["AWS.Freeform", "AWS.AppConfig.FeatureFlags"],
    rule: "profile type",
    source: `${APPCONFIG_API}/API_CreateConfigurationProfile.html`,
  },
  tags("aws:appconfig/configurationProfile:ConfigurationProfile"),
  {
    type: "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion",
    path: "description",
    maxLength: 1024,
    rule: "description 0-1024 characters",
    source: `${APPCONFIG_API}/API_CreateHostedConfigurationVersion.html`,
  },
  {
    type: "aws:appconfig/deployment:Deployment",
    path: "deploymentStrategyId",
    pattern: /^(AppConfig\.[A-Za-z0-9]{9,40}|[a-z0-9]{4,7})$/,
    rule: "a predefined AppConfig.* strategy or a 4-7 character strategy ID",
    source: `${APPCONFIG_API}/API_StartDeployment.html`,
  },
  tags("aws:appconfig/deployment:Deployment"),
];
