import * as assert from "node:assert/strict";
import {
  createProvider,
  MetricConfigError,
  MetricQueryError,
  measured,
  measuredVector,
  noData,
  PROVIDER_KINDS,
  type ProviderSpec,
  valuesOf,
} from "../../../automation/metrics";

describe("automation/metrics registry and measurements", () => {
  it("builds a provider per kind", () => {
    const specs: ProviderSpec[] = [
      { kind: "prometheus", name: "p", url: "http://127.0.0.1:9090" },
      { kind: "proxy", name: "x", adminUrl: "http://127.0.0.1:9901", token: "t" },
      { kind: "http", name: "h" },
      { kind: "cloudwatch", name: "cw", region: "eu-west-1" },
      { kind: "azure-monitor", name: "az", client: { queryResource: async () => ({ metrics: [] }) } },
      { kind: "cloud-monitoring", name: "gcp", projectId: "p" },
    ];
    assert.deepEqual(
      specs.map((s) => createProvider(s).kind),
      PROVIDER_KINDS,
    );
  });

  it("rejects an unknown kind, listing the known ones", () => {
    assert.throws(
      () => createProvider({ kind: "datadog", name: "dd" } as unknown as ProviderSpec),
      (e: unknown) =>
        e instanceof MetricConfigError &&
        e.field === "kind" &&
        e.message ===
          'metric provider "dd": kind ("datadog") is not a known provider kind; use one of "prometheus", "proxy", "http", "cloudwatch", "azure-monitor", "cloud-monitoring"',
    );
  });

  it("never turns NaN into a number", () => {
    const at = new Date(0);
    assert.deepEqual(measured(Number.NaN, at), { kind: "noData", reason: "the value is NaN", at });
    assert.deepEqual(measured(0, at), { kind: "value", value: 0, at });
    assert.deepEqual(measuredVector([], at).kind, "noData");
    assert.deepEqual(
      measuredVector(
        [
          { labels: { a: "1" }, value: Number.NaN },
          { labels: { a: "2" }, value: 2 },
        ],
        at,
      ),
      {
        kind: "vector",
        samples: [{ labels: { a: "2" }, value: 2 }],
        at,
      },
    );
    assert.deepEqual(valuesOf(noData("none", at)), []);
  });

  it("MetricQueryError carries provider and failure", () => {
    const e = new MetricQueryError("prom", "timeout", "no response within 5 ms");
    assert.equal(e.message, 'metric provider "prom": no response within 5 ms');
    assert.equal(e.provider, "prom");
    assert.equal(e.failure, "timeout");
    assert.ok(e instanceof Error);
  });
});
