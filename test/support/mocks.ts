// Pulumi mocks for component tests: every registered resource is recorded with its inputs; a
// platform may answer its own resource types with plausible outputs. Shared by the unit tests of
// every platform.
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { resetServiceNames } from "../../components/core";
import { newProgram, observe } from "./constraints";

/** A resource the mocks saw. */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
  readonly inputs: any;
}

/** Resources registered since the last `useMocks()`. */
export const recorded: Recorded[] = [];

/**
 * Records a registered resource. Every platform's mocks call this, so every cloud resource is also
 * run through the cloud constraint tables (test/support/constraints): an empty record list starts
 * a new program.
 */
export function record(resource: Recorded): void {
  if (recorded.length === 0) newProgram();
  recorded.push(resource);
  observe(resource);
}

/** Outputs a platform's mocks return for a resource; the inputs by default. */
// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
export type OutputsFor = (type: string, inputs: any) => Record<string, unknown>;

/** Installs fresh mocks and forgets earlier resources and service names; call in beforeEach. */
export async function useMocks(outputsFor: OutputsFor = (_type, inputs) => inputs): Promise<void> {
  recorded.length = 0;
  resetServiceNames();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        record({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: outputsFor(args.type, args.inputs) };
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
  while (quiet < 10) {
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

/** Whether a recorded input value is a Pulumi secret (the mocks keep the secret wrapper). */
export function isSecret(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}
