// Pulumi mocks for the local components: record every registered resource with its inputs, and
// answer the local dynamic resources with plausible outputs (ports, pids, weights read back).
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { resetServiceNames } from "../../../components/core";

export const INSTANCE_SET = "pulumi-nodejs:dynamic/local:InstanceSet";
export const PROXY = "pulumi-nodejs:dynamic/local:Proxy";
export const ROLLING_SET = "pulumi-nodejs:dynamic/local:RollingSet";

export interface Recorded {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
  readonly inputs: any;
}

export const recorded: Recorded[] = [];

let nextPort = 41000;

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
function outputsFor(type: string, inputs: any): Record<string, unknown> {
  if (type === INSTANCE_SET) {
    const instances = Array.from({ length: inputs.replicas }, (_, index) => ({
      index,
      pid: 5000 + nextPort,
      port: nextPort++,
      status: "ready",
      restarts: 0,
    }));
    return {
      ...inputs,
      supervisorPid: 4000,
      instances,
      ports: instances.map((i) => i.port),
      logDir: `/state/${inputs.slot}`,
      status: "ready",
    };
  }
  if (type === ROLLING_SET) {
    const units = Array.from({ length: inputs.replicas }, (_, n) => ({
      dirName: `set-abc123-u${n}`,
      supervisorPid: 4000 + n,
      pid: 5000 + nextPort,
      port: nextPort++,
      version: inputs.version,
      status: "ready",
      restarts: 0,
    }));
    return {
      ...inputs,
      setId: "set-abc123",
      units,
      ports: units.map((u) => u.port),
      logDir: "/state",
      status: "ready",
    };
  }
  if (type === PROXY) {
    const versions: Array<{ name: string; weight: number }> = inputs.routes?.versions ?? [];
    return {
      ...inputs,
      pid: 3000,
      port: inputs.port || 8080,
      ...(inputs.previewPort !== undefined ? { previewPort: inputs.previewPort || 8081 } : {}),
      adminPort: 8082,
      adminToken: "token-from-create",
      weights: Object.fromEntries(versions.map((v) => [v.name, v.weight])),
      generation: 2,
      status: "ready",
    };
  }
  return inputs;
}

/** Installs fresh mocks and forgets earlier resources and service names; call in beforeEach. */
export async function useMocks(): Promise<void> {
  recorded.length = 0;
  resetServiceNames();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
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

/** The value of an Output. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits until registrations stop arriving. */
export async function settle(): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 10) {
    await new Promise((r) => setImmediate(r));
    quiet = recorded.length === last ? quiet + 1 : 0;
    last = recorded.length;
  }
}

/** The one recorded resource of a type and name. */
export function find(type: string, name: string): Recorded {
  const found = recorded.find((r) => r.type === type && r.name === name);
  if (!found)
    throw new Error(`no ${type} named ${name}; recorded: ${recorded.map((r) => r.name).join(", ")}`);
  return found;
}

/** Whether a recorded input value is a Pulumi secret. */
export function isSecret(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}
