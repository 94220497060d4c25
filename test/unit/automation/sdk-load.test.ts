import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  createCloudMonitoringProvider,
  createCloudWatchProvider,
  isPackageInstalled,
  loadSdk,
  MetricQueryError,
  MissingPackageError,
} from "../../../automation/metrics";
import { missingModule, rejectsWith, startServer } from "./helpers";

const ROOT = path.resolve(__dirname, "../../..");

describe("automation/metrics optional SDKs", () => {
  it("names the package to install when it is missing (Node's own error)", async () => {
    const err = await rejectsWith(
      loadSdk("cw", "@progressive-delivery-test/not-installed"),
      MissingPackageError,
    );
    assert.equal(
      err.message,
      'metric provider "cw": package @progressive-delivery-test/not-installed is not installed; install it with npm install @progressive-delivery-test/not-installed',
    );
    assert.equal(err.packageName, "@progressive-delivery-test/not-installed");
    assert.equal(isPackageInstalled("@progressive-delivery-test/not-installed"), false);
    assert.equal(isPackageInstalled("zod"), true);
  });

  it("rethrows other load failures as they are (a broken install is not a missing package)", async () => {
    const broken = missingModule("@smithy/some-dependency");
    await assert.rejects(
      loadSdk("cw", "@aws-sdk/client-cloudwatch", async () => {
        throw broken;
      }),
      (e) => e === broken,
    );
  });

  it("loads no SDK when the metrics modules and the analysis are loaded", async () => {
    const script = [
      "require('./automation/metrics');",
      "require('./automation/driver/analysis');",
      "const sdk = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](@aws-sdk|@azure|@google-cloud)[\\\\/]/.test(k));",
      "process.stdout.write(JSON.stringify(sdk));",
    ].join("\n");
    const { stdout } = await promisify(execFile)(process.execPath, ["--require", "tsx/cjs", "-e", script], {
      cwd: ROOT,
      timeout: 60_000,
    });
    assert.deepEqual(JSON.parse(stdout), []);
  });

  it("cloudwatch loads its SDK on the first query and names it when missing", async () => {
    const loaded: string[] = [];
    const p = createCloudWatchProvider({
      name: "cw",
      region: "eu-west-1",
      importer: async (pkg) => {
        loaded.push(pkg);
        throw missingModule(pkg);
      },
    });
    assert.deepEqual(loaded, []);
    const err = await rejectsWith(
      p.query({ metric: { namespace: "N", metricName: "M" } }),
      MissingPackageError,
    );
    assert.match(err.message, /install it with npm install @aws-sdk\/client-cloudwatch$/);
    assert.deepEqual(loaded, ["@aws-sdk/client-cloudwatch"]);
  });

  it("cloud-monitoring loads its SDK on the first query and names it when missing", async () => {
    const p = createCloudMonitoringProvider({
      name: "gcp",
      projectId: "my-project",
      importer: async (pkg) => {
        throw missingModule(pkg);
      },
    });
    const err = await rejectsWith(p.query({ filter: "x" }), MissingPackageError);
    assert.match(err.message, /install it with npm install @google-cloud\/monitoring$/);
  });

  it("cloudwatch sends to the configured endpoint", async () => {
    const server = await startServer((_req, res) => res.writeHead(500).end());
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "example",
      AWS_MAX_ATTEMPTS: "1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
    try {
      const p = createCloudWatchProvider({
        name: "cw",
        region: "eu-west-1",
        endpoint: server.url,
        timeoutMs: 5000,
      });
      await rejectsWith(p.query({ metric: { namespace: "N", metricName: "M" } }), MetricQueryError);
      assert.ok(server.requests.length >= 1, "the client used the endpoint");
    } finally {
      process.env = saved;
      await server.close();
    }
  });
});
