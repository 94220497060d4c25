// `controller: "ecs"`: ECS's own BLUE_GREEN, CANARY and LINEAR deployments shift the traffic
// between a primary and an alternate target group through listener rules that ECS rewrites. The
// strategy model is translated where ECS can express it and rejected with field/value/fix where
// it cannot (more than one canary step of unequal size, manual pauses). The rules' actions are
// ECS's to change, so Pulumi ignores them after creation.
//
// The strategy's checks are the release driver's: it watches the deployment an `up` starts
// (automation/driver/ecs-native.ts), runs the checks while the new revision has traffic, and stops
// the deployment with rollback when one fails. An analysis step's checks add their length to the
// bake of the weight before it, so ECS holds that weight while they run. ECS itself rolls back on
// its circuit breaker and on the CloudWatch alarms given in `ecsAlarms`.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type BlueGreenStrategy,
  type CanaryStrategy,
  type MetricsDescriptor,
  type PlatformRelease,
  type RouterDescriptor,
} from "../core";
import { ECS_DEFAULTS, type EcsServiceArgs } from "./args";
import { type EcsNativeArgs, ecsBlueGreenConfiguration, ecsCanaryConfiguration } from "./ecsStrategy";
import { AUTO_NAMED, autoNamed, managedPolicyArn } from "./names";
import { loadBalancerDimension, weightedForward } from "./plan";
import { createEcsService, createTargetGroup, type EcsContext, releaseTags } from "./resources";
import { CREATED_HEADER_PRIORITY, createLoadBalancer, PREVIEW_HEADER } from "./routing";

/** Path of the managed policy that lets ECS rewrite listener rules during its deployments (no `service-role/`). */
export const ECS_LOAD_BALANCER_POLICY_NAME = "AmazonECSInfrastructureRolePolicyForLoadBalancers";

/** That policy in the commercial partition (`aws`). */
export const ECS_LOAD_BALANCER_POLICY = `arn:aws:iam::aws:policy/${ECS_LOAD_BALANCER_POLICY_NAME}`;

/** Priority of the production rule on a created listener in ECS-managed mode. */
export const NATIVE_PRODUCTION_PRIORITY = 100;

/** What an ECS-managed service hands back to its component. */
export interface NativeService {
  readonly service: aws.ecs.Service;
  readonly endpoint: pulumi.Output<string>;
  readonly listenerArn: pulumi.Output<string>;
  readonly ruleArn: pulumi.Output<string>;
  /** What the component registers: router "aws-ecs-deployment", metrics "cloudwatch-alb" by ECS role. */
  readonly release: PlatformRelease;
}

function nativeService(
  ctx: EcsContext,
  deploymentConfiguration: aws.types.input.ecs.ServiceDeploymentConfiguration,
  testHeader: { name: string; value: string } | undefined,
  deregistrationDelaySeconds: number,
): NativeService {
  const { args, name } = ctx;
  const native = args as EcsServiceArgs & EcsNativeArgs;
  const opts = { parent: ctx.parent };
  const primary = createTargetGroup(ctx, "primary", deregistrationDelaySeconds);
  const alternate = createTargetGroup(ctx, "alternate", deregistrationDelaySeconds);
  const action = weightedForward([
    { arn: primary.arn, weight: 100 },
    { arn: alternate.arn, weight: 0 },
  ]);
  const tags = releaseTags(ctx, "router");
  // ECS rewrites the rules' actions on every deployment.
  const ruleOpts = { parent: ctx.parent, ignoreChanges: ["actions"] };
  let listenerArn: pulumi.Output<string>;
  let lbDimension: pulumi.Output<string>;
  let endpoint: pulumi.Output<string>;
  let priority: number;
  let conditions: aws.types.input.lb.ListenerRuleCondition[];
  const rules: pulumi.Resource[] = [];
  if (args.listener) {
    listenerArn = pulumi.output(args.listener.listenerArn);
    lbDimension = listenerArn.apply((arn) => loadBalancerDimension(arn) ?? arn);
    endpoint = pulumi.output(args.listener.endpoint);
    priority = args.listener.priority;
    conditions = args.listener.conditions;
  } else {
    const port = args.loadBalancer?.port ?? ECS_DEFAULTS.listenerPort;
    const lb = createLoadBalancer(ctx, tags);
    const listener = new aws.lb.Listener(
      `${name}-listener`,
      {
        loadBalancerArn: lb.arn,
        port,
        protocol: "HTTP",
        defaultActions: [
          {
            type: "fixed-response",
            fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "no route" },
          },
        ],
        tags,
      },
      opts,
    );
    rules.push(listener);
    listenerArn = listener.arn;
    lbDimension = lb.arnSuffix;
    endpoint = pulumi.interpolate`http://${lb.dnsName}${port === 80 ? "" : `:${port}`}`;
    priority = NATIVE_PRODUCTION_PRIORITY;
    conditions = [{ pathPattern: { values: ["/*"] } }];
  }
  const production = new aws.lb.ListenerRule(
    `${name}-rule`,
    { listenerArn, priority, conditions, actions: [action], tags },
    ruleOpts,
  );
  rules.push(production);
  const test = testHeader
    ? new aws.lb.ListenerRule(
        `${name}-test`,
        {
          listenerArn,
          priority: args.listener ? priority - 1 : CREATED_HEADER_PRIORITY,
          conditions: [
            ...conditions,
            { httpHeader: { httpHeaderName: testHeader.name, values: [testHeader.value] } },
          ],
          actions: [action],
          tags,
        },
        ruleOpts,
      )
    : undefined;
  if (test) rules.push(test);
  let roleArn = native.ecsInfrastructureRoleArn;
  if (roleArn === undefined) {
    const role = new aws.iam.Role(
      autoNamed(name, "ecs-infrastructure", AUTO_NAMED.role),
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      },
      opts,
    );
    rules.push(
      new aws.iam.RolePolicyAttachment(
        `${name}-ecs-infrastructure`,
        { role: role.name, policyArn: managedPolicyArn(ctx.partition, ECS_LOAD_BALANCER_POLICY_NAME) },
        opts,
      ),
    );
    roleArn = role.arn;
  }
  const traffic = ctx.release.traffic;
  const service = createEcsService(ctx, {
    role: "service",
    serviceName: ctx.baseName,
    // ECS runs one version at a time and shifts to the newest: the candidate when there is one.
    version: traffic.candidateVersion ?? traffic.stableVersion,
    targetGroup: primary,
    desiredCount: ctx.release.replicas,
    deployment: {
      // `up` returns once ECS has the new revision: the driver watches the deployment (its
      // checks run while ECS shifts traffic). Waiting here would block through every bake.
      waitForSteadyState: false,
      deploymentConfiguration,
      loadBalancers: [
        {
          targetGroupArn: primary.arn,
          containerName: "app",
          containerPort: ctx.port,
          advancedConfiguration: {
            alternateTargetGroupArn: alternate.arn,
            productionListenerRule: production.arn,
            ...(test ? { testListenerRule: test.arn } : {}),
            roleArn,
          },
        },
      ],
      ...(native.ecsAlarms && native.ecsAlarms.length > 0
        ? { alarms: { alarmNames: [...native.ecsAlarms], enable: true, rollback: true } }
        : {}),
    },
    dependsOn: rules,
  });
  const router = pulumi
    .all([ctx.region, service.cluster, service.arn, listenerArn, production.arn, primary.arn, alternate.arn])
    .apply(
      ([region, clusterArn, serviceArn, listener, rule, p, a]): RouterDescriptor => ({
        kind: "aws-ecs-deployment",
        region,
        clusterArn,
        serviceArn,
        strategy: deploymentConfiguration.strategy as "BLUE_GREEN" | "CANARY" | "LINEAR",
        listenerArn: listener,
        productionRuleArn: rule,
        targetGroups: { primary: p, alternate: a },
        ...(testHeader ? { testHeader: { name: testHeader.name, value: testHeader.value } } : {}),
      }),
    );
  const metrics = pulumi.all([ctx.region, lbDimension, primary.arnSuffix, alternate.arnSuffix]).apply(
    ([region, loadBalancer, p, a]): MetricsDescriptor => ({
      kind: "cloudwatch-alb",
      region,
      loadBalancer,
      targetGroups: { primary: p, alternate: a },
    }),
  );
  return {
    service,
    endpoint,
    listenerArn,
    ruleArn: production.arn,
    release: {
      service: ctx.baseName,
      endpoint,
      router,
      metrics,
      trafficResources: [service],
      outputs: { serviceName: service.name, controller: "ecs" },
    },
  };
}

/** The ECS-managed canary (CANARY or LINEAR) of a validated strategy. */
export function ecsNativeCanary(
  ctx: EcsContext,
  strategy: CanaryStrategy,
  durations: { deregistrationDelaySeconds: number },
): NativeService {
  const config = ecsCanaryConfiguration(strategy, []) as aws.types.input.ecs.ServiceDeploymentConfiguration;
  return nativeService(ctx, config, strategy.headerRoute, durations.deregistrationDelaySeconds);
}

/** The ECS-managed blue-green (BLUE_GREEN) of a validated strategy; the test rule takes `X-Preview: true`. */
export function ecsNativeBlueGreen(
  ctx: EcsContext,
  strategy: BlueGreenStrategy,
  durations: { deregistrationDelaySeconds: number },
): NativeService {
  const config = ecsBlueGreenConfiguration(
    strategy,
    [],
  ) as aws.types.input.ecs.ServiceDeploymentConfiguration;
  return nativeService(
    ctx,
    config,
    strategy.previewService ? PREVIEW_HEADER : undefined,
    durations.deregistrationDelaySeconds,
  );
}
