// A blue-green service on Azure Container Instances: a container group per colour behind a traffic
// layer. With `layer: frontdoor` (default) Front Door splits per request; with `layer: dns` Traffic
// Manager answers DNS queries, so a switch reaches clients only when their cached answer expires:
// the old colour is kept for the TTL plus 5 minutes before it is retired.
//
//   pulumi config set azure-native:location westeurope
//   pulumi config set --secret apiToken <token>
//   pulumi up                                       # blue runs 1.27-alpine
//   progressive release 1.27.3-alpine --stack dev   # green gets it; preview; switch; retire blue

import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { Check, Strategy } from "pulumi-progressive-delivery";
import { containerInstances, TrafficLayer } from "pulumi-progressive-delivery/azure";

const config = new pulumi.Config();
const azureConfig = new pulumi.Config("azure-native");
const group = new resources.ResourceGroup("shop-rg");
const dns = config.get("layer") === "dns";

const shop = new containerInstances.BlueGreenService("shop", {
  resourceGroupName: group.name,
  location: azureConfig.get("location") ?? "westeurope",
  image: "docker.io/nginxinc/nginx-unprivileged",
  version: "1.27-alpine",
  cpu: 0.5,
  memoryGiB: 1,
  trafficLayer: dns ? TrafficLayer.trafficManager({ ttlSeconds: 30 }) : TrafficLayer.frontDoor(),
  strategy: Strategy.blueGreen({
    prePromotionChecks: [Check.http({ name: "preview-home", path: "/", expectedStatus: [200] })],
    // Traffic Manager: TTL + 5 minutes; Front Door: its configuration propagates in minutes too.
    scaleDownDelay: dns ? 330 : "10m",
  }),
  health: { readiness: { path: "/", interval: "10s" }, liveness: { path: "/", initialDelay: "10s" } },
  env: { GREETING: "hello" },
  // Passed as secureValue: not shown by the Azure API, a secret in the Pulumi state.
  secretEnv: { API_TOKEN: config.getSecret("apiToken") ?? pulumi.secret("change-me") },
});

export const endpoint = shop.endpoint;
export const previewEndpoint = shop.previewEndpoint;
export const activeColor = shop.activeColor;
export const stableVersion = shop.stableVersion;
