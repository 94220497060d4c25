// What the three local components share: the proxy and the outputs built from it, and the list
// of processes a service runs (for operators and for tests that prove nothing is left behind).

import * as pulumi from "@pulumi/pulumi";
import { unknown } from "@pulumi/pulumi/output";
import { ProgressiveComponent } from "../core";
import { InstanceSet, LocalProxy } from "./providers/resources";
import type { InstanceInfo } from "./providers/types";
import type { SlotRoute } from "./routes";
import type { RouteTableInput } from "./runtime";
import type { LocalWorkload } from "./workload";

/** The processes of one slot (an instance set, or the units of a rolling set). */
export interface SlotProcesses {
  readonly version: string;
  /** Supervisor daemons: one per instance set, one per unit of a rolling set. */
  readonly supervisorPids: readonly number[];
  readonly instances: readonly Pick<InstanceInfo, "pid" | "port" | "status" | "restarts">[];
  readonly logDir: string;
}

/** Every process and port a local service runs, as last seen by Pulumi. */
export interface LocalProcesses {
  readonly stateDir: string;
  readonly proxy: { readonly pid: number; readonly ports: readonly number[] };
  /** By slot: stable, canary, blue, green or app. */
  readonly slots: Readonly<Record<string, SlotProcesses>>;
}

/** Outputs every local component has, all read from its proxy. */
export interface ProxyEndpoints {
  /** Where clients reach the service: `http://127.0.0.1:<port>`. */
  readonly endpoint: pulumi.Output<string>;
  /** The proxy's admin API (bearer token `adminToken`). */
  readonly adminEndpoint: pulumi.Output<string>;
  /** Bearer token of the admin API; secret. */
  readonly adminToken: pulumi.Output<string>;
  /** Prometheus text of the proxy's request metrics (needs the admin token). */
  readonly metricsUrl: pulumi.Output<string>;
  /** The same metrics as JSON, for the release driver (needs the admin token). */
  readonly metricsJsonUrl: pulumi.Output<string>;
}

/** An instance set of one slot, declared as a child of `parent`. */
export function instanceSet(
  parent: pulumi.Resource,
  name: string,
  workload: LocalWorkload,
  slot: string,
  version: string,
  replicas: number,
  opts: pulumi.CustomResourceOptions = {},
): InstanceSet {
  return new InstanceSet(
    `${name}-${slot}`,
    { ...workload.template(version), slot, replicas },
    { ...opts, parent },
  );
}

/** What a slot contributes to the service's processes output. */
export function slotProcesses(set: InstanceSet): pulumi.Output<SlotProcesses> {
  return pulumi
    .all([set.version, set.supervisorPid, set.instances, set.logDir])
    .apply(([version, pid, instances, logDir]) => ({
      version,
      supervisorPids: [pid],
      instances: instances.map(({ pid: p, port, status, restarts }) => ({ pid: p, port, status, restarts })),
      logDir,
    }));
}

/** A slot's version and instance ports, for the routing table. */
export function slotRoute(set: InstanceSet): pulumi.Output<SlotRoute> {
  return pulumi.all([set.version, set.ports]).apply(([version, ports]) => ({ version, ports }));
}

/** Declares the service's proxy. Its routes change in place; a port change replaces it. */
export function createProxy(
  parent: pulumi.Resource,
  name: string,
  workload: LocalWorkload,
  routes: pulumi.Input<RouteTableInput>,
  ports: { readonly port?: number; readonly previewPort?: number },
): LocalProxy {
  return new LocalProxy(
    `${name}-proxy`,
    {
      service: workload.service,
      stateDir: workload.stateDir,
      port: ports.port ?? 0,
      ...(ports.previewPort !== undefined ? { previewPort: ports.previewPort } : {}),
      routes,
    },
    { parent },
  );
}

/**
 * `http://127.0.0.1:<port>`; unknown for port 0, which a preview of an update shows for a port
 * chosen free at create (the input), not the one kept (known only after the update).
 */
function loopbackUrl(port: pulumi.Output<number>): pulumi.Output<string> {
  return port.apply((p) => pulumi.output(p === 0 ? (unknown as unknown as string) : `http://127.0.0.1:${p}`));
}

/** The endpoint outputs of a proxy. */
export function proxyEndpoints(proxy: LocalProxy): ProxyEndpoints {
  const admin = pulumi.interpolate`http://127.0.0.1:${proxy.adminPort}`;
  return {
    endpoint: loopbackUrl(proxy.port),
    adminEndpoint: admin,
    adminToken: pulumi.secret(proxy.adminToken),
    metricsUrl: pulumi.interpolate`${admin}/metrics`,
    metricsJsonUrl: pulumi.interpolate`${admin}/metrics.json`,
  };
}

/** The preview endpoint, or undefined when the proxy has no preview port. */
export function previewEndpoint(proxy: LocalProxy): pulumi.Output<string | undefined> {
  return proxy.previewPort.apply((p) =>
    p === undefined ? pulumi.output<string | undefined>(undefined) : loopbackUrl(pulumi.output(p)),
  );
}

/** The processes of a service: the proxy's and each slot's. */
export function processesOf(
  workload: LocalWorkload,
  proxy: LocalProxy,
  slots: Record<string, pulumi.Input<SlotProcesses>>,
): pulumi.Output<LocalProcesses> {
  return pulumi
    .all([proxy.pid, proxy.port, proxy.previewPort, proxy.adminPort, pulumi.all(slots)])
    .apply(([pid, port, previewPort, adminPort, resolved]) => ({
      stateDir: workload.stateDir,
      proxy: { pid, ports: [port, adminPort, ...(previewPort ? [previewPort] : [])] },
      slots: resolved as Record<string, SlotProcesses>,
    }));
}

/** What a local service registers beside its proxy: its preview, traffic resources and processes. */
export interface ProxiedRelease {
  readonly previewEndpoint: pulumi.Output<string | undefined>;
  /** The resources that change the proxy's table. */
  readonly trafficResources: readonly pulumi.Resource[];
  /** Each slot's processes. */
  readonly slots: Record<string, pulumi.Input<SlotProcesses>>;
  /** The component's `replicas` output. */
  readonly replicas: pulumi.Output<unknown>;
}

/**
 * The base of the local services. The proxy is both the router (its admin API reads back and
 * writes the applied table) and the source of the builtin request metrics; its bearer token is the
 * one secret.
 */
export abstract class ProxiedService extends ProgressiveComponent implements ProxyEndpoints {
  declare readonly adminEndpoint: pulumi.Output<string>;
  declare readonly adminToken: pulumi.Output<string>;
  declare readonly metricsUrl: pulumi.Output<string>;
  declare readonly metricsJsonUrl: pulumi.Output<string>;
  /** Every process and port of the service. */
  declare readonly processes: pulumi.Output<LocalProcesses>;

  /** Registers the release with the proxy as router and metrics source, and the proxy's outputs. */
  protected registerProxied(w: LocalWorkload, proxy: LocalProxy, o: ProxiedRelease): void {
    const { endpoint, ...endpoints } = proxyEndpoints(proxy);
    const processes = processesOf(w, proxy, o.slots);
    Object.assign(this, { ...endpoints, processes } satisfies Omit<
      ProxiedService,
      keyof ProgressiveComponent
    >);
    this.registerRelease({
      service: w.service,
      endpoint,
      previewEndpoint: o.previewEndpoint,
      router: endpoints.adminEndpoint.apply((adminEndpoint) => ({
        kind: "local-proxy" as const,
        adminEndpoint,
      })),
      metrics: endpoints.metricsJsonUrl.apply((metricsJsonUrl) => ({
        kind: "local-proxy" as const,
        metricsJsonUrl,
      })),
      trafficResources: o.trafficResources,
      secrets: pulumi.output(endpoints.adminToken).apply((adminToken) => ({ adminToken })),
      outputs: { replicas: o.replicas, processes },
    });
  }
}
