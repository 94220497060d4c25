// This repo's own Pulumi program: reads the layered stack config (stacks/), builds the configured
// service on the configured platform with the configured strategy, and exports what the release
// driver reads. `pulumi up --stack <env>` (or `npm run pulumi -- up --stack <env>`) runs it.
import * as pulumi from "@pulumi/pulumi";
import type { TrafficState } from "./components/core";
import type { StackConfig } from "./stacks/config";
import { loadFromPulumi } from "./stacks/load";

/** What every platform's service exposes to the driver. */
interface ServiceHandle {
  readonly endpoint: pulumi.Output<string>;
  readonly previewEndpoint?: pulumi.Output<string | undefined>;
  readonly stableVersion: pulumi.Output<string>;
  readonly candidateVersion?: pulumi.Output<string | undefined>;
  readonly candidateWeight?: pulumi.Output<number>;
  readonly effectiveWeight?: pulumi.Output<number>;
  readonly activeColor?: pulumi.Output<string>;
  readonly adminEndpoint?: pulumi.Output<string>;
  readonly adminToken?: pulumi.Output<string>;
  readonly metricsUrl?: pulumi.Output<string>;
  readonly metricsJsonUrl?: pulumi.Output<string>;
  readonly trafficUrns?: pulumi.Output<string[]>;
  readonly strategy: pulumi.Output<unknown>;
}

const cfg = loadFromPulumi();
for (const warning of cfg.warnings) pulumi.log.warn(warning);

/** The config's traffic plus the blue-green scale-down input the driver writes beside it. */
const traffic = cfg.traffic as TrafficState & { idleReplicas?: number };
const secretEnv = Object.fromEntries(Object.entries(cfg.secretEnv).map(([k, v]) => [k, pulumi.secret(v)]));

function localService(c: StackConfig): ServiceHandle {
  const local = require("./components/local") as typeof import("./components/local");
  const spec = c.service.local;
  if (!spec) throw new Error("service.local is required on the local platform");
  // Per-version environment (e.g. a deliberately bad v3 in the demo) rides on `env NAME=value`.
  const command = (version: string): string[] => {
    const extra = c.service.versionEnv?.[version];
    const vars = Object.entries(extra ?? {}).map(([k, v]) => `${k}=${v}`);
    return vars.length > 0 ? ["env", ...vars, ...spec.command] : [...spec.command];
  };
  const fileRefs = Object.fromEntries(
    Object.entries(c.secretRefs).flatMap(([name, ref]) =>
      "file" in ref ? [[`${name}_FILE`, ref.file]] : [],
    ),
  );
  const args = {
    command,
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    ...(spec.stateDir ? { stateDir: spec.stateDir } : {}),
    env: { ...(c.service.env ?? {}), ...fileRefs, LOG_LEVEL: c.logging.level },
    secretEnv,
    replicas: c.service.replicas,
    ...(c.service.port ? { port: c.service.port } : {}),
    ...(c.service.health ? { health: c.service.health as never } : {}),
    serviceName: c.service.name,
  };
  switch (c.strategyInput.kind) {
    case "canary":
      return new local.CanaryService(c.service.name, { ...args, traffic, strategy: c.strategyInput });
    case "blueGreen":
      return new local.BlueGreenService(c.service.name, {
        ...args,
        traffic,
        strategy: c.strategyInput,
        ...(traffic.idleReplicas !== undefined ? { idleReplicas: traffic.idleReplicas } : {}),
        ...(c.service.previewPort ? { previewPort: c.service.previewPort } : {}),
      });
    default:
      return new local.RollingService(c.service.name, { ...args, traffic, strategy: c.strategyInput });
  }
}

function kubernetesService(c: StackConfig): ServiceHandle {
  const k8s = require("./components/kubernetes") as typeof import("./components/kubernetes");
  const spec = c.service.kubernetes;
  if (!spec) throw new Error("service.kubernetes is required on Kubernetes");
  const refs = Object.fromEntries(
    Object.entries(c.secretRefs).flatMap(([name, ref]) =>
      "kubernetes" in ref
        ? [[name, { secretKeyRef: { name: ref.kubernetes.name, key: ref.kubernetes.key } }]]
        : [],
    ),
  );
  const args = {
    image: spec.image,
    ...(spec.namespace ? { namespace: spec.namespace } : {}),
    ...(spec.serviceType ? { serviceType: spec.serviceType } : {}),
    replicas: c.service.replicas,
    ...(c.service.containerPort ? { port: c.service.containerPort } : {}),
    ...(c.service.health ? { health: c.service.health as never } : {}),
    env: { ...(c.service.env ?? {}), ...refs, LOG_LEVEL: c.logging.level },
    secretEnv,
    ...(c.service.resources ? { container: { resources: c.service.resources } } : {}),
  };
  const router =
    spec.router === "nginx" && spec.host
      ? k8s.TrafficRouter.nginx({
          host: spec.host,
          ...(spec.ingressClassName ? { ingressClassName: spec.ingressClassName } : {}),
        })
      : spec.router === "gatewayApi" && spec.gateway
        ? k8s.TrafficRouter.gatewayApi({
            parentRefs: [spec.gateway],
            ...(spec.host ? { hostnames: [spec.host] } : {}),
          })
        : k8s.TrafficRouter.replicaRatio();
  switch (c.strategyInput.kind) {
    case "canary":
      return new k8s.CanaryService(c.service.name, { ...args, traffic, strategy: c.strategyInput, router });
    case "blueGreen":
      return new k8s.BlueGreenService(c.service.name, {
        ...args,
        traffic,
        strategy: c.strategyInput,
        ...(traffic.idleReplicas !== undefined ? { idleReplicas: traffic.idleReplicas } : {}),
      });
    default:
      return new k8s.RollingService(c.service.name, { ...args, traffic, strategy: c.strategyInput });
  }
}

const service = cfg.platform === "kubernetes" ? kubernetesService(cfg) : localService(cfg);

export const platform = cfg.platform;
export const environment = cfg.environment;
export const serviceName = cfg.service.name;
export const endpoint = service.endpoint;
export const previewEndpoint = service.previewEndpoint;
export const stableVersion = service.stableVersion;
export const candidateVersion = service.candidateVersion;
export const candidateWeight = service.candidateWeight;
export const effectiveWeight = service.effectiveWeight;
export const activeColor = service.activeColor;
export const adminEndpoint = service.adminEndpoint;
/** A secret output of the component. */
export const adminToken = service.adminToken;
export const metricsUrl = service.metricsUrl;
export const metricsJsonUrl = service.metricsJsonUrl;
export const trafficUrns = service.trafficUrns;
export const strategy = service.strategy;
