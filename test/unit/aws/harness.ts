// Test harness for the AWS components: Pulumi mocks that answer the ALB, ECS and IAM types with
// ARNs shaped like AWS's (so the descriptors' ARN suffixes can be asserted), and small readers.

import * as pulumi from "@pulumi/pulumi";
import type { CanaryServiceArgs, EcsServiceArgs } from "../../../components/aws";
import { find, promiseOf, record, settle, useMocks } from "../../support/mocks";

export { all, find, isSecret, promiseOf, type Recorded, recorded, settle } from "../../support/mocks";
export { registeredOutputs, setTrafficConfig } from "../kubernetes/harness";

export const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
export const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
export const LISTENER = "aws:lb/listener:Listener";
export const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
export const ECS_SERVICE = "aws:ecs/service:Service";
export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
export const CLUSTER = "aws:ecs/cluster:Cluster";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const ROLE = "aws:iam/role:Role";
export const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const SCALING_TARGET = "aws:appautoscaling/target:Target";
export const SCALING_POLICY = "aws:appautoscaling/policy:Policy";

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";
const ELB = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}`;
/** The id every mocked load balancer gets. */
export const LB_ID = "50dc6c495c0c9188";

/** The ARN suffix (CloudWatch dimension) the mocks give a target group named `name`. */
export const tgSuffix = (name: string) => `targetgroup/${name}/0123456789abcdef`;
/** The ARN the mocks give a target group named `name`. */
export const tgArn = (name: string) => `${ELB}:${tgSuffix(name)}`;
/** The ARN the mocks give the listener of a component named `name`. */
export const listenerArn = (name: string) => `${ELB}:listener/app/${name}-alb/${LB_ID}/f2f7dc8efc522ab2`;
/** A shared listener's ARN, as a user would pass it. */
export const SHARED_LISTENER = `${ELB}:listener/app/shared/9f1e2d3c4b5a6978/1a2b3c4d5e6f7a8b`;

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
function outputsFor(type: string, inputs: any, name: string): Record<string, unknown> {
  switch (type) {
    case TARGET_GROUP:
      return { ...inputs, arn: tgArn(name), arnSuffix: tgSuffix(name) };
    case LOAD_BALANCER:
      return {
        ...inputs,
        arn: `${ELB}:loadbalancer/app/${name}/${LB_ID}`,
        arnSuffix: `app/${name}/${LB_ID}`,
        dnsName: `${name}-1234567890.${REGION}.elb.amazonaws.com`,
      };
    case LISTENER:
      return {
        ...inputs,
        arn: `${ELB}:listener/app/${name.replace(/-(listener|preview)$/, "-alb")}/${LB_ID}/${name.endsWith("preview") ? "aaaa" : "f2f7dc8efc522ab2"}`,
      };
    case LISTENER_RULE:
      return { ...inputs, arn: `${ELB}:listener-rule/app/shared/9f1e2d3c4b5a6978/1a2b3c4d5e6f7a8b/${name}` };
    case TASK_DEFINITION:
      return { ...inputs, arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${inputs.family}:1` };
    case CLUSTER:
      return { ...inputs, arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}` };
    case ECS_SERVICE:
      return {
        ...inputs,
        arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${String(inputs.cluster).split("/").pop()}/${inputs.name}`,
      };
    case ROLE:
      return { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name };
    default:
      return inputs;
  }
}

/** Installs the AWS mocks; call in beforeEach. */
export async function useAwsMocks(): Promise<void> {
  await useMocks();
  partition = "aws";
  // useMocks resets the records and service names; these mocks record the same way with AWS-shaped outputs.
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        record({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: outputsFor(args.type, args.inputs, args.name) };
      },
      call(args) {
        if (args.token === "aws:index/getRegion:getRegion") return { region: "us-east-2" };
        if (args.token === "aws:index/getPartition:getPartition") return { partition };
        return args.inputs;
      },
    },
    "project",
    "stack",
    false,
  );
}

/** The partition the mocked provider reports; useAwsMocks resets it to "aws". */
let partition = "aws";

/** Sets the partition the mocked provider reports (after useAwsMocks), e.g. "aws-cn". */
export function setPartition(value: string): void {
  partition = value;
}

/** Task network args every test passes (with a shared listener, these alone). */
export const TASKS: Pick<EcsServiceArgs, "image" | "vpcId" | "subnets" | "region" | "cluster"> = {
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web",
  vpcId: "vpc-0abc",
  subnets: ["subnet-a", "subnet-b"],
  region: REGION,
  cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/main",
};

/** Public subnets of the created internet-facing ALB. */
export const PUBLIC_SUBNETS = ["subnet-pub-a", "subnet-pub-b"];

/** Task network args and the created ALB's public subnets. */
export const NETWORK: Pick<
  EcsServiceArgs,
  "image" | "vpcId" | "subnets" | "region" | "cluster" | "loadBalancer"
> = {
  ...TASKS,
  loadBalancer: { subnets: PUBLIC_SUBNETS },
};

/** Builds a component and waits until its children are registered. */
export async function deploy<T extends { endpoint: pulumi.Output<string> }>(build: () => T): Promise<T> {
  const component = build();
  await promiseOf(component.endpoint);
  await settle();
  return component;
}

/** The default actions (or rule actions) of a recorded listener or rule. */
export function forwardOf(
  type: string,
  name: string,
): { targetGroups: { arn: string; weight: number }[]; stickiness: unknown } {
  const r = find(type, name).inputs;
  const action = (type === LISTENER ? r.defaultActions : r.actions)[0];
  return action.forward;
}

/** The parsed container definition of a slot's task definition. */
// biome-ignore lint/suspicious/noExplicitAny: container definitions are untyped JSON
export function containerOf(name: string): any {
  const defs = JSON.parse(find(TASK_DEFINITION, name).inputs.containerDefinitions);
  return defs[0];
}

/** Args of a canary with the test network. */
export function canaryArgs(extra: Partial<CanaryServiceArgs> = {}): CanaryServiceArgs {
  return { ...(extra.listener ? TASKS : NETWORK), ...extra };
}
