import * as assert from "node:assert/strict";
import {
  configureCommand,
  configuredKinds,
  createProvider,
  type MetricsSettings,
  type ProviderSpec,
  parseMetricsSettings,
  settingsProviderSpec,
} from "../../../automation/metrics";
import { ValidationError } from "../../../components/core";

/** The message parseMetricsSettings throws for `value`. */
function messageOf(value: unknown, path?: string): string {
  try {
    parseMetricsSettings(value, path);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    return err.message;
  }
  throw new Error("expected parseMetricsSettings to throw");
}

describe("automation/metrics settings (progressive:metrics)", () => {
  it("parses every provider's settings", () => {
    const value = {
      prometheus: {
        url: "http://prometheus.monitoring:9090",
        timeoutMs: 5000,
        headers: { "X-Scope-OrgID": "team-a" },
      },
      cloudwatch: { region: "eu-west-1", endpoint: "http://127.0.0.1:5000", timeoutMs: 20_000 },
      azureMonitor: {},
      cloudMonitoring: { projectId: "my-project", keyFilename: "/var/secrets/reader.json" },
    };
    assert.deepEqual(parseMetricsSettings(value), value);
    assert.deepEqual(configuredKinds(parseMetricsSettings(value)), [
      "prometheus",
      "cloudwatch",
      "azure-monitor",
      "cloud-monitoring",
    ]);
  });

  it("treats a missing object as no providers", () => {
    assert.deepEqual(parseMetricsSettings(undefined), {});
    assert.deepEqual(parseMetricsSettings(null), {});
    assert.deepEqual(configuredKinds({}), []);
  });

  it("reads numbers that pulumi config stored as strings", () => {
    const s = parseMetricsSettings({
      prometheus: { url: "http://p:9090", timeoutMs: "30" },
      cloudMonitoring: { projectId: "my-project", timeoutMs: " 15000 " },
    });
    assert.equal(s.prometheus?.timeoutMs, 30);
    assert.equal(s.cloudMonitoring?.timeoutMs, 15_000);
    assert.match(
      messageOf({ prometheus: { url: "http://p:9090", timeoutMs: "30s" } }),
      /timeoutMs \("30s"\): must be a number;/,
    );
  });

  it("formats one problem as <path.field> (<value>): <what is wrong>; <fix>", () => {
    assert.equal(
      messageOf({ cloudwatch: { region: 42 } }),
      "invalid metrics settings: progressive:metrics.cloudwatch.region (42): must be a string; set it with pulumi config set --path progressive:metrics.cloudwatch.region eu-west-1",
    );
    assert.equal(
      messageOf({ prometheus: {} }, "progressive:metrics"),
      "invalid metrics settings: progressive:metrics.prometheus.url (not set): is required; set it with pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090",
    );
  });

  it("lists every problem at once, unknown keys naming the known ones", () => {
    const message = messageOf({
      prometheus: { url: "ftp://p", timeout: 5 },
      "azure-monitor": {},
      cloudwatch: "eu-west-1",
      cloudMonitoring: { projectId: "My Project", timeoutMs: 0 },
      datadog: { site: "eu" },
    });
    assert.equal(
      message,
      [
        "invalid metrics settings: 7 problems",
        '  - progressive:metrics.prometheus.url ("ftp://p"): must be an http or https URL; set it with pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090',
        "  - progressive:metrics.prometheus.timeout (5): is not a known setting; remove it or fix its spelling; known keys: url, timeoutMs, headers",
        '  - progressive:metrics.cloudwatch ("eu-west-1"): must be an object; set its fields, e.g. pulumi config set --path progressive:metrics.cloudwatch.region eu-west-1',
        '  - progressive:metrics.cloudMonitoring.projectId ("My Project"): is not a Google Cloud project ID; set it with pulumi config set --path progressive:metrics.cloudMonitoring.projectId my-project',
        "  - progressive:metrics.cloudMonitoring.timeoutMs (0): must be a whole number of milliseconds from 1 to 600000; set it with pulumi config set --path progressive:metrics.cloudMonitoring.timeoutMs 10000",
        "  - progressive:metrics.azure-monitor ({}): is not a known setting; use azureMonitor for the azure-monitor provider; known keys: prometheus, cloudwatch, azureMonitor, cloudMonitoring",
        '  - progressive:metrics.datadog ({"site":"eu"}): is not a known setting; remove it or fix its spelling; known keys: prometheus, cloudwatch, azureMonitor, cloudMonitoring',
      ].join("\n"),
    );
  });

  it("rejects wrong types and names the path it was given", () => {
    assert.match(
      messageOf("http://p:9090", "dev:progressive:metrics"),
      /^invalid metrics settings: dev:progressive:metrics \("http:\/\/p:9090"\): must be an object; set it to an object of provider settings, e.g. pulumi config set --path dev:progressive:metrics\.prometheus\.url /,
    );
    assert.match(
      messageOf({ prometheus: { url: "http://p:9090", headers: { "X-Scope-OrgID": 7 } } }),
      /prometheus\.headers\.X-Scope-OrgID \(7\): must be a string; set one string per header/,
    );
    assert.match(
      messageOf({ cloudwatch: { region: "Ireland" } }),
      /region \("Ireland"\): is not an AWS region name/,
    );
  });

  it("refuses credentials in a URL without echoing them", () => {
    const message = messageOf({ prometheus: { url: "http://admin:hunter2@p:9090" } });
    assert.match(message, /prometheus\.url \("http:\/\/\*\*\*@p:9090\/"\): must not hold credentials/);
    assert.doesNotMatch(message, /hunter2|admin/);
  });

  it("turns settings into registry specs and commands", () => {
    const s: MetricsSettings = {
      prometheus: { url: "http://p:9090", timeoutMs: 3000 },
      cloudMonitoring: { projectId: "my-project" },
    };
    assert.deepEqual(settingsProviderSpec("prometheus", s), {
      kind: "prometheus",
      name: "prometheus",
      url: "http://p:9090",
      timeoutMs: 3000,
    });
    assert.deepEqual(settingsProviderSpec("cloud-monitoring", s), {
      kind: "cloud-monitoring",
      name: "cloud-monitoring",
      projectId: "my-project",
    });
    assert.equal(settingsProviderSpec("cloudwatch", s), undefined);
    for (const kind of configuredKinds(s)) {
      const spec = settingsProviderSpec(kind, s);
      assert.ok(spec);
      assert.equal(createProvider(spec as ProviderSpec).kind, kind);
    }
    assert.equal(
      configureCommand("azure-monitor"),
      "pulumi config set --path progressive:metrics.azureMonitor.endpoint https://management.azure.com",
    );
  });
});
