// Test harness for the Kubernetes components: Pulumi mocks that record every registered resource
// with its inputs, helpers to wait for them and find them, and the `progressive:traffic` config.

import * as pulumi from "@pulumi/pulumi";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";
import { CONFIG_NAMESPACE, TRAFFIC_KEY } from "../../../components/core";
import { CanaryService, type CanaryServiceArgs } from "../../../components/kubernetes";
import { find, promiseOf, settle } from "../../support/mocks";

export {
  all,
  find,
  isSecret,
  promiseOf,
  type Recorded,
  recorded,
  settle,
  useMocks,
} from "../../support/mocks";

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const SERVICE = "kubernetes:core/v1:Service";
export const SECRET = "kubernetes:core/v1:Secret";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

/** Builds a CanaryService (image ghcr.io/acme/web unless given) and waits for its children. */
export async function deployCanary(
  args: Omit<CanaryServiceArgs, "image"> & Partial<Pick<CanaryServiceArgs, "image">>,
  name = "web",
): Promise<CanaryService> {
  const service = new CanaryService(name, { image: "ghcr.io/acme/web", ...args });
  await promiseOf(service.endpoint);
  await settle();
  return service;
}

/** Replica counts of a canary's two Deployments. */
export function canaryReplicas(name: string): { stable: number; canary: number } {
  return {
    stable: find(DEPLOYMENT, `${name}-stable`).inputs.spec.replicas,
    canary: find(DEPLOYMENT, `${name}-canary`).inputs.spec.replicas,
  };
}

/** The full config key of the traffic entries. */
export const TRAFFIC_CONFIG = `${CONFIG_NAMESPACE}:${TRAFFIC_KEY}`;

/** Sets the stack's `progressive:traffic` object (JSON, as Pulumi stores it); undefined removes it. */
export function setTrafficConfig(entries: unknown): void {
  const config = pulumi.runtime.allConfig();
  delete config[TRAFFIC_CONFIG];
  if (entries !== undefined) config[TRAFFIC_CONFIG] = JSON.stringify(entries);
  pulumi.runtime.setAllConfig(config);
}

/**
 * The outputs a component registered, as the engine receives them: secrets keep their wrapper
 * (see `isSecret`). Reads the mock monitor's record once the registration has arrived.
 */
export async function registeredOutputs(component: pulumi.Resource): Promise<Record<string, unknown>> {
  const urn = await promiseOf(component.urn);
  const monitor = getMonitor() as unknown as { resources: Map<string, { state: unknown }> };
  for (let i = 0; i < 1000; i++) {
    const state = monitor.resources.get(urn)?.state as { toJavaScript?: () => Record<string, unknown> };
    // Before registerOutputs arrives the state is the plain object of the registration.
    if (typeof state?.toJavaScript === "function") return state.toJavaScript();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${urn} registered no outputs`);
}
