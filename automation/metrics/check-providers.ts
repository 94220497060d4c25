// Which metric provider a strategy check names, and whether it can run for a service: `builtin`
// when the release contract's metrics descriptor has something to read, any other registry kind
// when `progressive:metrics` configures it. Pure checks for preflight: nothing is measured and no
// SDK is loaded, so a mistake is reported before any traffic moves.
import { BUILTIN_PROVIDER } from "../../components/core/analysis";
import type { Check, MetricCheck } from "../../components/core/checks";
import type { ReleaseOutputs } from "../../components/core/contract";
import {
  BUILTIN_METRICS,
  type BuiltinMetricName,
  builtinMeasuresSlowRate,
  builtinUnavailable,
  isBuiltinMetric,
  SLOW_RATE,
} from "./builtin";
import { PROVIDER_KINDS, SDK_PACKAGES } from "./registry";
import { isPackageInstalled } from "./sdk-call";
import {
  configureCommand,
  configuredKinds,
  type MetricsSettings,
  type SettingsKind,
  settingsKeyOf,
} from "./settings";
import { MetricConfigError, type MetricQuery } from "./types";

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const quoted = (names: readonly string[]) =>
  names.length > 0 ? names.map((n) => `"${n}"`).join(", ") : "none";

/**
 * Providers the checks of this service may name: `builtin` when its metrics descriptor has
 * something to read (ingress-nginx also needs Prometheus settings), then every provider
 * configured in `progressive:metrics`, in registry order.
 */
export function knownProviders(release: ReleaseOutputs, metrics: MetricsSettings): string[] {
  const builtin = builtinUnavailable(release.metrics, metrics) ? [] : [BUILTIN_PROVIDER];
  return [...builtin, ...configuredKinds(metrics)];
}

/** Why a check's `provider` is not usable for this service, and how to make it so; undefined when it is. */
export function providerProblem(provider: string, release: ReleaseOutputs, metrics: MetricsSettings) {
  if (provider === BUILTIN_PROVIDER) return builtinUnavailable(release.metrics, metrics);
  const key = settingsKeyOf(provider);
  if (key) {
    if (metrics[key]) return undefined;
    return {
      problem: `is not configured (progressive:metrics.${key} is not set)`,
      fix: `configure it: ${configureCommand(provider as SettingsKind)}`,
    };
  }
  const configurable = PROVIDER_KINDS.filter((k) => settingsKeyOf(k));
  return {
    problem: "is not a metric provider a check can name",
    fix: `use ${quoted([BUILTIN_PROVIDER, ...configurable])}, configured in progressive:metrics (e.g. ${configureCommand("prometheus")})`,
  };
}

/**
 * One message per metric check whose provider this service does not have, naming the check,
 * the provider, the known providers and the fix. The driver calls it in preflight, so nothing is
 * measured for an unknown provider.
 */
export function unknownProviderProblems(
  checks: readonly Check[],
  release: ReleaseOutputs,
  metrics: MetricsSettings,
): string[] {
  const known = quoted(knownProviders(release, metrics));
  return checks.flatMap((c) => {
    if (c.kind !== "metric") return [];
    const p = providerProblem(c.provider, release, metrics);
    return p
      ? [`check "${c.name}": provider ("${c.provider}") ${p.problem}; known providers: ${known}; ${p.fix}`]
      : [];
  });
}

/** Example queries per kind, for messages about a query that is not JSON. */
const QUERY_EXAMPLES: Readonly<Partial<Record<string, string>>> = {
  cloudwatch:
    '{"metric": {"namespace": "AWS/ApplicationELB", "metricName": "HTTPCode_Target_5XX_Count", "dimensions": {"TargetGroup": "targetgroup/web-{{version}}/0123"}, "stat": "Sum"}}',
  "azure-monitor":
    '{"resourceUri": "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.App/containerApps/web", "metricName": "Requests", "aggregation": "Total", "filter": "revisionName eq \'web--{{version}}\'"}',
  "cloud-monitoring":
    '{"filter": "metric.type=\\"run.googleapis.com/request_count\\" AND resource.labels.revision_name=\\"web-{{version}}\\"", "perSeriesAligner": "ALIGN_RATE", "crossSeriesReducer": "REDUCE_SUM"}',
};

/**
 * The query object of a check for a registry kind: PromQL text for `prometheus`, a JSON object
 * of the provider's query fields for the others. Throws MetricConfigError naming the check.
 */
export function queryObject(check: MetricCheck, kind: string, text: string): MetricQuery {
  if (kind === "prometheus") return { query: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new MetricConfigError(
      `check "${check.name}"`,
      "query",
      check.query,
      `is not a JSON object of ${kind} query fields`,
      `write it as JSON, e.g. ${QUERY_EXAMPLES[kind] ?? "{}"}`,
    );
  }
  return parsed as MetricQuery;
}

/** The builtin metric a check names; throws MetricConfigError for any other query. */
export function builtinMetric(check: MetricCheck): BuiltinMetricName | typeof SLOW_RATE {
  if (isBuiltinMetric(check.query) || check.query === SLOW_RATE) return check.query;
  throw new MetricConfigError(
    `check "${check.name}"`,
    "query",
    check.query,
    "is not a builtin metric",
    `use one of ${[...BUILTIN_METRICS, SLOW_RATE].join(", ")}`,
  );
}

/** The builtin slowRate where the service's source has no latency histogram per version. */
function slowRateProblem(check: MetricCheck, release: ReleaseOutputs): string | undefined {
  if (check.query !== SLOW_RATE || builtinMeasuresSlowRate(release.metrics)) return undefined;
  return new MetricConfigError(
    `check "${check.name}"`,
    "query",
    check.query,
    `needs a latency histogram per version, which this service's builtin metrics ("${release.metrics.kind}") do not give; the local proxy's do`,
    "judge latency with meanLatency and a relative condition, or a prometheus check on your own histogram",
  ).message;
}

/**
 * One message per metric check (with a usable provider) whose query cannot run: a builtin
 * query that is not a builtin metric, a cloud query that is not JSON, or a cloud SDK package
 * that is not installed. Reads no metrics and loads no SDK.
 */
export function metricQueryProblems(
  checks: readonly Check[],
  release: ReleaseOutputs,
  metrics: MetricsSettings,
): string[] {
  const out: string[] = [];
  for (const c of checks) {
    if (c.kind !== "metric" || providerProblem(c.provider, release, metrics)) continue;
    try {
      if (c.provider === BUILTIN_PROVIDER) {
        builtinMetric(c);
        const slow = slowRateProblem(c, release);
        if (slow) out.push(slow);
      } else queryObject(c, c.provider, c.query);
    } catch (err) {
      out.push(messageOf(err));
    }
    for (const pkg of SDK_PACKAGES[c.provider as keyof typeof SDK_PACKAGES] ?? []) {
      if (!isPackageInstalled(pkg))
        out.push(
          `check "${c.name}": provider ("${c.provider}") needs package ${pkg}, which is not installed; install it with npm install ${pkg}`,
        );
    }
  }
  return out;
}
