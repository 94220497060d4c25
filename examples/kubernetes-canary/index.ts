// A canary of a small web service on Kubernetes. The traffic split is stack state: the component
// reads its entry `progressive:traffic.hello` (versions and weight), and `version` is only the
// version of the first deploy, while that entry does not exist yet. The release driver
// (`progressive release 1.27.3-alpine --stack dev`) writes the entry and runs `pulumi up` between
// steps; by hand it is the same:
//
//   pulumi config set --path 'progressive:traffic.hello.stableVersion' 1.27-alpine
//   pulumi config set --path 'progressive:traffic.hello.candidateVersion' 1.27.3-alpine
//   pulumi config set --path 'progressive:traffic.hello.candidateWeight' 20 && pulumi up
//
// With `host` set, traffic is split by ingress-nginx; without it, by replica ratio (any cluster).

import * as pulumi from "@pulumi/pulumi";
import { Check, Step, Strategy } from "pulumi-progressive-delivery";
import { CanaryService, TrafficRouter } from "pulumi-progressive-delivery/kubernetes";

const config = new pulumi.Config();
const host = config.get("host");

const web = new CanaryService("hello", {
  // nginx-unprivileged listens on 8080 and runs as a non-root user; a version is an image tag.
  image: "nginxinc/nginx-unprivileged",
  version: "1.27-alpine",
  namespace: config.get("namespace") ?? "default",
  replicas: config.getNumber("replicas") ?? 4,
  port: 8080,
  strategy: Strategy.canary({
    // 20 and 50 are weights a replica ratio with 4 replicas can represent; ingress-nginx can do any.
    steps: [
      Step.setWeight(20),
      Step.analysis(),
      Step.pause("5m"),
      Step.setWeight(50),
      Step.analysis(),
      Step.setWeight(100),
    ],
    checks: [Check.http({ name: "home", path: "/", expectedStatus: [200] })],
    headerRoute: host ? { name: "X-Canary", value: "true" } : false,
  }),
  router: host ? TrafficRouter.nginx({ host }) : TrafficRouter.replicaRatio(),
  health: {
    readiness: { path: "/", interval: "5s", timeout: "2s" },
    liveness: { path: "/", initialDelay: "10s" },
  },
  container: { resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } } },
  env: { GREETING: "hello" },
});

export const endpoint = web.endpoint;
export const stableVersion = web.stableVersion;
export const candidate = web.candidateVersion;
export const plannedWeight = web.plannedWeight;
export const replicas = web.replicas;
