// `provider: "builtin"`: the platform's own request metrics, found through the release contract's
// metrics descriptor. Each platform module (automation/platforms/<p>) registers the sources of its
// metrics kinds and the registry picks one. Every kind measures the candidate and the stable
// version over the same window, so a relative condition ("< 110% of baseline") compares like with
// like; for example:
// - local-proxy: two snapshots of the proxy's metrics.json, `windowSeconds` apart;
// - ingress-nginx: wait `windowSeconds`, then PromQL over the last `windowSeconds` (needs the
//   `prometheus` settings); the cloud kinds query their monitoring service (builtin-aws|azure|gcp).
export { builtinMeasuresSlowRate, builtinUnavailable, createBuiltinSource } from "../platforms";
export {
  BUILTIN_METRICS,
  type BuiltinKind,
  type BuiltinMetricName,
  type BuiltinSource,
  type BuiltinUnavailable,
  isBuiltinMetric,
  SLOW_RATE,
  type VersionPair,
} from "./builtin-types";
