// Arguments every AWS component shares. Container, task definition and ECS service options are the
// @pulumi/aws input types with the fields this project owns removed, so every other ECS option
// passes through without being forwarded by hand.

import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgNames, HealthInput } from "../core";

/**
 * How a version label becomes an image: a repository (`"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web"`,
 * the tag is the version), a template containing `{version}` (`"public.ecr.aws/acme/web:{version}-arm64"`),
 * or a function.
 */
export type ImageSource = string | ((version: string) => pulumi.Input<string>);

/** Container options other than the ones the component sets (name, image, ports, env, secrets, logs, health). */
export type ContainerOptions = Omit<
  aws.ecs.ContainerDefinition,
  | "name"
  | "image"
  | "portMappings"
  | "environment"
  | "secrets"
  | "essential"
  | "logConfiguration"
  | "healthCheck"
>;

/** Task definition options other than the ones the component sets. */
export type TaskDefinitionOptions = Omit<
  aws.ecs.TaskDefinitionArgs,
  | "family"
  | "containerDefinitions"
  | "cpu"
  | "memory"
  | "executionRoleArn"
  | "networkMode"
  | "requiresCompatibilities"
  | "tags"
>;

/** ECS service options other than the ones the component sets (count, network, load balancer, deployment). */
export type EcsServiceOptions = Omit<
  aws.ecs.ServiceArgs,
  | "name"
  | "cluster"
  | "taskDefinition"
  | "desiredCount"
  | "launchType"
  | "networkConfiguration"
  | "loadBalancers"
  | "deploymentCircuitBreaker"
  | "deploymentController"
  | "deploymentConfiguration"
  | "deploymentMaximumPercent"
  | "deploymentMinimumHealthyPercent"
  | "healthCheckGracePeriodSeconds"
  | "waitForSteadyState"
  | "tags"
>;

/** A minimal Application Load Balancer the component creates when no listener is given. */
export interface CreatedLoadBalancer {
  /** Subnets of the load balancer (at least two availability zones). @default the service's `subnets` */
  readonly subnets?: pulumi.Input<pulumi.Input<string>[]>;
  /** Reachable from the internet (`false` makes it internal). @default true */
  readonly internetFacing?: boolean;
  /** Security groups of the load balancer. @default one created, open on the listener ports to `ingressCidrs` */
  readonly securityGroups?: pulumi.Input<pulumi.Input<string>[]>;
  /** Client networks the created security group admits. @default ["0.0.0.0/0"] */
  readonly ingressCidrs?: readonly string[];
  /** Port of the production listener (HTTP). @default 80 */
  readonly port?: number;
  /** Port of the blue-green test listener that serves the idle colour (preview). @default 8080 */
  readonly previewPort?: number;
}

/**
 * An existing listener (of a shared ALB): the component adds a rule that forwards to its target
 * groups with weights, and leaves the listener's default action alone.
 */
export interface SharedListener {
  /** ARN of the listener, e.g. `arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2`. */
  readonly listenerArn: pulumi.Input<string>;
  /** Priority of the service's rule (1-50000, unique on the listener); the header route uses `priority - 1`. */
  readonly priority: number;
  /** Conditions of the rule, e.g. `[{ hostHeader: { values: ["web.example.com"] } }]`. */
  readonly conditions: aws.types.input.lb.ListenerRuleCondition[];
  /** Where clients reach the service through this listener, e.g. `https://web.example.com`. */
  readonly endpoint: pulumi.Input<string>;
}

/** An Application Auto Scaling target tracking the service's average CPU. */
export interface AutoscalingOptions {
  /** Fewest tasks. @default the component's `replicas` */
  readonly minReplicas?: number;
  /** Most tasks. */
  readonly maxReplicas: number;
  /** Average CPU utilisation to hold, in percent. @default 60 */
  readonly targetCpuPercent?: number;
}

/** What every AWS component takes besides its strategy and traffic state. */
export interface EcsServiceArgs {
  /** How a version label becomes an image. */
  readonly image: ImageSource;
  /** VPC of the target groups and tasks. */
  readonly vpcId: pulumi.Input<string>;
  /** Subnets of the tasks (private subnets with a NAT or VPC endpoints, usually). */
  readonly subnets: pulumi.Input<pulumi.Input<string>[]>;
  /** Security groups of the tasks. @default one created that admits `port` from the created load balancer's group */
  readonly securityGroups?: pulumi.Input<pulumi.Input<string>[]>;
  /** Give tasks public IPs (needed in public subnets without a NAT to pull images). @default false */
  readonly assignPublicIp?: boolean;
  /** ECS cluster (name or ARN). @default one created for this service */
  readonly cluster?: pulumi.Input<string>;
  /** Region of the resources, recorded in the release descriptor. @default the provider's region */
  readonly region?: pulumi.Input<string>;
  /** The ALB listener to use; with none, a minimal ALB and listener are created. @default a created ALB */
  readonly listener?: SharedListener;
  /** Options of the created ALB (ignored with `listener`). @default internet-facing, port 80 */
  readonly loadBalancer?: CreatedLoadBalancer;
  /** ECS service name prefix (letters, digits, `-`, `_`). @default the component's name */
  readonly serviceName?: string;
  /** Serving tasks (stable, or the active colour). @default 2 */
  readonly replicas?: number;
  /** Fargate task CPU units (256, 512, 1024, 2048, 4096, 8192, 16384). @default 256 */
  readonly cpu?: number;
  /** Fargate task memory in MiB, valid for the chosen cpu. @default 512 */
  readonly memory?: number;
  /** Port the container listens on. @default 8080 */
  readonly port?: number;
  /**
   * Readiness becomes the target groups' health check; liveness becomes the container's health
   * check (`curl -f http://localhost:<port><path>`, so the image needs curl).
   * @default target group checks GET / expecting 200-399; no container health check
   */
  readonly health?: HealthInput;
  /** Plain environment values, by name (never secrets: they are readable in the task definition). @default {} */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Secret environment values as references (`valueFrom`): a Secrets Manager secret ARN, optionally
   * with `:json-key:version-stage:version-id`, or an SSM parameter ARN. The execution role may read
   * exactly these. @default {}
   */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /** KMS keys that encrypt the secrets, when they are not the AWS managed key. @default none */
  readonly secretKmsKeyArns?: readonly pulumi.Input<string>[];
  /** Execution role to use instead of the created one (then its policies are yours). @default a role created per service */
  readonly executionRoleArn?: pulumi.Input<string>;
  /** Days the created log group keeps the containers' logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Time a target takes to drain when it leaves a target group, e.g. "30s". @default "30s" */
  readonly deregistrationDelay?: string | number;
  /**
   * Sticky sessions on the weighted forward, e.g. "1h". Off by default: a sticky client stays on
   * the candidate for this long after a revert, so a revert is not complete until it expires.
   * @default off
   */
  readonly stickiness?: string | number;
  /** Other container options: command, cpu, memoryReservation, ulimits, linuxParameters... @default {} */
  readonly container?: ContainerOptions;
  /** Other task definition options: taskRoleArn, runtimePlatform, volumes, ephemeralStorage... @default {} */
  readonly taskDefinition?: TaskDefinitionOptions;
  /** Other ECS service options: capacityProviderStrategies, platformVersion, propagateTags... @default {} */
  readonly ecsService?: EcsServiceOptions;
  /** Target tracking on CPU for the serving ECS service. @default none */
  readonly autoscaling?: AutoscalingOptions;
  /** Tags on every resource that takes them. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults of {@link EcsServiceArgs}. */
export const ECS_DEFAULTS = {
  cpu: 256,
  memory: 512,
  port: 8080,
  listenerPort: 80,
  previewPort: 8080,
  logRetentionDays: 30,
  deregistrationDelaySeconds: 30,
  targetCpuPercent: 60,
  ingressCidrs: ["0.0.0.0/0"],
} as const;

/** Every argument name of {@link EcsServiceArgs}, for the components' `ArgNames`. */
export const ECS_SERVICE_ARG_NAMES = {
  image: true,
  vpcId: true,
  subnets: true,
  securityGroups: true,
  assignPublicIp: true,
  cluster: true,
  region: true,
  listener: true,
  loadBalancer: true,
  serviceName: true,
  replicas: true,
  cpu: true,
  memory: true,
  port: true,
  health: true,
  env: true,
  secretEnv: true,
  secretKmsKeyArns: true,
  executionRoleArn: true,
  logRetentionDays: true,
  deregistrationDelay: true,
  stickiness: true,
  container: true,
  taskDefinition: true,
  ecsService: true,
  autoscaling: true,
  tags: true,
} as const satisfies ArgNames<EcsServiceArgs>;
