// The ALB side of a service: a created ALB with its listener (the listener's default action holds
// the weights) or a rule on a shared listener (the rule holds them), the header route to the
// canary, the blue-green test listener (or rule), and the release descriptors that tell the
// driver where the weights are read and which CloudWatch dimensions measure each slot.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MetricsDescriptor, RouterDescriptor } from "../core";
import { ECS_DEFAULTS } from "./args";
import { AUTO_NAMED, autoNamed } from "./names";
import { loadBalancerDimension, weightedForward } from "./plan";
import { type EcsContext, releaseTags } from "./resources";

/** Priority of the header-route rule on a created listener (the listener's default action holds the weights). */
export const CREATED_HEADER_PRIORITY = 10;

/** Header that reaches the idle colour through a blue-green preview rule on a shared listener. */
export const PREVIEW_HEADER = { name: "X-Preview", value: "true" } as const;

/** A slot's target group and the share of requests it gets. */
export interface WeightedSlot {
  readonly slot: string;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly weight: number;
}

/** What to route. */
export interface RoutingSpec {
  /** Production weights, one entry per slot (all listed, also at 0). */
  readonly production: readonly WeightedSlot[];
  /** A header that sends a request to one target group whatever the weights (canary testers). @default none */
  readonly header?: {
    readonly name: string;
    readonly value: string;
    readonly targetGroup: aws.lb.TargetGroup;
  };
  /** Weights of the blue-green preview (the idle colour at 100). @default no preview */
  readonly preview?: readonly WeightedSlot[];
  /** Sticky sessions, in seconds. @default off */
  readonly stickinessSeconds?: number;
}

/** The routing resources and the release descriptors. */
export interface Routing {
  readonly listenerArn: pulumi.Output<string>;
  /** The rule holding the weights, on a shared listener. */
  readonly ruleArn?: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly previewEndpoint?: pulumi.Output<string>;
  /** The listener or rule holding the production weights. */
  readonly weights: pulumi.Resource;
  /** Every listener and rule created; a target group must belong to one before an ECS service uses it. */
  readonly resources: pulumi.Resource[];
  readonly router: pulumi.Output<RouterDescriptor>;
  readonly metrics: pulumi.Output<MetricsDescriptor>;
}

type Action = aws.types.input.lb.ListenerDefaultAction;

function forward(slots: readonly WeightedSlot[], stickiness?: number): Action {
  // One group (rolling): the plain form, which is what AWS stores and reads back for it.
  const only = slots.length === 1 ? slots[0] : undefined;
  if (only && stickiness === undefined) return { type: "forward", targetGroupArn: only.targetGroup.arn };
  return weightedForward(
    slots.map((s) => ({ arn: s.targetGroup.arn, weight: s.weight })),
    stickiness,
  );
}

function url(host: pulumi.Input<string>, port: number): pulumi.Output<string> {
  return pulumi.interpolate`http://${host}${port === 80 ? "" : `:${port}`}`;
}

/**
 * The ALB the component creates when no listener is given: in `loadBalancer.subnets` (required
 * when it faces the internet: task subnets are usually private), else internal in the task subnets.
 */
export function createLoadBalancer(ctx: EcsContext, tags: Record<string, string>): aws.lb.LoadBalancer {
  const created = ctx.args.loadBalancer ?? {};
  return new aws.lb.LoadBalancer(
    autoNamed(ctx.name, "alb", AUTO_NAMED.loadBalancer),
    {
      loadBalancerType: "application",
      internal: !(created.internetFacing ?? true),
      subnets: created.subnets ?? ctx.args.subnets,
      ...(ctx.loadBalancerSecurityGroups ? { securityGroups: ctx.loadBalancerSecurityGroups } : {}),
      tags,
    },
    { parent: ctx.parent },
  );
}

/** Creates the listener (or rules) and returns where the weights live. */
export function createRouting(ctx: EcsContext, spec: RoutingSpec): Routing {
  const { args, name } = ctx;
  const opts = { parent: ctx.parent };
  const tags = releaseTags(ctx, "router");
  const headerCondition = (h: { name: string; value: string }) => ({
    httpHeader: { httpHeaderName: h.name, values: [h.value] },
  });
  const resources: pulumi.Resource[] = [];
  let listenerArn: pulumi.Output<string>;
  let ruleArn: pulumi.Output<string> | undefined;
  let endpoint: pulumi.Output<string>;
  let previewEndpoint: pulumi.Output<string> | undefined;
  let lbDimension: pulumi.Output<string>;
  let weights: pulumi.Resource;

  if (args.listener) {
    const shared = args.listener;
    listenerArn = pulumi.output(shared.listenerArn);
    const rule = new aws.lb.ListenerRule(
      `${name}-rule`,
      {
        listenerArn,
        priority: shared.priority,
        conditions: shared.conditions,
        actions: [forward(spec.production, spec.stickinessSeconds)],
        tags,
      },
      opts,
    );
    weights = rule;
    ruleArn = rule.arn;
    resources.push(rule);
    const extra = spec.header
      ? {
          role: "header",
          header: spec.header,
          action: { type: "forward", targetGroupArn: spec.header.targetGroup.arn },
        }
      : spec.preview
        ? { role: "preview", header: PREVIEW_HEADER, action: forward(spec.preview) }
        : undefined;
    if (extra) {
      resources.push(
        new aws.lb.ListenerRule(
          `${name}-${extra.role}`,
          {
            listenerArn,
            priority: shared.priority - 1,
            conditions: [...shared.conditions, headerCondition(extra.header)],
            actions: [extra.action],
            tags,
          },
          opts,
        ),
      );
    }
    endpoint = pulumi.output(shared.endpoint);
    lbDimension = listenerArn.apply((arn) => loadBalancerDimension(arn) ?? arn);
  } else {
    const created = args.loadBalancer ?? {};
    const port = created.port ?? ECS_DEFAULTS.listenerPort;
    const lb = createLoadBalancer(ctx, tags);
    const listener = new aws.lb.Listener(
      `${name}-listener`,
      {
        loadBalancerArn: lb.arn,
        port,
        protocol: "HTTP",
        defaultActions: [forward(spec.production, spec.stickinessSeconds)],
        tags,
      },
      opts,
    );
    weights = listener;
    listenerArn = listener.arn;
    resources.push(listener);
    if (spec.header) {
      resources.push(
        new aws.lb.ListenerRule(
          `${name}-header`,
          {
            listenerArn: listener.arn,
            priority: CREATED_HEADER_PRIORITY,
            conditions: [headerCondition(spec.header)],
            actions: [{ type: "forward", targetGroupArn: spec.header.targetGroup.arn }],
            tags,
          },
          opts,
        ),
      );
    }
    if (spec.preview) {
      const previewPort = created.previewPort ?? ECS_DEFAULTS.previewPort;
      resources.push(
        new aws.lb.Listener(
          `${name}-preview`,
          {
            loadBalancerArn: lb.arn,
            port: previewPort,
            protocol: "HTTP",
            defaultActions: [forward(spec.preview)],
            tags,
          },
          opts,
        ),
      );
      previewEndpoint = url(lb.dnsName, previewPort);
    }
    endpoint = url(lb.dnsName, port);
    lbDimension = lb.arnSuffix;
  }

  const slots = spec.production;
  const arns = pulumi.all(slots.map((s) => s.targetGroup.arn));
  const suffixes = pulumi.all(slots.map((s) => s.targetGroup.arnSuffix));
  const bySlot = (values: string[]) => Object.fromEntries(slots.map((s, i) => [s.slot, values[i] as string]));
  const router = pulumi.all([ctx.region, listenerArn, ruleArn ?? pulumi.output(undefined), arns]).apply(
    ([region, listener, rule, tgs]): RouterDescriptor => ({
      kind: "aws-alb",
      region,
      listenerArn: listener,
      ...(rule !== undefined ? { ruleArn: rule } : {}),
      targetGroups: bySlot(tgs),
    }),
  );
  const metrics = pulumi.all([ctx.region, lbDimension, suffixes]).apply(
    ([region, loadBalancer, tgs]): MetricsDescriptor => ({
      kind: "cloudwatch-alb",
      region,
      loadBalancer,
      targetGroups: bySlot(tgs),
    }),
  );
  return {
    listenerArn,
    ...(ruleArn ? { ruleArn } : {}),
    endpoint,
    ...(previewEndpoint ? { previewEndpoint } : {}),
    weights,
    resources,
    router,
    metrics,
  };
}
