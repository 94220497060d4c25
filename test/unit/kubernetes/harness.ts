// Test harness for the Kubernetes components: Pulumi mocks that record every registered resource
// with its inputs, and helpers to wait for them and find them.

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
