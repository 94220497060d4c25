// A fake ECS (service deployments) and ELBv2 (the production rule) for the driver's ECS-managed
// release. Requests arrive as the real SDK commands (built by the code under test from the
// installed @aws-sdk/client-ecs), and every answer is typed by the SDK's own output types, so a
// field the SDK does not have is a compile error here. moto answers ListServiceDeployments with
// 500 and does not run ECS deployment strategies, hence this fake.
import {
  DescribeServiceDeploymentsCommand,
  type DescribeServiceDeploymentsCommandInput,
  type DescribeServiceDeploymentsCommandOutput,
  ListServiceDeploymentsCommand,
  type ListServiceDeploymentsCommandInput,
  type ListServiceDeploymentsCommandOutput,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentLifecycleStage,
  type ServiceDeploymentStatus,
  StopServiceDeploymentCommand,
  type StopServiceDeploymentCommandInput,
  type StopServiceDeploymentCommandOutput,
} from "@aws-sdk/client-ecs";
import {
  DescribeRulesCommand,
  type DescribeRulesCommandInput,
  type DescribeRulesCommandOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ElbClientLike } from "../../../automation/routers/aws/alb";
import type { EcsClientLike, EcsDeploymentDescriptor } from "../../../automation/routers/aws/ecs-deployment";

const ELB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012";
export const CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/main";
export const SERVICE = "arn:aws:ecs:eu-west-1:123456789012:service/main/web";
export const RULE = `${ELB}:listener-rule/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/0a1b2c3d4e5f6a7b`;
export const TG_PRIMARY = `${ELB}:targetgroup/web-primary/0123456789abcdef`;
export const TG_ALTERNATE = `${ELB}:targetgroup/web-alternate/fedcba9876543210`;
export const REV_OLD = "arn:aws:ecs:eu-west-1:123456789012:service-revision/main/web/1111";
export const REV_NEW = "arn:aws:ecs:eu-west-1:123456789012:service-revision/main/web/2222";
export const deploymentArn = (id: string) =>
  `arn:aws:ecs:eu-west-1:123456789012:service-deployment/main/web/${id}`;

export const DESCRIPTOR: EcsDeploymentDescriptor = {
  kind: "aws-ecs-deployment",
  region: "eu-west-1",
  clusterArn: CLUSTER,
  serviceArn: SERVICE,
  strategy: "CANARY",
  listenerArn: `${ELB}:listener/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  productionRuleArn: RULE,
  targetGroups: { primary: TG_PRIMARY, alternate: TG_ALTERNATE },
  testHeader: { name: "X-Canary", value: "true" },
};

/** One request as the fake received it, with the SDK's own input type. */
export type Request =
  | { readonly op: "ListServiceDeployments"; readonly input: ListServiceDeploymentsCommandInput }
  | { readonly op: "DescribeServiceDeployments"; readonly input: DescribeServiceDeploymentsCommandInput }
  | { readonly op: "StopServiceDeployment"; readonly input: StopServiceDeploymentCommandInput }
  | { readonly op: "DescribeRules"; readonly input: DescribeRulesCommandInput };

/** What ECS describes at one read, and the production rule's weights (primary, alternate) then. */
export interface Frame {
  readonly deployment: Omit<ServiceDeployment, "serviceDeploymentArn" | "serviceArn" | "clusterArn">;
  readonly rule: readonly [number, number];
}

/** A frame of a deployment from REV_OLD to REV_NEW asking `weight` % for the new revision. */
export function frame(
  status: ServiceDeploymentStatus,
  stage: ServiceDeploymentLifecycleStage | undefined,
  weight: number | undefined,
  rule: readonly [number, number],
  extra: Partial<ServiceDeployment> = {},
): Frame {
  return {
    deployment: {
      status,
      ...(stage ? { lifecycleStage: stage } : {}),
      targetServiceRevision: {
        arn: REV_NEW,
        requestedTaskCount: 2,
        runningTaskCount: 2,
        pendingTaskCount: 0,
        ...(weight !== undefined ? { requestedProductionTrafficWeight: weight } : {}),
      },
      sourceServiceRevisions: [
        {
          arn: REV_OLD,
          requestedTaskCount: 2,
          runningTaskCount: 2,
          pendingTaskCount: 0,
          ...(weight !== undefined ? { requestedProductionTrafficWeight: 100 - weight } : {}),
        },
      ],
      ...extra,
    },
    rule,
  };
}

const metadata = { $metadata: {} };

export class FakeAws {
  readonly requests: Request[] = [];
  /** What ListServiceDeployments knows, newest first. */
  readonly deployments: ServiceDeploymentBrief[] = [];
  /** Frames by deployment ARN: each describe takes the next one; the last one repeats. */
  readonly frames = new Map<string, Frame[]>();
  /** The frames a StopServiceDeployment (ROLLBACK) switches a deployment to. */
  readonly rollbackFrames = new Map<string, Frame[]>();
  /** The production rule's weights now. */
  rule: readonly [number, number] = [100, 0];
  failStop?: Error;

  readonly ecs: EcsClientLike = { send: (c) => this.sendEcs(c) };
  readonly elb: ElbClientLike = { send: (c) => this.sendElb(c) };

  /** A deployment ECS starts (as an UpdateService would), described by `frames` in turn. */
  start(id: string, frames: Frame[], createdAt = new Date()): string {
    const arn = deploymentArn(id);
    this.deployments.unshift({
      serviceDeploymentArn: arn,
      serviceArn: SERVICE,
      clusterArn: CLUSTER,
      createdAt,
      startedAt: createdAt,
      status: frames[0]?.deployment.status ?? "PENDING",
      targetServiceRevisionArn: REV_NEW,
    });
    this.frames.set(arn, [...frames]);
    return arn;
  }

  ops(): string[] {
    return this.requests.map((r) => r.op);
  }

  private async sendEcs(command: unknown): Promise<unknown> {
    if (command instanceof ListServiceDeploymentsCommand) {
      const input = command.input;
      this.requests.push({ op: "ListServiceDeployments", input });
      const after = input.createdAt?.after;
      const out: ListServiceDeploymentsCommandOutput = {
        ...metadata,
        serviceDeployments: this.deployments.filter(
          (d) => !after || (d.createdAt?.getTime() ?? 0) >= after.getTime(),
        ),
      };
      return out;
    }
    if (command instanceof DescribeServiceDeploymentsCommand) {
      const input = command.input;
      this.requests.push({ op: "DescribeServiceDeployments", input });
      const arn = input.serviceDeploymentArns?.[0] ?? "";
      const frames = this.frames.get(arn);
      if (!frames) {
        const out: DescribeServiceDeploymentsCommandOutput = {
          ...metadata,
          serviceDeployments: [],
          failures: [{ arn, reason: "MISSING" }],
        };
        return out;
      }
      const f = (frames.length > 1 ? frames.shift() : frames[0]) as Frame;
      this.rule = f.rule;
      const brief = this.deployments.find((d) => d.serviceDeploymentArn === arn);
      if (brief && f.deployment.status) brief.status = f.deployment.status;
      const out: DescribeServiceDeploymentsCommandOutput = {
        ...metadata,
        serviceDeployments: [
          { serviceDeploymentArn: arn, serviceArn: SERVICE, clusterArn: CLUSTER, ...f.deployment },
        ],
        failures: [],
      };
      return out;
    }
    if (command instanceof StopServiceDeploymentCommand) {
      const input = command.input;
      this.requests.push({ op: "StopServiceDeployment", input });
      if (this.failStop) throw this.failStop;
      const arn = input.serviceDeploymentArn ?? "";
      this.frames.set(arn, [
        ...(this.rollbackFrames.get(arn) ?? [frame("ROLLBACK_SUCCESSFUL", undefined, 0, [100, 0])]),
      ]);
      const out: StopServiceDeploymentCommandOutput = { ...metadata, serviceDeploymentArn: arn };
      return out;
    }
    throw new Error(`fake ECS: unexpected command ${String((command as object)?.constructor?.name)}`);
  }

  private async sendElb(command: unknown): Promise<unknown> {
    if (!(command instanceof DescribeRulesCommand)) throw new Error("fake ELB: unexpected command");
    this.requests.push({ op: "DescribeRules", input: command.input });
    const out: DescribeRulesCommandOutput = {
      ...metadata,
      Rules: [
        {
          RuleArn: RULE,
          Actions: [
            {
              Type: "forward",
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: TG_PRIMARY, Weight: this.rule[0] },
                  { TargetGroupArn: TG_ALTERNATE, Weight: this.rule[1] },
                ],
              },
            },
          ],
        },
      ],
    };
    return out;
  }
}
