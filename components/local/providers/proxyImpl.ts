// The proxy provider's work: one proxy daemon per service. The admin token is made here, so it
// never appears in the program; route changes go through the admin API with If-Match and are read
// back before the update counts as done (a weight that did not land is an error, not a success).

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import {
  AdminApiError,
  DaemonStartError,
  isPortFree,
  keeperOf,
  ProxyAdminClient,
  type ProxyState,
  proxyPaths,
  type RoutesResponse,
  type RouteTable,
  type RouteTableInput,
  readProxyState,
  refOf,
  runningProxy,
  startProxy,
  stopProxy,
  validateRouteTable,
} from "../runtime";
import type { LiveStatus, ProxyInputs, ProxyOutputs } from "./types";

/** JSON with sorted keys, so two equal tables compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Whether two tables route alike once defaults are filled in. */
export function sameRoutes(
  current: RouteTableInput | RouteTable,
  next: RouteTableInput | RouteTable,
): boolean {
  try {
    return canonical(validateRouteTable(current)) === canonical(validateRouteTable(next));
  } catch {
    return false;
  }
}

function weightsOf(table: RouteTable): Record<string, number> {
  return Object.fromEntries(table.versions.map((v) => [v.name, v.weight]));
}

/** The stop option naming a proxy by its id, when it has one. */
function idOf(state: { id?: string | undefined }): { proxyId?: string } {
  return state.id === undefined ? {} : { proxyId: state.id };
}

function clientOf(p: Pick<ProxyOutputs, "adminPort" | "adminToken">): ProxyAdminClient {
  return new ProxyAdminClient({ port: p.adminPort, token: p.adminToken });
}

/**
 * Replaces the table with If-Match on the generation just read (retrying when someone else
 * changed it in between), then reads it back and fails unless it is the table sent.
 */
export async function applyRoutes(
  client: ProxyAdminClient,
  routes: RouteTableInput,
): Promise<RoutesResponse> {
  for (let attempt = 1; ; attempt++) {
    const current = await client.getRoutes();
    try {
      await client.putRoutes(routes, current.generation);
      break;
    } catch (err) {
      if (!(err instanceof AdminApiError && err.status === 412) || attempt >= 3) throw err;
    }
  }
  const after = await client.getRoutes();
  if (!sameRoutes(after.routes, routes)) {
    throw new Error(
      `the proxy did not apply the routing table: sent ${canonical(routes)}, read back ${canonical(after.routes)}`,
    );
  }
  return after;
}

/** A requested port of 0 prefers the port the previous proxy of this service had, when it is free. */
async function preferredPort(requested: number | undefined, previous: number | undefined): Promise<number> {
  if (requested !== 0 || !previous) return requested ?? 0;
  return (await isPortFree(previous)) ? previous : 0;
}

async function checkPortFree(port: number | undefined, field: string, service: string): Promise<void> {
  if (!port || (await isPortFree(port))) return;
  throw new Error(
    `proxy of ${service} did not start: port ${port} is already in use on 127.0.0.1\n` +
      `field ${field} = ${port}; fix: stop what listens on ${port}, choose another ${field}, or leave ${field} unset for a free port`,
  );
}

/**
 * The proxy these outputs recorded while its keeper or its worker runs, found through its state
 * file: a keeper killed since was replaced by its worker, and the file names the new one. Outputs
 * of older versions (no id) name it by the keeper's pid.
 */
function live(props: Pick<ProxyOutputs, "stateDir" | "service" | "pid" | "proxyId">): ProxyState | undefined {
  const state = runningProxy(proxyPaths(props.stateDir, props.service).state, props.proxyId);
  return state && (props.proxyId !== undefined || state.pid === props.pid) ? state : undefined;
}

/** The outputs' keeper fields for the keeper a running proxy's state names now (and its id). */
function keeperFields(
  state: ProxyState,
  proxyId: string | undefined,
): Pick<ProxyOutputs, "pid" | "startTime" | "proxyId"> {
  const id = proxyId ?? state.id;
  return {
    pid: state.pid,
    startTime: state.startTime,
    ...(id !== undefined ? { proxyId: id } : {}),
  };
}

function outputs(
  inputs: ProxyInputs,
  token: string,
  read: RoutesResponse,
  state: Pick<ProxyState, "id" | "pid" | "startTime" | "port" | "previewPort" | "adminPort">,
): ProxyOutputs {
  return {
    service: inputs.service,
    stateDir: inputs.stateDir,
    requestedPort: inputs.port,
    ...(inputs.previewPort !== undefined ? { requestedPreviewPort: inputs.previewPort } : {}),
    port: state.port,
    ...(state.previewPort !== undefined ? { previewPort: state.previewPort } : {}),
    adminPort: state.adminPort,
    adminToken: token,
    pid: state.pid,
    ...(state.startTime !== undefined ? { startTime: state.startTime } : {}),
    ...(state.id !== undefined ? { proxyId: state.id } : {}),
    routes: read.routes,
    generation: read.generation,
    weights: weightsOf(read.routes),
    status: "ready",
  };
}

export async function create(inputs: ProxyInputs): Promise<pulumi.dynamic.CreateResult<ProxyOutputs>> {
  const paths = proxyPaths(inputs.stateDir, inputs.service);
  const previous = readProxyState(paths.state);
  await checkPortFree(inputs.port, "port", inputs.service);
  await checkPortFree(inputs.previewPort, "previewPort", inputs.service);
  const port = await preferredPort(inputs.port, previous?.port);
  const previewPort =
    inputs.previewPort === undefined
      ? undefined
      : await preferredPort(inputs.previewPort, previous?.previewPort);
  const adminToken = randomBytes(24).toString("base64url");
  let state: Awaited<ReturnType<typeof startProxy>>;
  try {
    state = await startProxy({
      service: inputs.service,
      stateDir: inputs.stateDir,
      port,
      ...(previewPort !== undefined ? { previewPort } : {}),
      adminToken,
      routes: inputs.routes,
    });
  } catch (err) {
    fs.rmSync(paths.config, { force: true });
    const why = err instanceof Error ? err.message : String(err);
    const running = err instanceof DaemonStartError && err.code === "ALREADY_RUNNING";
    const fix = running
      ? "another stack or program runs a service of this name in this state folder; give the service another name (serviceName) or another stateDir"
      : "leave port and previewPort unset to use free ports";
    throw new Error(`proxy of ${inputs.service} did not start: ${why}\nfix: ${fix}; logs: ${paths.log}`);
  }
  const client = clientOf({ adminPort: state.adminPort, adminToken });
  const read = await applyRoutes(client, inputs.routes).catch(async (err: unknown) => {
    await stopProxy(keeperOf(state), 2_000, { stateFile: paths.state, ...idOf(state) }).catch(
      () => undefined,
    );
    throw err;
  });
  return { id: `${inputs.service}/proxy`, outs: outputs(inputs, adminToken, read, state) };
}

/**
 * Refresh: the table the proxy really has and the keeper that runs it now, or status gone when
 * neither its keeper nor its worker runs.
 */
export async function read(
  id: string,
  props: ProxyOutputs,
): Promise<pulumi.dynamic.ReadResult<ProxyOutputs>> {
  const state = live(props);
  let status: LiveStatus = state ? "ready" : "gone";
  if (!state) return { id, props: { ...props, status } };
  const now = { ...props, ...keeperFields(state, props.proxyId) };
  try {
    const current = await clientOf(props).getRoutes();
    return {
      id,
      props: {
        ...now,
        routes: current.routes,
        generation: current.generation,
        weights: weightsOf(current.routes),
      },
    };
  } catch {
    status = "degraded";
    return { id, props: { ...now, status } };
  }
}

/** Port changes replace the proxy (stopping the old one first: same folder); route changes update it. */
export async function diff(
  _id: string,
  olds: ProxyOutputs,
  news: ProxyInputs,
): Promise<pulumi.dynamic.DiffResult> {
  const replaces: string[] = [];
  if (olds.service !== news.service) replaces.push("service");
  if (olds.stateDir !== news.stateDir) replaces.push("stateDir");
  if (news.port !== olds.requestedPort && news.port !== olds.port) replaces.push("port");
  const hadPreview = olds.requestedPreviewPort !== undefined;
  const wantsPreview = news.previewPort !== undefined;
  if (
    hadPreview !== wantsPreview ||
    (wantsPreview && news.previewPort !== olds.requestedPreviewPort && news.previewPort !== olds.previewPort)
  ) {
    replaces.push("previewPort");
  }
  if (olds.status === "gone" || !live(olds)) replaces.push("status");
  const changes =
    replaces.length > 0 ||
    !sameRoutes(olds.routes, news.routes) ||
    news.port !== olds.requestedPort ||
    news.previewPort !== olds.requestedPreviewPort;
  return { changes, replaces, deleteBeforeReplace: true };
}

export async function update(
  _id: string,
  olds: ProxyOutputs,
  news: ProxyInputs,
): Promise<pulumi.dynamic.UpdateResult<ProxyOutputs>> {
  const state = live(olds);
  if (!state) {
    throw new Error(
      `proxy of ${olds.service} (pid ${olds.pid}) is not running; run \`pulumi refresh\` and then \`pulumi up\` to start a new one`,
    );
  }
  const read = await applyRoutes(clientOf(olds), news.routes);
  const keeper = keeperFields(state, olds.proxyId);
  return { outs: outputs(news, olds.adminToken, read, { ...olds, ...keeper, id: keeper.proxyId }) };
}

/** Stops the proxy (it drains for its grace period), checks its ports are free, removes the token file. */
export async function remove(_id: string, props: ProxyOutputs): Promise<void> {
  const paths = proxyPaths(props.stateDir, props.service);
  const ports = [props.port, props.adminPort, ...(props.previewPort ? [props.previewPort] : [])];
  const keeper = refOf(props.pid, props.startTime) ?? { pid: props.pid };
  await stopProxy(keeper, 10_000, { stateFile: paths.state, ports, ...idOf({ id: props.proxyId }) });
  fs.rmSync(paths.config, { force: true });
}
