// AWS: the ALB listener and ECS-managed deployments as routers, and ECS's own deployments as a
// release mode (ecs-release.ts). Builtin metrics (CloudWatch for the ALB) are metrics/builtin-aws.ts.
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
  releaseMode: (target, plan, options, host) =>
    isEcsManaged(target.service) ? new EcsNativeRelease(target, plan, options, host) : undefined,
  managedBy: (router) => (router.kind === "aws-ecs-deployment" ? `ECS (${router.strategy})` : undefined),
};
