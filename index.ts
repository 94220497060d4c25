// This repo's own Pulumi program, one ordinary user of the library: reads its layered stack config
// (stacks/), builds the configured service on the configured platform with the configured
// strategy. Like any program that uses the components, it passes no traffic state: each component
// reads its entry of `progressive:traffic`, which the release driver writes, and starts from
// `version` on the first deploy. `pulumi up --stack <env>` (or `npm run pulumi -- up --stack <env>`).
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./stacks/config";
import { loadFromPulumi } from "./stacks/load";

/** What every platform's service exposes. */
interface ServiceHandle {
  readonly endpoint: pulumi.Output<string>;
}

const cfg = loadFromPulumi();
for (const warning of cfg.warnings) pulumi.log.warn(warning);

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
    version: c.version,
  };
  switch (c.strategyInput.kind) {
    case "canary":
      return new local.CanaryService(c.service.name, { ...args, strategy: c.strategyInput });
    case "blueGreen":
      return new local.BlueGreenService(c.service.name, {
        ...args,
        strategy: c.strategyInput,
        ...(c.service.previewPort ? { previewPort: c.service.previewPort } : {}),
      });
    default:
      return new local.RollingService(c.service.name, { ...args, strategy: c.strategyInput });
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
    version: c.version,
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
      return new k8s.CanaryService(c.service.name, { ...args, strategy: c.strategyInput, router });
    case "blueGreen":
      return new k8s.BlueGreenService(c.service.name, { ...args, strategy: c.strategyInput });
    default:
      return new k8s.RollingService(c.service.name, { ...args, strategy: c.strategyInput });
  }
}

const service = cfg.platform === "kubernetes" ? kubernetesService(cfg) : localService(cfg);

export const platform = cfg.platform;
export const environment = cfg.environment;
export const serviceName = cfg.service.name;
export const endpoint = service.endpoint;
