// Test harness for the Kubernetes components: Pulumi mocks that record every registered resource
// with its inputs, and helpers to wait for them and find them.

import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { resetServiceNames } from "../../../components/core";
import { CanaryService, type CanaryServiceArgs } from "../../../components/kubernetes";

/** A resource the mocks saw. */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
  readonly inputs: any;
}

/** Resources registered since the last `useMocks()`. */
export const recorded: Recorded[] = [];

/** Installs fresh mocks and forgets earlier resources and service names; call in beforeEach. */
export async function useMocks(): Promise<void> {
  recorded.length = 0;
  resetServiceNames();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args) {
        return args.inputs;
      },
    },
    "project",
    "stack",
    false,
  );
}

/** The value of an Output (tests run without preview, so every value is known). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits until registrations stop arriving (the mocks answer asynchronously). */
export async function settle(): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 5) {
    await new Promise((r) => setImmediate(r));
    quiet = recorded.length === last ? quiet + 1 : 0;
    last = recorded.length;
  }
}

/** The one recorded resource of a type and name; fails with the list of what was recorded. */
export function find(type: string, name: string): Recorded {
  const found = recorded.find((r) => r.type === type && r.name === name);
  if (!found) {
    const seen = recorded.map((r) => `${r.type} ${r.name}`).join(", ");
    throw new Error(`no ${type} named ${name}; recorded: ${seen}`);
  }
  return found;
}

/** Every recorded resource of a type. */
export function all(type: string): Recorded[] {
  return recorded.filter((r) => r.type === type);
}

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const SERVICE = "kubernetes:core/v1:Service";
export const SECRET = "kubernetes:core/v1:Secret";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

/** Whether a recorded input value is a Pulumi secret (the mocks keep the secret wrapper). */
export function isSecret(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

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
