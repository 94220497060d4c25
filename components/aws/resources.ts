// The resources every AWS component builds from the shared args: cluster, log group, execution
// role scoped to the secrets, security groups, target groups, task definitions, ECS services and
// the autoscaler. The ALB side (listener, rules) is in routing.ts. Each takes the component's
// context and creates children named `${name}-<role>` with `{ parent }`.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METADATA_PREFIX, MetadataKey, type Release, type StrategyKind } from "../core";
import { ECS_DEFAULTS, type EcsServiceArgs } from "./args";
import { AUTO_NAMED, autoNamed, logGroupName, managedPolicyArn } from "./names";
import {
  containerHealthCheck,
  ecsBaseName,
  imageFor,
  parseSecretReference,
  secretsPolicy,
  targetGroupHealthCheck,
} from "./plan";

/** Name of the one container in every task definition. */
export const CONTAINER_NAME = "app";

/** Tag on a task definition recording the path of the readiness check its target group runs. */
export const READINESS_TAG = `${METADATA_PREFIX}/readiness`;

/** Path of the managed policy that lets ECS pull images from ECR and write logs. */
export const EXECUTION_ROLE_POLICY_NAME = "service-role/AmazonECSTaskExecutionRolePolicy";

/** The execution role's managed policy in the commercial partition (`aws`). */
export const EXECUTION_ROLE_POLICY = `arn:aws:iam::aws:policy/${EXECUTION_ROLE_POLICY_NAME}`;

/** What the builders share; made once per component by {@link ecsContext}. */
export interface EcsContext {
  readonly parent: pulumi.ComponentResource;
  readonly name: string;
  readonly args: EcsServiceArgs;
  readonly release: Release;
  readonly strategy: StrategyKind;
  /** ECS service name prefix. */
  readonly baseName: string;
  readonly port: number;
  readonly region: pulumi.Output<string>;
  /** The AWS partition of the account (`aws`, `aws-cn`, `aws-us-gov`...), for managed policy ARNs. */
  readonly partition: pulumi.Output<string>;
  readonly cluster: pulumi.Input<string>;
  readonly logGroupName: pulumi.Output<string>;
  readonly executionRoleArn: pulumi.Input<string>;
  /** Set when the component creates the ALB: the ALB's security groups. */
  readonly loadBalancerSecurityGroups?: pulumi.Input<pulumi.Input<string>[]>;
  readonly taskSecurityGroups: pulumi.Input<pulumi.Input<string>[]>;
  /** Resources that must exist before a service starts (the execution role's policies). */
  readonly taskPrerequisites: pulumi.Resource[];
}

/** Tags that record the release on a resource, plus the user's tags. */
export function releaseTags(
  ctx: Pick<EcsContext, "args" | "strategy">,
  role: string,
  version?: string,
): Record<string, string> {
  return {
    ...ctx.args.tags,
    [MetadataKey.strategy]: ctx.strategy,
    [MetadataKey.role]: role,
    ...(version !== undefined ? { [MetadataKey.version]: version } : {}),
  };
}

function executionRole(
  parent: pulumi.ComponentResource,
  name: string,
  args: EcsServiceArgs,
  partition: pulumi.Output<string>,
): { arn: pulumi.Input<string>; prerequisites: pulumi.Resource[] } {
  if (args.executionRoleArn !== undefined) return { arn: args.executionRoleArn, prerequisites: [] };
  const opts = { parent };
  const role = new aws.iam.Role(
    autoNamed(name, "execution", AUTO_NAMED.role),
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
      ...(args.tags ? { tags: { ...args.tags } } : {}),
    },
    opts,
  );
  const prerequisites: pulumi.Resource[] = [
    new aws.iam.RolePolicyAttachment(
      `${name}-execution-policy`,
      { role: role.name, policyArn: managedPolicyArn(partition, EXECUTION_ROLE_POLICY_NAME) },
      opts,
    ),
  ];
  const secrets = Object.keys(args.secretEnv ?? {}).sort();
  if (secrets.length > 0) {
    // Exactly the referenced secrets and parameters, never a wildcard.
    const policy = pulumi
      .all([
        pulumi.all(secrets.map((k) => pulumi.output(args.secretEnv?.[k] as pulumi.Input<string>))),
        pulumi.all([...(args.secretKmsKeyArns ?? [])]),
      ])
      .apply(([values, keys]) => {
        const refs = values.map((v, i) => {
          const ref = parseSecretReference(v);
          if (!ref) throw new Error(`secretEnv.${secrets[i]} is not a Secrets Manager or SSM parameter ARN`);
          return ref;
        });
        return JSON.stringify(secretsPolicy(refs, keys));
      });
    prerequisites.push(
      new aws.iam.RolePolicy(
        autoNamed(name, "secrets", AUTO_NAMED.rolePolicy),
        { role: role.id, policy },
        opts,
      ),
    );
  }
  return { arn: role.arn, prerequisites };
}

/** Security groups of the created ALB and of the tasks, when the user gave none. */
function securityGroups(
  parent: pulumi.ComponentResource,
  name: string,
  args: EcsServiceArgs,
  port: number,
  listenerPorts: readonly number[],
): { loadBalancer?: pulumi.Input<pulumi.Input<string>[]>; tasks: pulumi.Input<pulumi.Input<string>[]> } {
  const opts = { parent };
  const egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }];
  let loadBalancer = args.loadBalancer?.securityGroups;
  if (!args.listener && loadBalancer === undefined) {
    const cidrs = [...(args.loadBalancer?.ingressCidrs ?? ECS_DEFAULTS.ingressCidrs)];
    const group = new aws.ec2.SecurityGroup(
      autoNamed(name, "alb", AUTO_NAMED.securityGroup),
      {
        vpcId: args.vpcId,
        description: `ALB of ${name}`,
        ingress: listenerPorts.map((p) => ({ protocol: "tcp", fromPort: p, toPort: p, cidrBlocks: cidrs })),
        egress,
        ...(args.tags ? { tags: { ...args.tags } } : {}),
      },
      opts,
    );
    loadBalancer = [group.id];
  }
  if (args.securityGroups !== undefined) {
    return { ...(loadBalancer ? { loadBalancer } : {}), tasks: args.securityGroups };
  }
  // validate.ts requires securityGroups unless the ALB's groups are known here.
  const tasks = new aws.ec2.SecurityGroup(
    autoNamed(name, "tasks", AUTO_NAMED.securityGroup),
    {
      vpcId: args.vpcId,
      description: `Tasks of ${name}: port ${port} from the ALB only`,
      ingress: [
        {
          protocol: "tcp",
          fromPort: port,
          toPort: port,
          securityGroups: loadBalancer as pulumi.Input<string>[],
        },
      ],
      egress,
      ...(args.tags ? { tags: { ...args.tags } } : {}),
    },
    opts,
  );
  return { ...(loadBalancer ? { loadBalancer } : {}), tasks: [tasks.id] };
}

/** Creates what every slot shares (cluster, logs, role, security groups) and returns the context. */
export function ecsContext(
  parent: pulumi.ComponentResource,
  name: string,
  args: EcsServiceArgs,
  release: Release,
  strategy: StrategyKind,
  listenerPorts: readonly number[],
): EcsContext {
  const opts = { parent };
  const baseName = args.serviceName ?? ecsBaseName(name);
  const port = args.port ?? ECS_DEFAULTS.port;
  const region = pulumi.output(args.region ?? aws.getRegionOutput({}, opts).region);
  const partition = aws.getPartitionOutput({}, opts).partition;
  const cluster =
    args.cluster ??
    new aws.ecs.Cluster(
      autoNamed(name, "cluster", AUTO_NAMED.cluster),
      { ...(args.tags ? { tags: { ...args.tags } } : {}) },
      opts,
    ).arn;
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    {
      name: logGroupName(pulumi.getProject(), pulumi.getStack(), baseName),
      retentionInDays: args.logRetentionDays ?? ECS_DEFAULTS.logRetentionDays,
      ...(args.tags ? { tags: { ...args.tags } } : {}),
    },
    opts,
  );
  const role = executionRole(parent, name, args, partition);
  const groups = securityGroups(parent, name, args, port, listenerPorts);
  return {
    parent,
    name,
    args,
    release,
    strategy,
    baseName,
    port,
    region,
    partition,
    cluster,
    logGroupName: logGroup.name,
    executionRoleArn: role.arn,
    ...(groups.loadBalancer ? { loadBalancerSecurityGroups: groups.loadBalancer } : {}),
    taskSecurityGroups: groups.tasks,
    taskPrerequisites: role.prerequisites,
  };
}

/** A target group of type `ip` (Fargate tasks register by IP) with the readiness health check. */
export function createTargetGroup(
  ctx: EcsContext,
  role: string,
  deregistrationDelaySeconds: number,
): aws.lb.TargetGroup {
  return new aws.lb.TargetGroup(
    autoNamed(ctx.name, role, AUTO_NAMED.targetGroup),
    {
      vpcId: ctx.args.vpcId,
      targetType: "ip",
      protocol: "HTTP",
      port: ctx.port,
      deregistrationDelay: deregistrationDelaySeconds,
      healthCheck: targetGroupHealthCheck(ctx.release.health.readiness),
      tags: releaseTags(ctx, role),
    },
    { parent: ctx.parent },
  );
}

/** The task definition of one slot: one essential container running `version`. */
export function createTaskDefinition(ctx: EcsContext, role: string, version: string): aws.ecs.TaskDefinition {
  const { args, release } = ctx;
  const env = args.env ?? {};
  const secretEnv = args.secretEnv ?? {};
  const container = {
    ...args.container,
    name: CONTAINER_NAME,
    image: imageFor(args.image, version),
    essential: true,
    portMappings: [{ containerPort: ctx.port, protocol: "tcp" }],
    environment: Object.keys(env)
      .sort()
      .map((name) => ({ name, value: env[name] })),
    secrets: Object.keys(secretEnv)
      .sort()
      .map((name) => ({ name, valueFrom: secretEnv[name] })),
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": ctx.logGroupName,
        "awslogs-region": ctx.region,
        "awslogs-stream-prefix": role,
      },
    },
    ...(release.health.liveness
      ? { healthCheck: containerHealthCheck(release.health.liveness, ctx.port) }
      : {}),
  };
  const readiness = release.health.readiness;
  return new aws.ecs.TaskDefinition(
    `${ctx.name}-${role}`,
    {
      ...args.taskDefinition,
      family: `${ctx.baseName}-${role}`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(args.cpu ?? ECS_DEFAULTS.cpu),
      memory: String(args.memory ?? ECS_DEFAULTS.memory),
      executionRoleArn: ctx.executionRoleArn,
      containerDefinitions: pulumi.jsonStringify([container]),
      tags: { ...releaseTags(ctx, role, version), ...(readiness ? { [READINESS_TAG]: readiness.path } : {}) },
    },
    { parent: ctx.parent },
  );
}

/** What one ECS service needs besides the context. */
export interface EcsServiceSpec {
  readonly role: string;
  /** The ECS service's name. */
  readonly serviceName: string;
  readonly version: string;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly desiredCount: number;
  /** ECS deployment settings (percentages, native strategies). @default ECS's (100 % / 200 %) */
  readonly deployment?: Pick<
    aws.ecs.ServiceArgs,
    | "deploymentMinimumHealthyPercent"
    | "deploymentMaximumPercent"
    | "deploymentConfiguration"
    | "alarms"
    | "loadBalancers"
    | "waitForSteadyState"
  >;
  /** Health check grace in seconds. @default the readiness check's initial delay */
  readonly graceSeconds?: number;
  /** The autoscaler owns desiredCount. @default false */
  readonly autoscaled?: boolean;
  /** Resources the service waits for (the listener or rule that associates its target group). */
  readonly dependsOn: pulumi.Resource[];
}

/** A Fargate ECS service behind its target group, rolled back by the circuit breaker when its tasks never settle. */
export function createEcsService(ctx: EcsContext, spec: EcsServiceSpec): aws.ecs.Service {
  const { args } = ctx;
  const taskDefinition = createTaskDefinition(ctx, spec.role, spec.version);
  const grace = spec.graceSeconds ?? ctx.release.health.readiness?.initialDelaySeconds ?? 0;
  const capacity = args.ecsService?.capacityProviderStrategies !== undefined;
  return new aws.ecs.Service(
    `${ctx.name}-${spec.role}`,
    {
      ...args.ecsService,
      name: spec.serviceName,
      cluster: ctx.cluster,
      taskDefinition: taskDefinition.arn,
      desiredCount: spec.desiredCount,
      // A capacity provider strategy and a launch type exclude each other.
      ...(capacity ? {} : { launchType: "FARGATE" }),
      networkConfiguration: {
        subnets: args.subnets,
        securityGroups: ctx.taskSecurityGroups,
        assignPublicIp: args.assignPublicIp ?? false,
      },
      loadBalancers: [
        { targetGroupArn: spec.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: ctx.port },
      ],
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: Math.ceil(grace),
      // `up` returns only once the tasks are running and healthy, so the driver's next weight
      // step never lands on tasks that are still starting.
      waitForSteadyState: true,
      ...spec.deployment,
      tags: releaseTags(ctx, spec.role, spec.version),
    },
    {
      parent: ctx.parent,
      dependsOn: [...spec.dependsOn, ...ctx.taskPrerequisites],
      ...(spec.autoscaled ? { ignoreChanges: ["desiredCount"] } : {}),
    },
  );
}

/** The cluster's name from a name or an ARN (`arn:aws:ecs:...:cluster/<name>`). */
export function clusterName(cluster: string): string {
  return cluster.includes(":cluster/") ? (cluster.split(":cluster/")[1] as string) : cluster;
}

/** Target tracking on average CPU for `service`, when autoscaling is configured. */
export function createAutoscaler(ctx: EcsContext, service: aws.ecs.Service): void {
  const a = ctx.args.autoscaling;
  if (!a) return;
  const opts = { parent: ctx.parent };
  const target = new aws.appautoscaling.Target(
    `${ctx.name}-autoscaling`,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${pulumi.output(ctx.cluster).apply(clusterName)}/${service.name}`,
      minCapacity: a.minReplicas ?? ctx.release.replicas,
      maxCapacity: a.maxReplicas,
    },
    opts,
  );
  new aws.appautoscaling.Policy(
    autoNamed(ctx.name, "cpu", AUTO_NAMED.scalingPolicy),
    {
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: a.targetCpuPercent ?? ECS_DEFAULTS.targetCpuPercent,
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
      },
    },
    opts,
  );
}
