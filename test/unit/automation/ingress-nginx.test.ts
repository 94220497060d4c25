import * as assert from "node:assert/strict";
import {
  type BuiltinMetricName,
  type IngressNginxSide,
  ingressNginxQuery,
} from "../../../automation/metrics";
import { ingressNginxRequestsQuery } from "../../../automation/metrics/ingress-nginx";

describe("automation/metrics ingress-nginx queries", () => {
  const REQ = "nginx_ingress_controller_requests";
  const DUR = "nginx_ingress_controller_request_duration_seconds";
  const canary = 'namespace="shop",ingress="web",canary!=""';
  const stable = 'namespace="shop",ingress="web",canary=""';
  const table: ReadonlyArray<[BuiltinMetricName, IngressNginxSide, number, string]> = [
    [
      "errorRate",
      "canary",
      60,
      `(sum(rate(${REQ}{${canary},status=~"5.."}[60s])) or vector(0)) / sum(rate(${REQ}{${canary}}[60s]))`,
    ],
    [
      "http5xxRate",
      "stable",
      30,
      `(sum(rate(${REQ}{${stable},status=~"5.."}[30s])) or vector(0)) / sum(rate(${REQ}{${stable}}[30s]))`,
    ],
    [
      "meanLatency",
      "canary",
      60,
      `sum(rate(${DUR}_sum{${canary}}[60s])) / sum(rate(${DUR}_count{${canary}}[60s]))`,
    ],
    ["throughput", "stable", 120, `sum(rate(${REQ}{${stable}}[120s]))`],
    // Windows are whole seconds, rounded up, at least one.
    ["throughput", "canary", 2.5, `sum(rate(${REQ}{${canary}}[3s]))`],
    ["throughput", "canary", 0, `sum(rate(${REQ}{${canary}}[1s]))`],
  ];
  for (const [metric, side, seconds, expected] of table) {
    it(`${metric}, ${side}, ${seconds} s`, () => {
      assert.equal(ingressNginxQuery(metric, { namespace: "shop", ingress: "web", side }, seconds), expected);
    });
  }

  it("counts the requests of a side over the same window, for the evidence behind a share", () => {
    assert.equal(
      ingressNginxRequestsQuery({ namespace: "shop", ingress: "web", side: "canary" }, 59.5),
      `sum(increase(${REQ}{${canary}}[60s]))`,
    );
  });

  it("escapes label values", () => {
    assert.equal(
      ingressNginxQuery("throughput", { namespace: 'a"b', ingress: "c\\d", side: "stable" }, 10),
      `sum(rate(${REQ}{namespace="a\\"b",ingress="c\\\\d",canary=""}[10s]))`,
    );
  });
});
