// The rolling set provider's work. A template change is an in-place update that replaces units in
// batches (maxSurge above, maxUnavailable below the desired count); every batch changes the
// proxy's table before any old unit stops, so no request is sent to an instance that is going
// away. Recreate takes the old units out of the table, stops them, then starts the new ones.
// The proxy is found through its files in the state folder: it is created after the first units
// (its table needs their ports), so no Pulumi dependency can carry its address to this resource.

import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { isRunning } from "../../process/identity";
import { refOf, supervisorRef } from "../runtime";
import { sleep } from "../runtime/processes";
import { applyRoutes } from "./proxyImpl";
import {
  drainPorts,
  findProxy,
  instanceRefs,
  liveSupervisor,
  readSupervisor,
  stopInstances,
  uniqueDirName,
} from "./supervise";
import type { LiveStatus, RollingSetInputs, RollingSetOutputs } from "./types";
import {
  discoverUnits,
  type LiveUnit,
  startUnits,
  stopUnits,
  templateHash,
  unitDirNames,
  unitsTable,
} from "./units";

function statusOf(units: readonly LiveUnit[], replicas: number): LiveStatus {
  if (units.length === 0) return "gone";
  const ready = units.every((u) => u.status === "ready" && u.pid !== null);
  return ready && units.length === replicas ? "ready" : "degraded";
}

function outputs(
  inputs: RollingSetInputs,
  setId: string,
  units: readonly LiveUnit[],
  readyPids?: RollingSetOutputs["readyPids"],
): RollingSetOutputs {
  const numbers = units.map((u) => Number(u.dirName.slice(setId.length + 2)));
  return {
    ...inputs,
    setId,
    nextUnit: Math.max(0, ...numbers.map((n) => n + 1)),
    units: units.map(({ hash: _hash, ...u }) => u),
    ports: units.map((u) => u.port),
    logDir: path.join(inputs.stateDir, inputs.service),
    status: statusOf(units, inputs.replicas),
    readyPids: readyPids ?? units.map((u) => u.pid),
  };
}

export async function create(
  inputs: RollingSetInputs,
): Promise<pulumi.dynamic.CreateResult<RollingSetOutputs>> {
  const setId = uniqueDirName("set");
  const units = await startUnits(inputs, setId, 0, inputs.replicas);
  return { id: `${inputs.service}/${setId}`, outs: outputs(inputs, setId, units) };
}

export async function read(
  id: string,
  props: RollingSetOutputs,
): Promise<pulumi.dynamic.ReadResult<RollingSetOutputs>> {
  const { setId, ...inputs } = props;
  const units = discoverUnits(props.stateDir, props.service, setId);
  return { id, props: outputs(inputs, setId, units, props.readyPids ?? []) };
}

/** Updates when an input changed or the running units do not match the inputs (after a failed update). */
export async function diff(
  _id: string,
  olds: RollingSetOutputs,
  news: RollingSetInputs,
): Promise<pulumi.dynamic.DiffResult> {
  const replaces: string[] = [];
  if (olds.service !== news.service) replaces.push("service");
  if (olds.stateDir !== news.stateDir) replaces.push("stateDir");
  const live = discoverUnits(olds.stateDir, olds.service, olds.setId);
  if (live.length === 0) replaces.push("status");
  const hash = templateHash(news);
  const restarted = JSON.stringify(live.map((u) => u.pid)) !== JSON.stringify(olds.readyPids ?? []);
  const drifted = live.length !== news.replicas || live.some((u) => u.hash !== hash) || restarted;
  const changed =
    templateHash(olds) !== hash ||
    olds.replicas !== news.replicas ||
    JSON.stringify(olds.rollout) !== JSON.stringify(news.rollout);
  return { changes: replaces.length > 0 || changed || drifted, replaces, deleteBeforeReplace: false };
}

async function stillReady(
  units: readonly LiveUnit[],
  news: RollingSetInputs,
  delayMs: number,
): Promise<void> {
  for (const u of units) {
    const state = liveSupervisor(news.stateDir, news.service, u.dirName);
    const instance = state?.instances[0];
    if (state && instance?.status === "ready" && instance.restarts === 0) continue;
    const exit = instance?.lastExit ? `, last exit ${JSON.stringify(instance.lastExit)}` : "";
    throw new Error(
      `instance ${u.dirName} of version ${news.version} did not stay ready for strategy.readinessDelay (${delayMs} ms): ` +
        `status ${instance?.status ?? "gone"}${exit}; see ${news.stateDir}/${news.service}/${u.dirName}/`,
    );
  }
}

export async function update(
  _id: string,
  olds: RollingSetOutputs,
  news: RollingSetInputs,
): Promise<pulumi.dynamic.UpdateResult<RollingSetOutputs>> {
  const { setId } = olds;
  const proxy = findProxy(news.stateDir, news.service);
  const hash = templateHash(news);
  const live = discoverUnits(news.stateDir, news.service, setId);
  const old = live.filter((u) => u.hash !== hash);
  const fresh = live.filter((u) => u.hash === hash);
  const taken = unitDirNames(news.stateDir, news.service, setId).map((d) =>
    Number(d.slice(setId.length + 2)),
  );
  let next = Math.max(olds.nextUnit, ...taken.map((n) => n + 1));
  const oldTemplate = { stateDir: news.stateDir, service: news.service, stopGraceMs: olds.stopGraceMs };
  const drainMs = Math.min(olds.stopGraceMs, 10_000);
  const route = async (): Promise<void> => {
    if (proxy) await applyRoutes(proxy, unitsTable([...old, ...fresh]));
  };
  const retire = async (victims: LiveUnit[], template: typeof oldTemplate): Promise<void> => {
    await route();
    await drainPorts(
      proxy,
      victims.map((u) => u.port),
      drainMs,
    );
    await stopUnits(template, victims);
  };
  const n = news.replicas;
  const { kind, maxSurge, maxUnavailable, readinessDelayMs } = news.rollout;
  try {
    if (kind === "recreate" && old.length > 0) await retire(old.splice(0), oldTemplate);
    const surge = kind === "recreate" ? n : maxSurge;
    while (old.length > 0 || fresh.length < n) {
      const room = n + surge - (old.length + fresh.length);
      const toStart = Math.max(0, Math.min(n - fresh.length, room));
      if (toStart > 0) {
        const started = await startUnits(news, setId, next, toStart);
        next += toStart;
        fresh.push(...started);
        await route();
        if (readinessDelayMs > 0) {
          await sleep(readinessDelayMs);
          await stillReady(started, news, readinessDelayMs);
        }
      }
      const canStop = Math.min(old.length, old.length + fresh.length - Math.max(0, n - maxUnavailable));
      if (canStop > 0) await retire(old.splice(0, canStop), oldTemplate);
      if (toStart <= 0 && canStop <= 0) {
        throw new Error("no progress possible: strategy.maxSurge and strategy.maxUnavailable are both 0");
      }
    }
    if (fresh.length > n) await retire(fresh.splice(n), { ...oldTemplate, stopGraceMs: news.stopGraceMs });
    await route();
  } catch (err) {
    await route().catch(() => undefined);
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${kind} update of ${news.service} to version ${news.version} stopped: ${why}\n` +
        `${old.length} instance(s) of the previous template and ${fresh.length} of version ${news.version} serve now ` +
        `(the proxy routes to all of them); fix the cause and run \`pulumi up\` again, or set the previous version back to revert`,
    );
  }
  return { outs: outputs(news, setId, discoverUnits(news.stateDir, news.service, setId)) };
}

/** Stops every unit of the set found on disk (also ones a failed update left), checking ports free. */
export async function remove(_id: string, props: RollingSetOutputs): Promise<void> {
  const proxy = findProxy(props.stateDir, props.service);
  const dirs = unitDirNames(props.stateDir, props.service, props.setId);
  const states = dirs.map((dirName) => ({
    dirName,
    state: readSupervisor(props.stateDir, props.service, dirName),
  }));
  const running = states.filter(
    ({ dirName, state }) =>
      state !== undefined &&
      (liveSupervisor(props.stateDir, props.service, dirName) !== undefined ||
        state.instances.some((i) => {
          const ref = refOf(i.pid, i.startTime);
          return ref !== undefined && isRunning(ref);
        })),
  );
  await drainPorts(
    proxy,
    running.flatMap(({ state }) => state?.instances.map((i) => i.port) ?? []),
    Math.min(props.stopGraceMs, 10_000),
  );
  await Promise.all(
    running.map(({ dirName, state }) =>
      stopInstances(props.stateDir, props.service, dirName, {
        supervisor: state ? supervisorRef(state) : { pid: 0 },
        instances: instanceRefs(state?.instances ?? []),
        ports: state?.instances.map((i) => i.port) ?? [],
        graceMs: props.stopGraceMs,
      }),
    ),
  );
  for (const dirName of dirs)
    fs.rmSync(path.join(props.stateDir, props.service, dirName, "unit.json"), { force: true });
}
