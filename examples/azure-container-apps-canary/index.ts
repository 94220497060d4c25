// A canary of a small web service on Azure Container Apps. One app in Multiple revision mode:
// each version is a revision, ingress traffic splits between the stable and the candidate revision
// by the stack's `progressive:traffic.hello` entry (the release driver writes it between steps),
// and the candidate's `canary` label URL is its preview. Abort and rollback move traffic only.
//
//   pulumi config set azure-native:location westeurope
//   pulumi up                                           # stable 1.27-alpine
//   progressive release 1.27.3-alpine --stack dev       # 10, 25, 50 % with Azure Monitor checks

import * as app from "@pulumi/azure-native/app";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { Check, Step, Strategy } from "pulumi-progressive-delivery";
import { containerApps } from "pulumi-progressive-delivery/azure";

const config = new pulumi.Config();
const group = new resources.ResourceGroup("hello-rg");
const logs = new operationalinsights.Workspace("hello-logs", {
  resourceGroupName: group.name,
  sku: { name: "PerGB2018" },
  retentionInDays: 30,
});
const keys = operationalinsights.getSharedKeysOutput({
  resourceGroupName: group.name,
  workspaceName: logs.name,
});
const environment = new app.ManagedEnvironment("hello-env", {
  resourceGroupName: group.name,
  appLogsConfiguration: {
    destination: "log-analytics",
    logAnalyticsConfiguration: {
      customerId: logs.customerId,
      sharedKey: keys.apply((k) => k.primarySharedKey ?? ""),
    },
  },
});

const web = new containerApps.CanaryService("hello", {
  resourceGroupName: group.name,
  environmentId: environment.id,
  // nginx-unprivileged listens on 8080 as a non-root user; a version is an image tag.
  image: "docker.io/nginxinc/nginx-unprivileged",
  version: "1.27-alpine",
  replicas: config.getNumber("replicas") ?? 2,
  cpu: 0.25,
  memoryGiB: 0.5,
  strategy: Strategy.canary({
    // Azure Monitor points are per minute and lag 1-3 minutes: analyse over 5-minute windows.
    steps: [
      Step.setWeight(10),
      Step.analysis(),
      Step.setWeight(25),
      Step.analysis(),
      Step.setWeight(50),
      Step.analysis(),
      Step.setWeight(100),
    ],
    checks: [
      Check.metric({
        name: "error-rate",
        provider: "builtin",
        query: "errorRate",
        failureCondition: "> 0.05",
        interval: "5m",
        count: 1,
      }),
    ],
    // Container Apps ingress does not route by header; testers use the canary label URL.
    headerRoute: false,
  }),
  health: {
    readiness: { path: "/", interval: "5s", timeout: "2s" },
    liveness: { path: "/", initialDelay: "10s" },
  },
  env: { GREETING: "hello" },
});

export const endpoint = web.endpoint;
export const previewEndpoint = web.previewEndpoint;
export const revisions = web.revisions;
export const templateVersion = web.templateVersion;
export const stableVersion = web.stableVersion;
export const candidate = web.candidateVersion;
