// A canary of a web service on ECS Fargate behind an Application Load Balancer, for a user with an
// AWS account and an existing VPC. The traffic split is stack state: the component reads its entry
// `progressive:traffic.web` (versions and weight), and `version` is only the first deploy's. The
// release driver (`progressive release 1.27.3-alpine --stack dev`) writes the entry and runs
// `pulumi up` between steps, and reads the weights back from the listener; by hand it is:
//
//   pulumi config set --path 'progressive:traffic.web.stableVersion' 1.27-alpine
//   pulumi config set --path 'progressive:traffic.web.candidateVersion' 1.27.3-alpine
//   pulumi config set --path 'progressive:traffic.web.candidateWeight' 10 && pulumi up
//
// Required config: vpcId and subnets (two or more, in different availability zones). Optional:
// publicSubnets (the internet-facing ALB's; default: subnets, for tasks in public subnets),
// dbPasswordSecretArn (a Secrets Manager secret the tasks read as DB_PASSWORD), replicas.

import * as pulumi from "@pulumi/pulumi";
import { Check, Step, Strategy } from "pulumi-progressive-delivery";
import { CanaryService } from "pulumi-progressive-delivery/aws";

const config = new pulumi.Config();
const secret = config.get("dbPasswordSecretArn");
const subnets = config.requireObject<string[]>("subnets");

const web = new CanaryService("web", {
  // nginx-unprivileged listens on 8080 as a non-root user; a version is an image tag. Mirror it
  // into ECR and pin digests for production (the policy pack's image rules say so).
  image: "public.ecr.aws/nginx/nginx-unprivileged:{version}",
  version: "1.27-alpine",
  vpcId: config.require("vpcId"),
  subnets,
  // Public subnets without a NAT need public IPs to pull the image.
  assignPublicIp: config.getBoolean("assignPublicIp") ?? true,
  // The internet-facing ALB needs public subnets: the tasks' own here, unless the tasks are private.
  loadBalancer: { subnets: config.getObject<string[]>("publicSubnets") ?? subnets },
  replicas: config.getNumber("replicas") ?? 2,
  cpu: 256,
  memory: 512,
  port: 8080,
  strategy: Strategy.canary({
    // CloudWatch points are a minute apart and lag: each analysis reads at least 5 minutes.
    steps: [
      Step.setWeight(10),
      Step.analysis(),
      Step.pause("5m"),
      Step.setWeight(50),
      Step.analysis(),
      Step.setWeight(100),
    ],
    checks: [
      Check.metric({
        name: "http-5xx-rate",
        provider: "builtin",
        query: "http5xxRate",
        failureCondition: "> 0.05",
        interval: "5m",
        count: 1,
      }),
      Check.http({ name: "home", path: "/", expectedStatus: [200] }),
    ],
  }),
  health: {
    readiness: { path: "/", interval: "10s", timeout: "5s" },
  },
  env: { GREETING: "hello" },
  ...(secret ? { secretEnv: { DB_PASSWORD: secret } } : {}),
  tags: { app: "web" },
});

export const endpoint = web.endpoint;
export const stableVersion = web.stableVersion;
export const candidate = web.candidateVersion;
export const weight = web.candidateWeight;
export const replicas = web.replicas;
export const listenerArn = web.listenerArn;
