// The instance set provider's work: one supervisor daemon per set. Every input change replaces
// the set (create before delete, under a new folder), so the new instances are ready before the
// proxy moves to them and the old ones stop only after it did.

import type * as pulumi from "@pulumi/pulumi";
import { supervisorRef } from "../runtime";
import {
  drainPorts,
  findProxy,
  instanceRefs,
  instancesOf,
  liveStatus,
  liveSupervisor,
  logDirOf,
  readSupervisor,
  startInstances,
  stopInstances,
  supervisorOf,
  uniqueDirName,
} from "./supervise";
import type { InstanceSetInputs, InstanceSetOutputs } from "./types";

function subject(i: Pick<InstanceSetInputs, "service" | "slot" | "version">): string {
  return `instance set ${i.service}/${i.slot} (version ${i.version})`;
}

export async function create(
  inputs: InstanceSetInputs,
): Promise<pulumi.dynamic.CreateResult<InstanceSetOutputs>> {
  const dirName = uniqueDirName(`${inputs.slot}-${inputs.version}`);
  const state = await startInstances(inputs, dirName, inputs.replicas, subject(inputs));
  const instances = instancesOf(state, []);
  const { startTime } = supervisorRef(state);
  const outs: InstanceSetOutputs = {
    ...inputs,
    dirName,
    logDir: logDirOf(inputs.stateDir, inputs.service, dirName),
    supervisorPid: state.pid,
    ...(startTime !== undefined ? { supervisorStartTime: startTime } : {}),
    instances,
    ports: instances.map((i) => i.port),
    status: liveStatus(state, instances),
    readyPids: instances.map((i) => i.pid),
  };
  return { id: `${inputs.service}/${dirName}`, outs };
}

/** Refresh: what runs now. A dead instance shows pid null (or its restarted pid); a gone supervisor shows status gone. */
export async function read(
  id: string,
  props: InstanceSetOutputs,
): Promise<pulumi.dynamic.ReadResult<InstanceSetOutputs>> {
  const current = liveSupervisor(props.stateDir, props.service, props.dirName, supervisorOf(props));
  const instances = instancesOf(current, props.ports);
  return { id, props: { ...props, instances, status: liveStatus(current, instances) } };
}

const TEMPLATE_KEYS = [
  "service",
  "slot",
  "version",
  "stateDir",
  "command",
  "cwd",
  "env",
  "secretEnv",
  "inheritEnv",
  "replicas",
  "readiness",
  "stopGraceMs",
] as const;

/**
 * Any input change replaces the set; so does a supervisor that is gone. Instances that died or
 * were restarted since the last create or update are a change too (refresh shows it as an update;
 * the next `up` records what runs).
 */
export async function diff(
  _id: string,
  olds: InstanceSetOutputs,
  news: InstanceSetInputs,
): Promise<pulumi.dynamic.DiffResult> {
  const replaces: string[] = TEMPLATE_KEYS.filter(
    (k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
  );
  if (
    olds.status === "gone" ||
    !liveSupervisor(olds.stateDir, olds.service, olds.dirName, supervisorOf(olds))
  )
    replaces.push("status");
  const drifted = JSON.stringify(olds.instances.map((i) => i.pid)) !== JSON.stringify(olds.readyPids ?? []);
  return { changes: replaces.length > 0 || drifted, replaces, deleteBeforeReplace: false };
}

/** Records the instances as they run now (after restarts); the processes are left alone. */
export async function update(
  id: string,
  olds: InstanceSetOutputs,
  news: InstanceSetInputs,
): Promise<pulumi.dynamic.UpdateResult<InstanceSetOutputs>> {
  const current = (await read(id, { ...olds, ...news })).props as InstanceSetOutputs;
  return { outs: { ...current, readyPids: current.instances.map((i) => i.pid) } };
}

/** Drains the instances at the proxy (best effort), then stops them and checks their ports are free. */
export async function remove(_id: string, props: InstanceSetOutputs): Promise<void> {
  const proxy = findProxy(props.stateDir, props.service);
  await drainPorts(proxy, props.ports, Math.min(props.stopGraceMs, 10_000));
  const state = readSupervisor(props.stateDir, props.service, props.dirName);
  await stopInstances(props.stateDir, props.service, props.dirName, {
    supervisor: supervisorOf(props),
    instances: instanceRefs([...props.instances, ...(state?.instances ?? [])]),
    ports: props.ports,
    graceMs: props.stopGraceMs,
  });
}
