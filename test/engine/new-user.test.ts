// A new user's project, end to end: a fresh strict TypeScript project (module and moduleResolution
// node16) with the packed package installed from its tarball, a small HTTP app of its own and four
// services (a local canary, a blue-green, a rolling service of 3 replicas and a feature flag), each
// released with the driver's CLI under load; then the program's declared versions edited and
// `progressive sync` releasing exactly the services whose version changed, and a reverted declared
// version left alone on the next push until --retry. Real engine on a temporary file backend, real
// processes and HTTP traffic.
import * as assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LoadGenerator } from "../../harness/load";
import { createBackend, type EngineInfo, requireEngine, type TestBackend } from "../support/engine";
import { expectOneSdk, userPulumiSdk } from "../support/user-sdk";

const root = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};

/** The user's own app: answers its version; "bad" answers 500s, "broken" exits at start. */
const APP = `"use strict";
const http = require("node:http");
const version = process.env.SERVICE_VERSION;
if (version === "broken") {
  console.error("broken build: exiting");
  process.exit(1);
}
http
  .createServer((req, res) => {
    if (req.url === "/ready") return res.end("ready");
    res.statusCode = version === "bad" ? 500 : 200;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ version }));
  })
  .listen(Number(process.env.PORT), process.env.HOST);
`;

/** The user's program; the declared versions are the constants at the top (the test edits them). */
const program = (versions: {
  web: string;
  shop: string;
  worker: string;
}) => `import * as path from "node:path";
import { Check, Step, Strategy } from "pulumi-progressive-delivery";
import { BlueGreenService, CanaryService, FeatureFlag, RollingService } from "pulumi-progressive-delivery/local";

const WEB_VERSION = "${versions.web}";
const SHOP_VERSION = "${versions.shop}";
const WORKER_VERSION = "${versions.worker}";

const command = [process.execPath, path.join(__dirname, "app", "server.js")];
const health = { readiness: { path: "/ready", interval: "200ms", timeout: "100ms" } };
const fast = { interval: "1s", count: 2 };
const checks = [
  Check.metric({ name: "error-rate", provider: "builtin", query: "errorRate", successCondition: "< 110% of baseline", ...fast }),
  Check.metric({ name: "http-5xx-rate", provider: "builtin", query: "http5xxRate", failureCondition: "> 0.05", ...fast }),
];

const web = new CanaryService("web", {
  version: WEB_VERSION,
  command,
  health,
  strategy: Strategy.canary({ checks, steps: [Step.setWeight(30), Step.analysis(), Step.setWeight(100)] }),
});
const shop = new BlueGreenService("shop", {
  version: SHOP_VERSION,
  command,
  health,
  strategy: Strategy.blueGreen({
    prePromotionChecks: [Check.http({ path: "/ready" })],
    autoPromote: true,
    scaleDownDelay: "1s",
  }),
});
const worker = new RollingService("worker", {
  version: WORKER_VERSION,
  command,
  health,
  replicas: 3,
  strategy: Strategy.rolling({ maxSurge: 1, maxUnavailable: 0, readinessDelay: "1s", progressDeadline: "15s" }),
});
const checkout = new FeatureFlag("checkout", {
  variants: { on: true, off: false },
  defaultVariant: "off",
  metrics: false,
  strategy: Strategy.canary({ headerRoute: false, steps: [Step.setWeight(20), Step.pause(), Step.setWeight(100)] }),
});

export const webUrl = web.endpoint;
export const shopUrl = shop.endpoint;
export const workerUrl = worker.endpoint;
export const flagFile = checkout.path;
`;

interface Run {
  readonly status: number | null;
  readonly out: string;
}

describe("a new user's TypeScript project, from the packed package (engine tier)", function () {
  this.timeout(1_800_000);
  let engine: EngineInfo;
  let dir: string;
  let project: string;
  let backend: TestBackend;
  let env: Record<string, string>;

  const sh = (file: string, args: readonly string[]): Run => {
    const r = spawnSync(file, [...args], {
      cwd: project,
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 600_000,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const pulumi = (...args: string[]) => sh(engine.pulumi, [...args, "--non-interactive"]);
  // While a load runs in this process, commands must not block its event loop.
  const progressive = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        "npx",
        ["--no", "progressive", ...args],
        { cwd: project, env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
  const write = (versions: { web: string; shop: string; worker: string }) =>
    fs.writeFileSync(path.join(project, "index.ts"), program(versions));
  /** Releases under a load on `url`; asserts the exit code and that no request failed when `clean`. */
  const underLoad = async (url: string, clean: boolean, ...args: string[]): Promise<Run> => {
    const load = new LoadGenerator(url, { ratePerSecond: 40, maxMs: 600_000 });
    load.start();
    let r: Run;
    try {
      r = await progressive(...args);
    } finally {
      await load.stop();
    }
    console.log(`      ${args.join(" ")}: exit ${r.status}; load ${load.summary()}`);
    if (clean)
      assert.equal(load.failed, 0, `no request failed during ${args.join(" ")}: ${load.summary()}\n${r.out}`);
    return r;
  };

  before(function () {
    engine = requireEngine(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-new-user-"));
    project = path.join(dir, "my-services");
    fs.mkdirSync(path.join(project, "app"), { recursive: true });
    backend = createBackend(engine);
    env = {
      ...backend.envVars,
      PROGRESSIVE_STATE_DIR: path.join(backend.dir, "progressive"),
      PROGRESSIVE_LOCAL_DIR: path.join(backend.dir, "progressive"),
    };
    // A user's program is type-checked by ts-node as they run it, like any TypeScript Pulumi program.
    delete env.PULUMI_NODEJS_TRANSPILE_ONLY;
    execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: root, stdio: "pipe" });
    const tgz = fs.readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tgz, "npm pack wrote a tarball");
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "my-services", private: true, main: "index.ts" }, null, 2),
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
        `typescript@${pkg.devDependencies.typescript}`,
        `ts-node@${pkg.devDependencies["ts-node"]}`,
        `@types/node@${pkg.devDependencies["@types/node"]}`,
      ],
      { cwd: project, stdio: "pipe" },
    );
    console.log(`      ${expectOneSdk(project)}`);
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            strict: true,
            module: "node16",
            moduleResolution: "node16",
            target: "es2022",
            types: ["node"],
            skipLibCheck: false,
            outDir: "bin",
          },
          files: ["index.ts"],
        },
        null,
        2,
      ),
    );
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: my-services\nruntime: nodejs\n");
    fs.writeFileSync(path.join(project, "app", "server.js"), APP);
    write({ web: "v1", shop: "v1", worker: "v1" });
  });

  after(() => {
    if (project && engine) {
      pulumi("destroy", "--yes", "--stack", "dev");
      pulumi("stack", "rm", "--yes", "--force", "dev");
    }
    backend?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("type-checks, deploys four services, releases each with the driver, then syncs the declared versions", async () => {
    const tsc = sh(process.execPath, [
      path.join(project, "node_modules", "typescript", "bin", "tsc"),
      "--noEmit",
    ]);
    assert.equal(tsc.status, 0, `the program type-checks under node16 resolution:\n${tsc.out}`);
    assert.equal(pulumi("stack", "init", "dev").status, 0);
    const up = pulumi("up", "--yes", "--stack", "dev");
    assert.equal(up.status, 0, up.out);
    const outputs = JSON.parse(pulumi("stack", "output", "--json", "--stack", "dev").out) as Record<
      string,
      string
    >;

    // The selected stack, as `pulumi` itself uses it: no --stack needed.
    const status = await progressive("status");
    assert.equal(status.status, 0, status.out);
    for (const name of ["web", "shop", "worker", "checkout"])
      assert.match(status.out, new RegExp(`\\b${name} \\(`));

    // 1. Each kind released by the CLI; the good ones under load without a failed request.
    const web = await underLoad(outputs.webUrl as string, true, "release", "v2", "--service", "web");
    assert.equal(web.status, 0, web.out);
    assert.match(web.out, /promoted v2/);
    const shop = await underLoad(outputs.shopUrl as string, true, "release", "v2", "--service", "shop");
    assert.equal(shop.status, 0, shop.out);
    assert.match(shop.out, /promoted v2/);
    const shopProbe = new LoadGenerator(outputs.shopUrl as string, { ratePerSecond: 40, maxMs: 60_000 });
    assert.deepEqual(await shopProbe.probe(20), { v2: 20 }, "after the switch every request answers v2");
    const worker = await underLoad(outputs.workerUrl as string, true, "release", "v2", "--service", "worker");
    assert.equal(worker.status, 0, worker.out);
    assert.match(worker.out, /roll every instance to v2/);
    // A build that cannot start: the roll stops at its first batch and the release reverts to v2.
    const broken = await underLoad(
      outputs.workerUrl as string,
      false,
      "release",
      "broken",
      "--service",
      "worker",
    );
    assert.equal(broken.status, 3, broken.out);
    assert.match(broken.out, /reverted/);
    const probe = new LoadGenerator(outputs.workerUrl as string, { ratePerSecond: 40, maxMs: 60_000 });
    assert.deepEqual(await probe.probe(30), { v2: 30 }, "after the revert every worker answers v2");
    // The flag: a manual pause at 20 %, then promoted.
    const flag = await progressive("release-flag", "checkout");
    assert.equal(flag.status, 0, flag.out);
    assert.match(flag.out, /paused/);
    const promoted = await progressive("promote", "--service", "checkout");
    assert.equal(promoted.status, 0, promoted.out);
    const flags = JSON.parse(fs.readFileSync(outputs.flagFile as string, "utf8")) as {
      flags: Record<string, { defaultVariant: string }>;
    };
    assert.equal(flags.flags.checkout?.defaultVariant, "on");

    // 2. The program now declares web v3, shop v2 (what runs) and worker v3: preview says which
    //    two do not run and how to release them; sync releases exactly those two.
    write({ web: "v3", shop: "v2", worker: "v3" });
    const preview = pulumi("preview", "--stack", "dev");
    assert.equal(preview.status, 0, preview.out);
    assert.match(
      preview.out,
      /CanaryService "web" declares version v3, but v2 runs .*progressive sync --stack dev/,
    );
    assert.match(preview.out, /RollingService "worker" declares version v3, but v2 runs/);
    assert.doesNotMatch(preview.out, /BlueGreenService "shop" declares/);
    const sync = await underLoad(outputs.webUrl as string, true, "sync");
    assert.equal(sync.status, 0, sync.out);
    assert.match(sync.out, /▶ sync: releasing v3 on web/);
    assert.match(sync.out, /▶ sync: releasing v3 on worker/);
    assert.doesNotMatch(sync.out, /releasing .* on shop/);
    assert.match(sync.out, /= shop: declared v2, running v2: up to date/);
    const again = await progressive("sync");
    assert.equal(again.status, 0, again.out);
    assert.match(again.out, /nothing to release/);

    // 3. A bad declared version: reverted (exit 3); the next push does not try it again (exit 7)
    //    until --retry or another version is declared.
    write({ web: "bad", shop: "v2", worker: "v3" });
    const bad = await underLoad(outputs.webUrl as string, false, "sync");
    assert.equal(bad.status, 3, bad.out);
    const skipped = await progressive("sync");
    assert.equal(skipped.status, 7, skipped.out);
    assert.match(
      skipped.out,
      /web: declared bad, running v3: not released: bad was reverted at .*progressive sync --retry/,
    );

    const history = await progressive("history", "--stack", "dev");
    assert.equal(history.status, 0, history.out);
    assert.match(history.out, /^started\s+stack\s+service\s+version\s+outcome/m);
    assert.match(history.out, /my-services\/dev\s+worker\s+broken\s+reverted/);
  });
});
