import * as assert from "node:assert/strict";
import {
  AZURE_TIME_GRAINS,
  azureBuiltinPlan,
  azureBuiltinUnavailable,
  createAzureBuiltinSource,
  windowGrain,
} from "../../../automation/metrics/builtin-azure";
import type { ProviderSpec } from "../../../automation/metrics/registry";
import {
  type Measurement,
  MetricConfigError,
  type MetricProvider,
  type MetricQuery,
} from "../../../automation/metrics/types";

const APP = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/web";
const FD = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/web-fd";
const TM = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/trafficManagerProfiles/web-tm";
const aca = {
  kind: "azure-monitor-container-apps",
  resourceId: APP,
  revisions: { v1: "web--v1-a", v2: "web--v2-b" },
} as const;
const fd = {
  kind: "azure-monitor-traffic-layer",
  resourceId: FD,
  targets: { v1: "web-blue.x.io", v2: "web-green.x.io" },
} as const;

describe("azure builtin metrics", () => {
  it("asks for one time grain Azure Monitor accepts: the longest within the window", () => {
    // Azure Monitor takes PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H and P1D only; PT2M or PT7M
    // is refused.
    const grains: [number, string, number][] = [
      [10, "PT1M", 60],
      [90, "PT1M", 60],
      [300, "PT5M", 300],
      [420, "PT5M", 300],
      [900, "PT15M", 900],
      [1799, "PT15M", 900],
      [3600, "PT1H", 3600],
      [7200, "PT1H", 3600],
      [86400 * 2, "P1D", 86400],
    ];
    for (const [window, granularity, seconds] of grains) {
      assert.deepEqual(windowGrain(window), { granularity, windowSeconds: seconds }, `window ${window} s`);
      assert.ok(AZURE_TIME_GRAINS.some(([g]) => g === granularity));
    }
  });

  const base = { granularity: "PT5M", windowSeconds: 300 };
  const cases: [string, Parameters<typeof azureBuiltinPlan>, ReturnType<typeof azureBuiltinPlan>][] = [
    [
      "Container Apps error rate: 5xx requests of the revision over all its requests",
      ["errorRate", aca, "web--v2-b", 300],
      {
        numerator: {
          resourceUri: APP,
          ...base,
          metricName: "Requests",
          aggregation: "Total",
          filter: "revisionName eq 'web--v2-b' and statusCodeCategory eq '5xx'",
        },
        denominator: {
          resourceUri: APP,
          ...base,
          metricName: "Requests",
          aggregation: "Total",
          filter: "revisionName eq 'web--v2-b'",
        },
        scale: 1,
        zeroWithoutNumerator: true,
      },
    ],
    [
      "Container Apps mean latency: ResponseTime in ms, to seconds",
      ["meanLatency", aca, "web--v2-b", 300],
      {
        numerator: {
          resourceUri: APP,
          ...base,
          metricName: "ResponseTime",
          aggregation: "Average",
          filter: "revisionName eq 'web--v2-b'",
        },
        scale: 0.001,
        zeroWithoutNumerator: false,
      },
    ],
    [
      "Front Door throughput: origin requests per second",
      ["throughput", fd, "web-green.x.io", 300],
      {
        numerator: {
          resourceUri: FD,
          ...base,
          metricName: "OriginRequestCount",
          aggregation: "Total",
          filter: "Origin eq 'web-green.x.io'",
        },
        scale: 1 / 300,
        zeroWithoutNumerator: false,
      },
    ],
    [
      "Front Door 5xx rate",
      ["http5xxRate", fd, "web-green.x.io", 300],
      {
        numerator: {
          resourceUri: FD,
          ...base,
          metricName: "OriginRequestCount",
          aggregation: "Total",
          filter: "Origin eq 'web-green.x.io' and HttpStatusGroup eq '5XX'",
        },
        denominator: {
          resourceUri: FD,
          ...base,
          metricName: "OriginRequestCount",
          aggregation: "Total",
          filter: "Origin eq 'web-green.x.io'",
        },
        scale: 1,
        zeroWithoutNumerator: true,
      },
    ],
  ];
  for (const [title, args, want] of cases) it(title, () => assert.deepEqual(azureBuiltinPlan(...args), want));

  it("is unavailable on Traffic Manager, which has no request metrics", () => {
    const tm = { kind: "azure-monitor-traffic-layer", resourceId: TM, targets: { v1: "web-blue" } } as const;
    assert.equal(azureBuiltinUnavailable(aca), undefined);
    assert.equal(azureBuiltinUnavailable(fd), undefined);
    assert.match(azureBuiltinUnavailable(tm)?.problem ?? "", /Traffic Manager, which answers DNS queries/);
    assert.throws(() => createAzureBuiltinSource(tm, {}), MetricConfigError);
  });

  it("measures both versions through the azure-monitor provider: 0 without 5xx, no data without requests", async () => {
    const answers: Record<string, Measurement> = {
      "revisionName eq 'web--v2-b' and statusCodeCategory eq '5xx'": {
        kind: "value",
        value: 3,
        at: new Date(1),
      },
      "revisionName eq 'web--v2-b'": { kind: "value", value: 60, at: new Date(1) },
      "revisionName eq 'web--v1-a' and statusCodeCategory eq '5xx'": {
        kind: "noData",
        reason: "none",
        at: new Date(1),
      },
      "revisionName eq 'web--v1-a'": { kind: "value", value: 240, at: new Date(1) },
    };
    const specs: ProviderSpec[] = [];
    const queries: MetricQuery[] = [];
    const provider: MetricProvider = {
      name: "builtin",
      kind: "azure-monitor",
      async query(q) {
        queries.push(q);
        return answers[q.filter as string] ?? { kind: "noData", reason: "no series", at: new Date(1) };
      },
    };
    const source = createAzureBuiltinSource(aca, { azureMonitor: { timeoutMs: 5000 } }, (spec) => {
      specs.push(spec);
      return provider;
    });
    assert.deepEqual(specs, [{ kind: "azure-monitor", name: "builtin", timeoutMs: 5000 }]);
    const m = await source.measure("errorRate", { candidate: "v2", stable: "v1" }, 0);
    assert.deepEqual(m, {
      candidate: { kind: "value", value: 0.05, at: new Date(1), detail: { requests: 60, errors: 3 } },
      stable: { kind: "value", value: 0, at: new Date(1), detail: { requests: 240, errors: 0 } },
    });
    assert.equal(queries.length, 4);
    const none = await source.measure("errorRate", { candidate: "v3", stable: "v1" }, 0);
    assert.equal(none.candidate.kind, "noData");
  });
});
