// Runtime of the local platform: a traffic proxy and an instance supervisor that run as daemons
// controlled through files and a loopback admin API.

export { isRunning, type ProcessRef, processRef, refOf, startTimeOf } from "../../process/identity";
export { AdminApiError, type AdminEndpoint, ProxyAdminClient, type RoutesResponse } from "./admin-client";
export {
  DaemonStartError,
  readProxyState,
  readState,
  runningProxy,
  type StartErrorCode,
  type StopKnown,
  type StopResult,
  startProxy,
  startSupervisor,
  stopProxy,
  stopSupervisor,
  supervisorRef,
} from "./control";
export { LATENCY_BUCKETS, type ProxyMetricsJson, type VersionMetricsJson } from "./metrics";
export { daemonArgv, findFreePort, isAlive, isPortFree } from "./processes";
export type { DrainResult, DrainTarget } from "./proxy";
export {
  type DaemonStatus,
  keeperOf,
  type ProxyConfig,
  type ProxyConfigInput,
  type ProxyState,
  proxyPaths,
  validateProxyConfig,
} from "./proxy-config";
export { type ReapResult, reapOrphans } from "./reap";
export {
  type HeaderRoute,
  type InstanceRoute,
  type RouteTable,
  type RouteTableInput,
  SmoothWeightedPicker,
  type VersionRoute,
  validateRouteTable,
} from "./routing";
export type { InstanceRef } from "./stop";
export {
  type InstanceState,
  type ReadinessCheck,
  type RestartPolicy,
  type SupervisorConfig,
  type SupervisorConfigInput,
  type SupervisorErrorCode,
  type SupervisorState,
  supervisorPaths,
  validateSupervisorConfig,
} from "./supervisor-config";
export { ConfigError } from "./validate";
