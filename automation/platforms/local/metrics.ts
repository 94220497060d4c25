// `builtin` on the local platform: the proxy's own counters (metrics.json), two snapshots
// `windowSeconds` apart, both versions from one answer.
import type { BuiltinFactory, VersionPair } from "../../metrics/builtin-types";
import { type Measurement, MetricConfigError, measured, noData } from "../../metrics/types";

/** The measurement of one version from a proxy answer for several versions. */
function pickVersion(m: Measurement, version: string): Measurement {
  if (m.kind !== "vector") return m;
  const sample = m.samples.find((s) => s.labels.version === version);
  return sample
    ? measured(sample.value, m.at, sample.detail)
    : noData(`no requests to version "${version}" in the window`, m.at);
}

export const localProxyBuiltin: BuiltinFactory<"local-proxy"> = {
  create(descriptor, { secrets, build }) {
    const token = secrets.adminToken;
    if (!token) {
      throw new MetricConfigError(
        "metric provider builtin",
        "releaseSecrets.adminToken",
        undefined,
        "is needed to read the local proxy's metrics",
        "deploy the stack with this package's local components, which register it",
      );
    }
    const provider = build({
      kind: "proxy",
      name: "builtin",
      metricsJsonUrl: descriptor.metricsJsonUrl,
      token,
    });
    const both = async (
      query: { metric: string; slowerThanSeconds?: number },
      versions: VersionPair<string>,
      windowSeconds: number,
      signal?: AbortSignal,
    ) => {
      const m = await provider.query(
        {
          ...query,
          versions: [versions.candidate, versions.stable],
          windowMs: Math.round(windowSeconds * 1000),
        },
        signal,
      );
      return { candidate: pickVersion(m, versions.candidate), stable: pickVersion(m, versions.stable) };
    };
    return {
      kind: "local-proxy",
      provider,
      measure: (metric, versions, windowSeconds, signal) => both({ metric }, versions, windowSeconds, signal),
      measureSlow: (slowerThanSeconds, versions, windowSeconds, signal) =>
        both({ metric: "slowRate", slowerThanSeconds }, versions, windowSeconds, signal),
    };
  },
  slowRate: true,
};
