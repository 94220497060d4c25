// The passing fixture: a production stack that every rule accepts, shaped like what the
// Kubernetes components declare (a canary service behind an internal Gateway, a blue-green
// service, and one LoadBalancer the config allows). Tests change one field through `change`.

import type { StackValidationArgs } from "@pulumi/policy";
import {
  type BlueGreenStrategy,
  type CanaryStrategy,
  Check,
  MetadataKey,
  Strategy,
} from "../../../components/core";
import {
  type ContainerProps,
  component,
  type DeploymentProps,
  deployment,
  type FakeResource,
  httpRoute,
  resolved,
  type ServiceOutputs,
  type ServiceProps,
  type StackOptions,
  service,
  stackArgs,
} from "./util";

export const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A container every rule accepts. */
export function goodContainer(image: string): ContainerProps {
  return {
    name: "app",
    image,
    ports: [{ name: "http", containerPort: 8080 }],
    env: [
      { name: "LOG_LEVEL", value: "info" },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "web-env", key: "DB_PASSWORD" } } },
    ],
    readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
    livenessProbe: { httpGet: { path: "/health", port: 8080 } },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  };
}

/** A Deployment as createDeployment builds it. */
export function slot(
  strategy: string,
  role: string,
  version: string,
  replicas: number,
  container: ContainerProps,
): DeploymentProps {
  const annotations = {
    [MetadataKey.strategy]: strategy,
    [MetadataKey.role]: role,
    [MetadataKey.version]: version,
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: role, annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: "x", track: role } },
      template: { metadata: { annotations }, spec: { containers: [container] } },
    },
  };
}

/** A Deployment outside any component, with no release annotations. */
export function bareDeployment(name: string, replicas = 2): FakeResource {
  const props = slot("rolling", name, "v1", replicas, goodContainer(`ghcr.io/acme/${name}:v1@${DIGEST}`));
  props.metadata = { name };
  if (props.spec?.template) props.spec.template.metadata = {};
  return deployment(name, props);
}

/** The typed parts a test may change before the args are built. */
export interface Fixture {
  readonly web: {
    outputs: ServiceOutputs;
    stable: DeploymentProps;
    canary: DeploymentProps;
    /** The stable slot's container. */
    container: ContainerProps;
    gateways: string[];
  };
  readonly admin: {
    outputs: ServiceOutputs;
    blue: DeploymentProps;
    green: DeploymentProps;
    /** The blue (active) colour's container. */
    container: ContainerProps;
    service: ServiceProps;
  };
  /** Extra resources (a bare Deployment, a local workload...). */
  readonly extra: FakeResource[];
}

/** The passing fixture; `change` edits one field; `options` picks the stack and the config. */
export function prodStack(change?: (f: Fixture) => void, options: StackOptions = {}): StackValidationArgs {
  const webContainer = goodContainer(`ghcr.io/acme/web:v1@${DIGEST}`);
  const adminContainer = goodContainer(`ghcr.io/acme/admin:v1@${DIGEST}`);
  const f: Fixture = {
    web: {
      outputs: {
        strategy: resolved<CanaryStrategy>(Strategy.canary()),
        stableVersion: "v1",
        replicas: { stable: 3, canary: 0 },
      },
      stable: slot("canary", "stable", "v1", 3, webContainer),
      canary: slot("canary", "canary", "v1", 0, goodContainer(`ghcr.io/acme/web:v1@${DIGEST}`)),
      container: webContainer,
      gateways: ["internal"],
    },
    admin: {
      outputs: {
        strategy: resolved<BlueGreenStrategy>(
          Strategy.blueGreen({ prePromotionChecks: [Check.http({ name: "smoke" })], scaleDownDelay: "5m" }),
        ),
        stableVersion: "v1",
        activeColor: "blue",
        replicas: { blue: 2, green: 0 },
      },
      blue: slot("blueGreen", "blue", "v1", 2, adminContainer),
      green: slot("blueGreen", "green", "v1", 0, goodContainer(`ghcr.io/acme/admin:v1@${DIGEST}`)),
      container: adminContainer,
      service: { metadata: { name: "admin" }, spec: { type: "LoadBalancer", selector: { app: "admin" } } },
    },
    extra: [],
  };
  change?.(f);
  const config = { ...{ allowedServices: ["admin"], internalGateways: ["internal"] }, ...options.config };
  return stackArgs(
    [
      component("kubernetes", "CanaryService", "web", f.web.outputs),
      deployment("web-stable", f.web.stable, "web"),
      deployment("web-canary", f.web.canary, "web"),
      service("web-stable-service", { spec: { type: "ClusterIP" } }, "web"),
      httpRoute("web-route", f.web.gateways, ["web.example.com"], "web"),
      component("kubernetes", "BlueGreenService", "admin", f.admin.outputs),
      deployment("admin-blue", f.admin.blue, "admin"),
      deployment("admin-green", f.admin.green, "admin"),
      service("admin-service", f.admin.service, "admin"),
      ...f.extra,
    ],
    { ...options, config },
  );
}
