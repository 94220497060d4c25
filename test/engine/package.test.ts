// The package as users get it: `npm pack` (its prepack builds dist/ afresh, inside the checkout,
// where dist/ is gitignored), the tarball installed into a fresh project with @pulumi/pulumi, then
// every subpath required, the `progressive` bin run, a TypeScript consumer on moduleResolution
// node10 type-checked, and the shipped policy pack run by `pulumi preview`. Packing and installing
// take 20-40 s with a warm npm cache, so this lives in the engine tier; only the last test needs the
// Pulumi CLI. Everything else happens in a temporary folder, removed at the end.

import * as assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { requireEngine, withTestStack } from "../support/engine";
import { expectOneSdk, userPulumiSdk } from "../support/user-sdk";

const repo = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, { types: string; default: string } | string>;
  devDependencies: Record<string, string>;
};
const NAME = pkg.name;

/** Environment for child npm/node: without the variables `npm run` sets for this repository. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_config_(local_prefix|prefix|global)$|^INIT_CWD$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, npm_config_update_notifier: "false", ...extra };
}

function run(cmd: string, args: readonly string[], cwd: string, env = childEnv()): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 300_000 });
}

/** Runs and asserts exit 0, showing the output otherwise. */
function ok(cmd: string, args: readonly string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe("engine: the packed package, installed in a fresh project", function () {
  this.timeout(600_000);
  let tmp = "";
  let app = "";
  let tarball = "";
  let installed = "";

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-package-"));
    const packDir = path.join(tmp, "pack");
    fs.mkdirSync(packDir);
    const started = Date.now();
    ok("npm", ["pack", "--pack-destination", packDir], repo);
    const tgz = fs.readdirSync(packDir).filter((f) => f.endsWith(".tgz"));
    assert.equal(tgz.length, 1, `npm pack made ${tgz.join(", ") || "nothing"}`);
    tarball = path.join(packDir, tgz[0] as string);
    const packed = Date.now();
    app = path.join(tmp, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true, main: "index.js" }),
    );
    // Third-party install scripts are skipped: @pulumi/kubernetes's would download its provider
    // plugin. Ours has none; npm links and marks the bin executable either way.
    ok(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--ignore-scripts",
        tarball,
        `@pulumi/pulumi@${userPulumiSdk()}`,
        `@pulumi/kubernetes@${pkg.devDependencies["@pulumi/kubernetes"]}`,
        `@pulumi/aws@${pkg.devDependencies["@pulumi/aws"]}`,
        `@pulumi/gcp@${pkg.devDependencies["@pulumi/gcp"]}`,
        `@pulumi/azure-native@${pkg.devDependencies["@pulumi/azure-native"]}`,
        `@types/node@${pkg.devDependencies["@types/node"]}`,
        // The optional peer `progressive mcp` needs, as the README tells a user to install it.
        `@modelcontextprotocol/sdk@${pkg.devDependencies["@modelcontextprotocol/sdk"]}`,
      ],
      app,
    );
    installed = path.join(app, "node_modules", NAME);
    console.log(`      ${expectOneSdk(app)}`);
    console.log(
      `      packed in ${((packed - started) / 1000).toFixed(1)} s (${(fs.statSync(tarball).size / 1024).toFixed(0)} KiB), installed in ${((Date.now() - packed) / 1000).toFixed(1)} s`,
    );
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("ships the build, the policy pack's runtime files, README and LICENSE, and no sources or tests", () => {
    const files = ok("tar", ["-tzf", tarball], tmp)
      .split("\n")
      .filter((f) => f && !f.endsWith("/"))
      .map((f) => f.replace(/^package\//, ""));
    const outside = files.filter((f) => !f.startsWith("dist/")).sort();
    assert.deepEqual(outside, [
      "LICENSE",
      "README.md",
      "package.json",
      "policies/PulumiPolicy.yaml",
      "policies/README.md",
      "policies/config/dev.json",
      "policies/config/prod.json",
      "policies/config/staging.json",
      "policies/load.js",
      "policies/package.json",
    ]);
    const stray = files.filter(
      (f) =>
        (f.endsWith(".ts") && !f.endsWith(".d.ts")) ||
        /\.test\.|(^|\/)test\//.test(f) ||
        // Neither declaration nor source maps (tsconfig.build.json says why).
        f.endsWith(".map"),
    );
    assert.deepEqual(stray, []);
    // The dashboard serves its page from beside its compiled server (scripts/copy-page.js).
    for (const page of ["index.html", "app.js"])
      assert.ok(files.includes(`dist/automation/dashboard/page/${page}`), `the dashboard's ${page} ships`);
    console.log(`      ${files.length} files`);
  });

  it("installs a file for every export", () => {
    for (const [key, entry] of Object.entries(pkg.exports)) {
      for (const file of typeof entry === "string" ? [entry] : [entry.types, entry.default]) {
        assert.ok(
          fs.existsSync(path.join(installed, file)),
          `${key}: ${file} is not in the installed package`,
        );
      }
    }
  });

  it("loads every subpath with require", () => {
    const checks: Record<string, string> = {
      "": "m.Strategy && m.PACKAGE_NAME === 'pulumi-progressive-delivery' && m.local.CanaryService",
      "/local": "typeof m.CanaryService === 'function'",
      "/kubernetes": "typeof m.CanaryService === 'function'",
      "/aws":
        "typeof m.CanaryService === 'function' && typeof m.BlueGreenService === 'function' && typeof m.RollingService === 'function'",
      "/gcp":
        "typeof m.CanaryService === 'function' && typeof m.BlueGreenService === 'function' && typeof m.RollingService === 'function'",
      "/azure":
        "typeof m.containerApps.CanaryService === 'function' && typeof m.containerInstances.BlueGreenService === 'function'",
      "/automation": "typeof m.release === 'function' && typeof m.startDashboard === 'function'",
      "/mcp": "typeof m.createMcpServer === 'function' && typeof m.serveMcp === 'function'",
      "/package.json": `m.version === '${pkg.version}'`,
    };
    for (const [sub, check] of Object.entries(checks)) {
      const script = `const m = require("${NAME}${sub}"); if (!(${check})) { console.error("unexpected exports"); process.exit(1); }`;
      ok(process.execPath, ["-e", script], app);
    }
  });

  it("installs the progressive bin, executable, answering --help and rejecting a bogus flag", () => {
    const bin = path.join(app, "node_modules", ".bin", "progressive");
    const target = fs.realpathSync(bin);
    assert.equal(target, path.join(fs.realpathSync(installed), "dist", "automation", "cli.js"));
    assert.ok((fs.statSync(target).mode & 0o111) !== 0, "cli.js must be executable");
    assert.match(fs.readFileSync(target, "utf8"), /^#!\/usr\/bin\/env node\n/);
    // --no: never fetch a package of that name from the registry; the installed bin must answer.
    assert.match(ok("npx", ["--no", "--", "progressive", "--help"], app), /^usage: progressive <command>/);
    assert.match(
      ok("npx", ["--no", "--", "progressive", "release", "--help"], app),
      /^usage: progressive release <version>/,
    );
    const bogus = run("npx", ["--no", "--", "progressive", "release", "--bogus"], app);
    assert.equal(bogus.status, 2, `${bogus.stdout}${bogus.stderr}`);
    assert.match(bogus.stdout, /unknown flag --bogus; run progressive release --help/);
  });

  it("serves the driver over MCP from the installed bin (the SDK's client over stdio lists its tools)", async () => {
    const transport = new StdioClientTransport({
      command: path.join(app, "node_modules", ".bin", "progressive"),
      args: ["mcp", "--cwd", app],
      cwd: app,
      stderr: "pipe",
    });
    const client = new Client({ name: "package-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.equal(tools.length, 14, tools.map((t) => t.name).join(", "));
      assert.equal(client.getServerVersion()?.name, NAME);
    } finally {
      await client.close();
    }
  });

  it("serves the dashboard's page and script from the installed package", () => {
    const script = `
      const { startDashboard } = require("${NAME}/automation");
      startDashboard({ stacks: [] }).then(async (d) => {
        const page = await fetch(d.url);
        const js = await fetch(new URL("app.js", d.url));
        console.log(page.status, js.status, (await page.text()).includes('src="/app.js"'));
        await d.close();
      });`;
    assert.equal(ok(process.execPath, ["-e", script], app).trim(), "200 200 true");
  });

  describe("type-checks a consumer on moduleResolution node10, strict, without skipLibCheck", () => {
    const consumers: Record<string, string> = {
      ".": `import { PACKAGE_NAME, Strategy } from "${NAME}";\nexport const s = Strategy.canary();\nexport const n: string = PACKAGE_NAME;\n`,
      "./local": `import { CanaryService, type CanaryServiceArgs } from "${NAME}/local";\nexport type Args = CanaryServiceArgs;\nexport const C: typeof CanaryService = CanaryService;\n`,
      "./kubernetes": `import { CanaryService } from "${NAME}/kubernetes";\nexport const C: typeof CanaryService = CanaryService;\n`,
      "./aws": `import { CanaryService, type CanaryServiceArgs } from "${NAME}/aws";\nexport type Args = CanaryServiceArgs;\nexport const C: typeof CanaryService = CanaryService;\n`,
      "./gcp": `import { CanaryService, type CanaryServiceArgs } from "${NAME}/gcp";\nexport type Args = CanaryServiceArgs;\nexport const C: typeof CanaryService = CanaryService;\n`,
      "./azure": `import { containerApps } from "${NAME}/azure";\nexport type Args = containerApps.CanaryServiceArgs;\nexport const C: typeof containerApps.CanaryService = containerApps.CanaryService;\n`,
      "./automation": `import { release, type StackTarget } from "${NAME}/automation";\nconst target: StackTarget = { stackName: "dev", service: "web" };\nexport const run = () => release(target, "v2");\n`,
      "./mcp": `import { createMcpServer, type McpServerOptions } from "${NAME}/mcp";\nconst o: McpServerOptions = { stacks: ["dev"] };\nexport const server = createMcpServer(o);\n`,
    };
    for (const [sub, source] of Object.entries(consumers)) {
      it(sub, () => {
        const file = path.join(app, `consumer-${sub === "." ? "root" : sub.slice(2)}.ts`);
        fs.writeFileSync(file, source);
        const tsc = require.resolve("typescript/bin/tsc");
        const flags = ["--noEmit", "--strict", "--module", "commonjs", "--moduleResolution", "node10"];
        const more = [
          "--target",
          "es2022",
          "--types",
          "node",
          "--skipLibCheck",
          "false",
          "--esModuleInterop",
        ];
        const r = run(process.execPath, [tsc, ...flags, ...more, file], app);
        assert.equal(r.status, 0, `tsc found errors for ${sub}:\n${r.stdout}${r.stderr}`);
      });
    }
  });

  it("compiles every TypeScript block of the README against the installed package (node16, strict)", () => {
    const readme = fs.readFileSync(path.join(repo, "README.md"), "utf8");
    const blocks = readmeBlocks(readme);
    assert.ok(blocks.length >= 4, `the README has ${blocks.length} TypeScript blocks`);
    const dir = path.join(app, "readme");
    fs.mkdirSync(dir, { recursive: true });
    // One module per block, as a user pastes it into a project of their own.
    const files = blocks.map((b) => {
      const file = path.join(dir, `block-line-${b.line}.ts`);
      fs.writeFileSync(file, b.source);
      return file;
    });
    const tsc = require.resolve("typescript/bin/tsc");
    const flags = ["--noEmit", "--strict", "--module", "node16", "--moduleResolution", "node16"];
    const more = ["--target", "es2022", "--types", "node", "--skipLibCheck", "false"];
    const r = run(process.execPath, [tsc, ...flags, ...more, ...files], app);
    assert.equal(
      r.status,
      0,
      `README blocks that do not compile (block-line-N = README line N):\n${r.stdout}${r.stderr}`,
    );
    console.log(`      ${blocks.length} README blocks compile`);
  });

  it("runs the shipped policy pack in pulumi preview, from node_modules and without tsx", async function () {
    const engine = requireEngine(this);
    const pack = path.join(installed, "policies");
    assert.equal(fs.existsSync(path.join(pack, "index.ts")), false, "the pack's sources must not ship");
    assert.equal(fs.existsSync(path.join(app, "node_modules", "tsx")), false);
    fs.writeFileSync(
      path.join(app, "Pulumi.yaml"),
      "name: package-consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
    );
    // One instance (min-replicas) and a plain secret (no-plaintext-secrets) on the local platform;
    // preview starts no process.
    fs.writeFileSync(
      path.join(app, "index.js"),
      [
        `const { Strategy } = require("${NAME}");`,
        `const { CanaryService } = require("${NAME}/local");`,
        `new CanaryService("web", {`,
        `  command: ["node", "server.js"],`,
        "  replicas: 1,",
        `  health: { readiness: { path: "/ready" } },`,
        `  env: { SESSION_SECRET: "plain-package-fixture-secret" },`,
        `  traffic: { stableVersion: "v1", candidateWeight: 0 },`,
        "  strategy: Strategy.canary(),",
        "});",
        "",
      ].join("\n"),
    );
    const stateDir = path.join(tmp, "local-state");
    let output = "";
    let failed: unknown;
    await withTestStack(
      engine,
      {
        workDir: app,
        stackName: "prod",
        env: { PROGRESSIVE_STATE_DIR: stateDir, PROGRESSIVE_LOCAL_DIR: stateDir },
      },
      async (stack) => {
        try {
          await stack.preview({ policyPacks: [pack], onOutput: (s) => (output += s) });
        } catch (err) {
          failed = err;
        }
      },
    );
    assert.ok(failed, `the preview must fail on mandatory violations:\n${output}`);
    assert.match(output, /progressive-delivery@v0\.1\.0/);
    assert.match(output, /mandatory\]\s+min-replicas/);
    assert.match(output, /mandatory\]\s+no-plaintext-secrets/);
    assert.ok(!output.includes("plain-package-fixture-secret"), "a violation must not print the secret");
  });
});

/** The ```ts / ```typescript blocks of a Markdown text, with the line each starts on. */
function readmeBlocks(markdown: string): { line: number; source: string }[] {
  const blocks: { line: number; source: string }[] = [];
  let open: { line: number; lines: string[] } | undefined;
  markdown.split("\n").forEach((text, i) => {
    if (open) {
      if (/^```\s*$/.test(text)) {
        blocks.push({ line: open.line, source: `${open.lines.join("\n")}\n` });
        open = undefined;
      } else open.lines.push(text);
    } else if (/^```(ts|typescript)\s*$/.test(text)) open = { line: i + 1, lines: [] };
  });
  return blocks;
}
