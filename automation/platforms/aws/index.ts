// AWS: the ALB listener and ECS-managed deployments as routers, the ALB's CloudWatch metrics as
// `builtin` (metrics/builtin-aws.ts), and ECS's own deployments as a release mode (ecs-release.ts).

import { createCloudWatchAlbSource } from "../../metrics/builtin-aws";
import { awsAlbControl } from "../../routers/aws/alb";
import { awsEcsDeploymentControl } from "../../routers/aws/ecs-deployment";
import type { PlatformModule } from "../types";
import { EcsNativeRelease, isEcsManaged } from "./ecs-release";

export const aws: PlatformModule = {
  name: "aws",
  routers: {
    "aws-alb": (descriptor, _secrets, options) => awsAlbControl(descriptor, options),
    "aws-ecs-deployment": (descriptor, _secrets, options) => awsEcsDeploymentControl(descriptor, options),
  },
  builtinMetrics: {
    "cloudwatch-alb": {
      create(descriptor, { settings, traffic }) {
        // Slots are target groups: stable/canary, or the colours (the idle one holds the candidate).
        const active = traffic?.activeColor ?? "blue";
        const slots =
          "blue" in descriptor.targetGroups
            ? { candidate: active === "blue" ? "green" : "blue", stable: active }
            : { candidate: "canary", stable: "stable" };
        return createCloudWatchAlbSource(descriptor, {
          slots,
          ...(settings.cloudwatch?.endpoint ? { endpoint: settings.cloudwatch.endpoint } : {}),
          ...(settings.cloudwatch?.timeoutMs ? { timeoutMs: settings.cloudwatch.timeoutMs } : {}),
        });
      },
    },
  },
  releaseMode: (target, plan, options, host) =>
    isEcsManaged(target.service)
      ? new EcsNativeRelease(target, plan, options, host, { runAnalysis: host.runAnalysis })
      : undefined,
  managedBy: (router) => (router.kind === "aws-ecs-deployment" ? `ECS (${router.strategy})` : undefined),
};
