// A canary of a small web service on Kubernetes. The traffic split is stack config, so the
// release driver (or you, by hand) moves it with `pulumi config set` and `pulumi up`:
//
//   pulumi config set candidateVersion 1.27-alpine
//   pulumi config set candidateWeight 10      # then 25, 50, 100
//   pulumi config set stableVersion 1.27-alpine && pulumi config rm candidateVersion \
//     && pulumi config set candidateWeight 0  # promoted
//
// With `host` set, traffic is split by ingress-nginx; without it, by replica ratio (any cluster).

import * as pulumi from "@pulumi/pulumi";
import { Check, Step, Strategy } from "../../components/core";
import { CanaryService, TrafficRouter } from "../../components/kubernetes";

const config = new pulumi.Config();
const host = config.get("host");
const candidateVersion = config.get("candidateVersion");

const web = new CanaryService("hello", {
  // nginx-unprivileged listens on 8080 and runs as a non-root user.
  image: "nginxinc/nginx-unprivileged",
  namespace: config.get("namespace") ?? "default",
  replicas: config.getNumber("replicas") ?? 4,
  port: 8080,
  traffic: {
    stableVersion: config.get("stableVersion") ?? "1.27-alpine",
    ...(candidateVersion ? { candidateVersion } : {}),
    candidateWeight: config.getNumber("candidateWeight") ?? 0,
  },
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
export const effectiveWeight = web.effectiveWeight;
export const replicas = web.replicas;
