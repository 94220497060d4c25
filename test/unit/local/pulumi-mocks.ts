// Pulumi mocks for the local components: record every registered resource with its inputs, and
// answer the local dynamic resources with plausible outputs (ports, pids, weights read back).
import { useMocks as useRecordingMocks } from "../../support/mocks";

export { find, isSecret, promiseOf, type Recorded, recorded, settle } from "../../support/mocks";

export const INSTANCE_SET = "pulumi-nodejs:dynamic/local:InstanceSet";
export const PROXY = "pulumi-nodejs:dynamic/local:Proxy";
export const ROLLING_SET = "pulumi-nodejs:dynamic/local:RollingSet";

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

/** Installs fresh mocks answering the local resources; call in beforeEach. */
export function useMocks(): Promise<void> {
  return useRecordingMocks(outputsFor);
}
