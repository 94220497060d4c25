// The package as a user gets it: `npm pack`, installed into a fresh Pulumi project of its own (its
// own config keys, two services in one stack, no stacks/ folder, plain JavaScript), deployed with
// `pulumi up`, released with `npx progressive` and with the library API, checked by the shipped
// policy pack. Real engine on a temporary file backend, real processes, real HTTP traffic.
import * as assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LoadGenerator } from "../../harness/load";
import { createBackend, type EngineInfo, requireEngine, type TestBackend } from "../support/engine";
import { userPulumiSdk } from "../support/user-sdk";

const root = path.resolve(__dirname, "..", "..");

const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const { CanaryService } = require("pulumi-progressive-delivery/local");

// This project's own config keys: nothing of the library's stacks/ layout.
const cfg = new pulumi.Config();
const server = cfg.require("serverScript");
const check = (name, query, cond) => ({ kind: "metric", name, provider: "builtin", query, ...cond, interval: "1s", count: 2 });
const strategy = {
  kind: "canary",
  checks: [
    check("error-rate", "errorRate", { successCondition: "< 110% of baseline" }),
    check("http-5xx-rate", "http5xxRate", { failureCondition: "> 0.05" }),
  ],
  steps: [{ setWeight: 20 }, { analysis: {} }, { setWeight: 50 }, { analysis: {} }, { setWeight: 100 }],
};
// v3 is a bad build: half its answers are 500s.
const command = (v) => (v === "v3" ? ["env", "ERROR_RATE=0.5", "node", server] : ["node", server]);
const health = { readiness: { path: "/health/ready" } };

const web = new CanaryService("web", { version: "v1", command, replicas: 2, health, strategy });
const api = new CanaryService("api", {
  version: "v1",
  command,
  replicas: 2,
  health,
  strategy,
  env: { API_TOKEN: "plain-token-in-env" },
});
exports.webUrl = web.endpoint;
exports.apiUrl = api.endpoint;
`;

interface Run {
  readonly status: number | null;
  readonly out: string;
}

describe("the packed package in a project of its own (engine tier)", function () {
  this.timeout(1_200_000);
  let engine: EngineInfo;
  let dir: string;
  let project: string;
  let backend: TestBackend;
  let env: Record<string, string>;

  const sh = (file: string, args: string[], cwd = project): Run => {
    const r = spawnSync(file, args, {
      cwd,
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 600_000,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const pulumi = (...args: string[]) => sh(engine.pulumi, [...args, "--non-interactive"]);
  const progressive = (...args: string[]) => sh("npx", ["--no", "progressive", ...args]);
  // While a load runs in this process, commands must not block its event loop.
  const progressiveAsync = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        "npx",
        ["--no", "progressive", ...args],
        { cwd: project, env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });

  /** PIDs of every process of one service, from the stack's state (the component's `processes`). */
  const pidsOf = (service: string): number[] => {
    const state = JSON.parse(pulumi("stack", "export", "--stack", "dev").out) as {
      deployment: { resources: { type: string; urn: string; outputs?: { processes?: unknown } }[] };
    };
    const r = state.deployment.resources.find(
      (x) => x.type === "progressive:local:CanaryService" && x.urn.endsWith(`::${service}`),
    );
    const p = r?.outputs?.processes as
      | {
          proxy: { pid: number };
          slots: Record<string, { supervisorPids: number[]; instances: { pid: number }[] }>;
        }
      | undefined;
    assert.ok(p, `the state records the processes of ${service}`);
    return [
      p.proxy.pid,
      ...Object.values(p.slots).flatMap((s) => [...s.supervisorPids, ...s.instances.map((i) => i.pid)]),
    ].sort((a, b) => a - b);
  };

  before(function () {
    engine = requireEngine(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-consumer-"));
    project = path.join(dir, "shop");
    fs.mkdirSync(project);
    backend = createBackend(engine);
    env = {
      ...backend.envVars,
      PROGRESSIVE_STATE_DIR: path.join(backend.dir, "progressive"),
      PROGRESSIVE_LOCAL_DIR: path.join(backend.dir, "progressive"),
    };
    // The tarball, as `npm publish` would ship it (prepack builds dist/).
    execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: root, stdio: "pipe" });
    const tgz = fs.readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tgz, "npm pack wrote a tarball");
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "shop", private: true, main: "index.js" }, null, 2),
    );
    execFileSync(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        path.join(dir, tgz),
        `@pulumi/pulumi@${userPulumiSdk()}`,
      ],
      { cwd: project, stdio: "pipe" },
    );
    fs.writeFileSync(
      path.join(project, "Pulumi.yaml"),
      "name: shop\nruntime: nodejs\ndescription: A user's own project with two services.\n",
    );
    fs.writeFileSync(path.join(project, "index.js"), PROGRAM);
    fs.copyFileSync(path.join(root, "examples", "local-app", "server.js"), path.join(project, "server.js"));
  });

  after(() => {
    if (project && engine) {
      pulumi("destroy", "--yes", "--stack", "dev");
      pulumi("stack", "rm", "--yes", "--force", "dev");
    }
    backend?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("deploys two services, releases one with the CLI and the other with the library, and checks policies", async () => {
    assert.equal(pulumi("stack", "init", "dev").status, 0);
    assert.equal(
      pulumi("config", "set", "serverScript", path.join(project, "server.js"), "--stack", "dev").status,
      0,
    );
    const up = pulumi("up", "--yes", "--skip-preview", "--stack", "dev");
    assert.equal(up.status, 0, up.out);
    const outputs = JSON.parse(pulumi("stack", "output", "--json", "--stack", "dev").out) as Record<
      string,
      string
    >;
    const webUrl = outputs.webUrl as string;

    const help = progressive("--help");
    assert.equal(help.status, 0, help.out);
    const status = progressive("status", "--stack", "dev");
    assert.equal(status.status, 0, status.out);
    assert.match(status.out, /\bweb\b/);
    assert.match(status.out, /\bapi\b/);
    const ambiguous = progressive("release", "v2", "--stack", "dev");
    assert.equal(ambiguous.status, 2, ambiguous.out);
    assert.match(ambiguous.out, /2 services \((web, api|api, web)\); choose one with --service/);
    const unknown = progressive("release", "v2", "--stack", "dev", "--service", "shop");
    assert.equal(unknown.status, 2);
    assert.match(unknown.out, /no service named "shop"; its services are/);

    const apiPids = pidsOf("api");
    const load = new LoadGenerator(webUrl, { ratePerSecond: 40, maxMs: 600_000 });
    load.start();
    try {
      const good = await progressiveAsync("release", "v2", "--stack", "dev", "--service", "web");
      assert.equal(good.status, 0, good.out);
      assert.match(good.out, /promoted v2/);
      assert.doesNotMatch(good.out, /unverified/, "the local proxy reads every step back");
      assert.equal(load.failed, 0, `no request failed while web v2 was released: ${load.summary()}`);
      assert.deepEqual(pidsOf("api"), apiPids, "api was untouched: its processes kept their PIDs");

      const bad = await progressiveAsync("release", "v3", "--stack", "dev", "--service", "web");
      assert.equal(bad.status, 3, bad.out);
      assert.match(bad.out, /reverted/);
      assert.deepEqual(await load.probe(60), { v2: 60 }, "after the revert every request answers v2");
    } finally {
      await load.stop();
    }
    console.log(`      web under load: ${load.summary()}`);

    // The same flow through the library API, loaded from the installed package.
    const automation = require(
      require.resolve("pulumi-progressive-delivery/automation", { paths: [project] }),
    ) as typeof import("../../automation");
    const target = { workDir: project, stackName: "dev", service: "api", env };
    const stateDir = env.PROGRESSIVE_STATE_DIR;
    const events: string[] = [];
    // The builtin checks compare the versions' own requests: no traffic would be no data.
    const apiLoad = new LoadGenerator(outputs.apiUrl as string, {
      ratePerSecond: 40,
      maxMs: 600_000,
    });
    apiLoad.start();
    let r: Awaited<ReturnType<typeof automation.release>>;
    try {
      r = await automation.release(target, "v2", { stateDir, onEvent: (e) => events.push(e.type) });
    } finally {
      await apiLoad.stop();
    }
    assert.equal(r.outcome, "promoted", JSON.stringify(r));
    assert.equal(apiLoad.failed, 0, `no request failed while api v2 was released: ${apiLoad.summary()}`);
    assert.ok(events.includes("trafficApplied") && events.includes("promoted"));
    const st = await automation.status({ workDir: project, stackName: "dev", env }, { stateDir });
    const byName = Object.fromEntries(st.services.map((s) => [s.name, s.traffic.stableVersion]));
    assert.deepEqual(byName, { web: "v2", api: "v2" });
    const history = await automation.history({ workDir: project, stackName: "dev" }, { stateDir });
    assert.deepEqual(history.releases.map((x) => [x.service, x.version, x.outcome]).sort(), [
      ["api", "v2", "promoted"],
      ["web", "v2", "promoted"],
      ["web", "v3", "reverted"],
    ]);

    // The shipped policy pack, in the user's own preview.
    const preview = pulumi(
      "preview",
      "--stack",
      "dev",
      "--policy-pack",
      "node_modules/pulumi-progressive-delivery/policies",
    );
    assert.notEqual(preview.status, 0, "mandatory violations fail the preview");
    assert.match(preview.out, /no-plaintext-secrets/);
    assert.match(preview.out, /API_TOKEN/);
    assert.ok(!preview.out.includes("plain-token-in-env"), "a violation never prints the value");
  });
});
