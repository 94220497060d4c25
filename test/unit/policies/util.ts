// Typed builders of StackValidationArgs and a runner that calls a rule's validateStack directly,
// as the policy server would. Resource props are typed from the providers' own input types
// (Unwrap<k8s.apps.v1.DeploymentArgs>...) and from the core's resolved strategies.

import * as assert from "node:assert/strict";
import type * as k8s from "@pulumi/kubernetes";
import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";
import {
  type Problem,
  type ReplicaCounts,
  type ResolvedStrategy,
  resolveStrategy,
  type StrategyInput,
} from "../../../components/core";
import type { InstanceSetInputs, RollingSetInputs } from "../../../components/local/providers/types";

export type DeploymentProps = Unwrap<k8s.apps.v1.DeploymentArgs>;
export type ServiceProps = Unwrap<k8s.core.v1.ServiceArgs>;
export type IngressProps = Unwrap<k8s.networking.v1.IngressArgs>;
export type ContainerProps = Unwrap<k8s.types.input.core.v1.Container>;

/** Outputs a progressive component registers (the fields the pack reads). */
export interface ServiceOutputs {
  strategy?: ResolvedStrategy;
  stableVersion?: string;
  candidateVersion?: string;
  activeColor?: "blue" | "green";
  replicas?: ReplicaCounts | Record<"blue" | "green", number>;
}

/** A resource before it gets its URN: type, name, props and the name of its parent. */
export interface FakeResource {
  readonly type: string;
  readonly name: string;
  readonly props: object;
  readonly parent?: string;
}

export function deployment(name: string, props: DeploymentProps, parent?: string): FakeResource {
  return { type: "kubernetes:apps/v1:Deployment", name, props, ...(parent ? { parent } : {}) };
}
export function service(name: string, props: ServiceProps, parent?: string): FakeResource {
  return { type: "kubernetes:core/v1:Service", name, props, ...(parent ? { parent } : {}) };
}
export function ingress(name: string, props: IngressProps, parent?: string): FakeResource {
  return { type: "kubernetes:networking.k8s.io/v1:Ingress", name, props, ...(parent ? { parent } : {}) };
}
/** A Gateway API HTTPRoute as the gatewayApi router declares it (a CustomResource). */
export function httpRoute(
  name: string,
  gateways: readonly string[],
  hostnames: readonly string[],
  parent?: string,
) {
  const props = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name },
    spec: { parentRefs: gateways.map((g) => ({ name: g })), hostnames: [...hostnames] },
  };
  return {
    type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    name,
    props,
    ...(parent ? { parent } : {}),
  };
}
/** A progressive component, e.g. component("kubernetes", "CanaryService", "web", outputs). */
export function component(
  platform: string,
  kind: string,
  name: string,
  outputs: ServiceOutputs,
): FakeResource {
  return { type: `progressive:${platform}:${kind}`, name, props: outputs };
}
export function instanceSet(name: string, props: Partial<InstanceSetInputs>, parent?: string): FakeResource {
  return { type: "pulumi-nodejs:dynamic/local:InstanceSet", name, props, ...(parent ? { parent } : {}) };
}
export function rollingSet(name: string, props: Partial<RollingSetInputs>, parent?: string): FakeResource {
  return { type: "pulumi-nodejs:dynamic/local:RollingSet", name, props, ...(parent ? { parent } : {}) };
}

/** A resolved strategy, as a component registers it; fails the test on invalid input. */
export function resolved<T extends ResolvedStrategy>(input: StrategyInput): T {
  const problems: Problem[] = [];
  const strategy = resolveStrategy(input, "strategy", problems);
  assert.deepEqual(problems, [], "the test's strategy must be valid");
  return strategy as T;
}

/** Options of {@link stackArgs}. */
export interface StackOptions {
  /** Stack name (it is in every URN). @default "prod" */
  readonly stack?: string;
  /** What getConfig() returns: the pack config of the rule under test. @default {} */
  readonly config?: object;
  readonly stackTags?: Readonly<Record<string, string>>;
}

class NotApplicable extends Error {}

/** StackValidationArgs for resources of one stack, with parents and URNs as the engine builds them. */
export function stackArgs(
  resources: readonly FakeResource[],
  options: StackOptions = {},
): StackValidationArgs {
  const stack = options.stack ?? "prod";
  const built = new Map<string, PolicyResource & { typeChain: string }>();
  const build = (r: FakeResource): PolicyResource & { typeChain: string } => {
    const existing = built.get(r.name);
    if (existing) return existing;
    const parentSpec = r.parent ? resources.find((p) => p.name === r.parent) : undefined;
    if (r.parent && !parentSpec) assert.fail(`parent ${r.parent} of ${r.name} is not in the stack`);
    const parent = parentSpec ? build(parentSpec) : undefined;
    const typeChain = parent ? `${parent.typeChain}$${r.type}` : r.type;
    const resource: PolicyResource & { typeChain: string } = {
      type: r.type,
      name: r.name,
      urn: `urn:pulumi:${stack}::test::${typeChain}::${r.name}`,
      props: r.props as Record<string, unknown>,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
      typeChain,
      ...(parent ? { parent } : {}),
    };
    built.set(r.name, resource);
    return resource;
  };
  return {
    resources: resources.map(build),
    stackTags: new Map(Object.entries(options.stackTags ?? {})),
    getConfig: <T extends object>() => (options.config ?? {}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason ?? "");
    },
  };
}

/** What a rule reported. */
export interface Outcome {
  readonly violations: readonly { readonly message: string; readonly urn?: string }[];
  /** The reason given when the rule reported itself not applicable. */
  readonly notApplicable?: string;
}

/** Calls the rule's validateStack as the policy server does. */
export async function run(policy: StackValidationPolicy, args: StackValidationArgs): Promise<Outcome> {
  const violations: { message: string; urn?: string }[] = [];
  try {
    await policy.validateStack(args, (message, urn) => {
      violations.push({ message, ...(urn ? { urn } : {}) });
    });
  } catch (err) {
    if (err instanceof NotApplicable) return { violations, notApplicable: err.message };
    throw err;
  }
  return { violations };
}

/** Asserts the rule reports nothing (and applies). */
export async function assertNoViolations(policy: StackValidationPolicy, args: StackValidationArgs) {
  const outcome = await run(policy, args);
  assert.equal(
    outcome.notApplicable,
    undefined,
    `${policy.name} was not applicable: ${outcome.notApplicable}`,
  );
  assert.deepEqual(outcome.violations, [], `${policy.name} reported violations`);
}

/** Asserts the rule reports exactly one violation, with this message, on the resource named `on`. */
export async function assertViolation(
  policy: StackValidationPolicy,
  args: StackValidationArgs,
  message: string,
  on?: string,
) {
  const outcome = await run(policy, args);
  assert.equal(
    outcome.notApplicable,
    undefined,
    `${policy.name} was not applicable: ${outcome.notApplicable}`,
  );
  assert.deepEqual(
    outcome.violations.map((v) => v.message),
    [message],
  );
  if (on !== undefined) assert.match(outcome.violations[0]?.urn ?? "", new RegExp(`::${on}$`));
}
