// `builtin` for services behind an ALB (metrics descriptor `cloudwatch-alb`): the target groups'
// request metrics in CloudWatch (`AWS/ApplicationELB`, dimensions `LoadBalancer` + `TargetGroup`),
// read with GetMetricData `MetricStat` queries only. Rates are computed here rather than with
// metric math: a target group without 5xx responses publishes no HTTPCode_Target_5XX_Count at
// all (so it counts as 0 when requests are present), and emulators such as moto do not evaluate
// math expressions. No requests in the window is no data (Inconclusive), never a rate of 0.
//
// CloudWatch has one-minute points and a lag of one to three minutes, so each measurement reads
// a window of at least `minWindowSeconds` (default 300) ending now, after waiting the check's
// interval as the other builtin sources do.
import { setTimeout as sleep } from "node:timers/promises";
import type { MetricsDescriptor } from "../../components/core/contract";
import type { BuiltinMetricName, BuiltinSource, VersionPair } from "./builtin-types";
import { callSdk, loadSdk, type PackageImporter } from "./sdk-call";
import {
  type Measurement,
  type MetricProvider,
  type MetricQuery,
  MetricQueryError,
  measured,
  noData,
} from "./types";

type AlbMetrics = Extract<MetricsDescriptor, { kind: "cloudwatch-alb" }>;

/** One `MetricStat` query as GetMetricData takes it. */
export interface MetricStatQuery {
  readonly Id: string;
  readonly MetricStat: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
    };
    readonly Period: number;
    readonly Stat: string;
  };
  readonly ReturnData: true;
}

/** One result of GetMetricData (the fields read). */
export interface MetricDataResultLike {
  readonly Id?: string;
  readonly Values?: readonly number[];
  readonly StatusCode?: string;
  readonly Messages?: readonly { readonly Code?: string; readonly Value?: string }[];
}

/** The part of `CloudWatchClient` used here; tests may pass their own. */
export interface CloudWatchSendLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Options of {@link createCloudWatchAlbSource}. */
export interface CloudWatchAlbOptions {
  /** CloudWatch endpoint, e.g. an emulator's `http://127.0.0.1:5000`. @default $AWS_ENDPOINT_URL_CLOUDWATCH, else $AWS_ENDPOINT_URL, else AWS's */
  readonly endpoint?: string;
  /** A client to use instead of building one. @default built on first query from the descriptor's region */
  readonly client?: CloudWatchSendLike;
  /** Loads `@aws-sdk/client-cloudwatch`; tests pass one that fails. @default Node's import */
  readonly importer?: PackageImporter;
  /** Deadline of one GetMetricData call in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Shortest window read, in seconds (CloudWatch's points are a minute apart and lag). @default 300 */
  readonly minWindowSeconds?: number;
  /** Waits before each measurement; tests pass one that returns at once. @default a timer of the window */
  readonly wait?: (seconds: number, signal?: AbortSignal) => Promise<void>;
  /** The end of each window. @default the current time */
  readonly now?: () => Date;
  /** The slot of each version. @default candidate "canary", stable "stable" */
  readonly slots?: VersionPair<string>;
}

/** Defaults of {@link CloudWatchAlbOptions}. */
export const CLOUDWATCH_ALB_DEFAULTS = {
  timeoutMs: 10_000,
  minWindowSeconds: 300,
  periodSeconds: 60,
} as const;

/** The statistics each builtin metric sums over the window, by query suffix. */
const STATS: Readonly<Record<BuiltinMetricName, readonly (readonly [string, string, string])[]>> = {
  errorRate: [
    ["requests", "RequestCount", "Sum"],
    ["errors", "HTTPCode_Target_5XX_Count", "Sum"],
  ],
  http5xxRate: [
    ["requests", "RequestCount", "Sum"],
    ["errors", "HTTPCode_Target_5XX_Count", "Sum"],
  ],
  meanLatency: [
    ["latencySum", "TargetResponseTime", "Sum"],
    ["latencyCount", "TargetResponseTime", "SampleCount"],
  ],
  throughput: [["requests", "RequestCount", "Sum"]],
};

/** The GetMetricData queries of `metric` for one target group; ids are `<prefix>_<suffix>`. */
export function albMetricQueries(
  metric: BuiltinMetricName,
  loadBalancer: string,
  targetGroup: string,
  prefix: string,
  periodSeconds: number = CLOUDWATCH_ALB_DEFAULTS.periodSeconds,
): MetricStatQuery[] {
  return STATS[metric].map(([suffix, name, stat]) => ({
    Id: `${prefix}_${suffix}`,
    MetricStat: {
      Metric: {
        Namespace: "AWS/ApplicationELB",
        MetricName: name,
        Dimensions: [
          { Name: "LoadBalancer", Value: loadBalancer },
          { Name: "TargetGroup", Value: targetGroup },
        ],
      },
      Period: periodSeconds,
      Stat: stat,
    },
    ReturnData: true,
  }));
}

/** Sums of each series (undefined when a series has no points), by query suffix. */
export type SeriesSums = Readonly<Record<string, number | undefined>>;

/**
 * The value of `metric` from the window's sums: 5xx / requests (a missing 5xx series with
 * requests present is 0), seconds per request, requests per second over `windowSeconds`. No
 * requests (or no latency samples) is no data.
 */
export function albMetricValue(
  metric: BuiltinMetricName,
  sums: SeriesSums,
  windowSeconds: number,
  targetGroup: string,
  at: Date,
): Measurement {
  const none = `no requests to target group ${targetGroup} in the last ${windowSeconds} s`;
  switch (metric) {
    case "errorRate":
    case "http5xxRate": {
      const requests = sums.requests;
      if (requests === undefined || requests <= 0) return noData(none, at);
      return measured((sums.errors ?? 0) / requests, at, { requests, errors: sums.errors ?? 0 });
    }
    case "meanLatency": {
      const count = sums.latencyCount;
      if (count === undefined || count <= 0 || sums.latencySum === undefined) return noData(none, at);
      return measured(sums.latencySum / count, at, { samples: count });
    }
    case "throughput": {
      const requests = sums.requests;
      if (requests === undefined) return noData(none, at);
      return measured(requests / windowSeconds, at, { requests });
    }
  }
}

/** The sums of each query of a slot (`<prefix>_<suffix>`) from GetMetricData results. */
export function seriesSums(results: readonly MetricDataResultLike[], prefix: string): SeriesSums {
  const out: Record<string, number | undefined> = {};
  for (const r of results) {
    if (!r.Id?.startsWith(`${prefix}_`)) continue;
    const values = r.Values ?? [];
    out[r.Id.slice(prefix.length + 1)] = values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  }
  return out;
}

/** The `builtin` source of a service behind an ALB; its provider runs raw `{ metric, slot, windowSeconds }` measurements. */
export type CloudWatchAlbSource = BuiltinSource<"cloudwatch-alb">;

interface CloudWatchSdk {
  CloudWatchClient: new (config: { region?: string; endpoint?: string }) => CloudWatchSendLike;
  GetMetricDataCommand: new (input: {
    MetricDataQueries: MetricStatQuery[];
    StartTime: Date;
    EndTime: Date;
    ScanBy: "TimestampDescending";
  }) => unknown;
}

/** The builtin source reading `descriptor`'s target groups from CloudWatch. */
export function createCloudWatchAlbSource(
  descriptor: AlbMetrics,
  o: CloudWatchAlbOptions = {},
): CloudWatchAlbSource {
  const name = "builtin";
  const timeoutMs = o.timeoutMs ?? CLOUDWATCH_ALB_DEFAULTS.timeoutMs;
  const minWindow = o.minWindowSeconds ?? CLOUDWATCH_ALB_DEFAULTS.minWindowSeconds;
  const endpoint = o.endpoint ?? process.env.AWS_ENDPOINT_URL_CLOUDWATCH ?? process.env.AWS_ENDPOINT_URL;
  const slots = o.slots ?? { candidate: "canary", stable: "stable" };
  let client = o.client;
  let sdk: CloudWatchSdk | undefined;

  /** Sums of every slot's series over the window ending now. */
  async function fetch(
    metric: BuiltinMetricName,
    slotNames: readonly string[],
    windowSeconds: number,
    signal?: AbortSignal,
  ): Promise<{ sums: Record<string, SeriesSums>; end: Date }> {
    sdk ??= await loadSdk<CloudWatchSdk>(name, "@aws-sdk/client-cloudwatch", o.importer);
    client ??= new sdk.CloudWatchClient({ region: descriptor.region, ...(endpoint ? { endpoint } : {}) });
    const c = client;
    const queries = slotNames.flatMap((slot, i) =>
      albMetricQueries(metric, descriptor.loadBalancer, descriptor.targetGroups[slot] as string, `s${i}`),
    );
    const end = o.now?.() ?? new Date();
    const command = new sdk.GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(end.getTime() - windowSeconds * 1000),
      EndTime: end,
      ScanBy: "TimestampDescending",
    });
    const out = (await callSdk(name, "GetMetricData", timeoutMs, signal, (abortSignal) =>
      c.send(command, { abortSignal }),
    )) as { MetricDataResults?: MetricDataResultLike[] };
    const results = out.MetricDataResults ?? [];
    const failed = results.find((r) => r.StatusCode === "InternalError" || r.StatusCode === "Forbidden");
    if (failed) {
      const said = (failed.Messages ?? []).map((m) => `${m.Code ?? ""} ${m.Value ?? ""}`.trim()).join("; ");
      throw new MetricQueryError(
        name,
        "query-error",
        `GetMetricData status ${failed.StatusCode}${said ? `: ${said}` : ""}`,
      );
    }
    return {
      sums: Object.fromEntries(slotNames.map((slot, i) => [slot, seriesSums(results, `s${i}`)])),
      end,
    };
  }

  const windowOf = (seconds: number) => Math.max(minWindow, Math.ceil(seconds / 60) * 60);

  const provider: MetricProvider = {
    name,
    kind: "cloudwatch",
    async query(q: MetricQuery, signal?: AbortSignal) {
      const metric = q.metric as BuiltinMetricName;
      const slot = String(q.slot);
      if (!(metric in STATS) || descriptor.targetGroups[slot] === undefined) {
        throw new MetricQueryError(name, "query-error", `no builtin ${String(q.metric)} for slot ${slot}`);
      }
      const window = windowOf(Number(q.windowSeconds ?? minWindow));
      const { sums, end } = await fetch(metric, [slot], window, signal);
      return albMetricValue(metric, sums[slot] ?? {}, window, descriptor.targetGroups[slot] as string, end);
    },
  };

  return {
    kind: "cloudwatch-alb",
    provider,
    async measure(metric, _versions, windowSeconds, signal) {
      await (o.wait ? o.wait(windowSeconds, signal) : sleep(windowSeconds * 1000, undefined, { signal }));
      const window = windowOf(windowSeconds);
      const wanted = [slots.candidate, slots.stable];
      const missing = wanted.find((s) => descriptor.targetGroups[s] === undefined);
      if (missing !== undefined) {
        const at = new Date();
        const reason = `the release names no "${missing}" target group (it has ${Object.keys(descriptor.targetGroups).join(", ")})`;
        return { candidate: noData(reason, at), stable: noData(reason, at) };
      }
      const { sums, end } = await fetch(metric, wanted, window, signal);
      const value = (slot: string) =>
        albMetricValue(metric, sums[slot] ?? {}, window, descriptor.targetGroups[slot] as string, end);
      return { candidate: value(slots.candidate), stable: value(slots.stable) };
    },
  };
}
