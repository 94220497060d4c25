#!/usr/bin/env node
// @ts-check
// Finds a real Pulumi engine, or builds one from the Go module proxy, and tells the
// tests, the demo and `npm run pulumi` how to run it.
//
//   node scripts/engine/engine.js ensure   find or build; print what was found
//   node scripts/engine/engine.js env      print `export PATH=...` for a shell
//   node scripts/engine/engine.js which    print the pulumi binary's path (exit 1 if none)
//
// Lookup order: $PULUMI_BIN; `pulumi` on PATH; the npm wrapper's cache
// (~/.pulumi/versions/<v>/bin); our build cache. A found CLI must be at least
// MIN_VERSION. When it has no `pulumi-language-nodejs` beside it, our own language
// host (scripts/engine/bin) is put on PATH in front of it.

const childProcess = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { isExecutable, toolCacheRoot } = require("../lib/tool-cache");

/** The CLI release we build; it matches the @pulumi/pulumi SDK pinned in package.json. */
const BUILD_VERSION = "3.276.0";
/** The oldest CLI we accept from PATH or the npm wrapper's cache. */
const MIN_VERSION = "3.200.0";

const repoRoot = path.resolve(__dirname, "..", "..");
const shimDir = path.join(__dirname, "bin");
const goModuleDir = path.join(__dirname, "go");

function cacheRoot() {
  return toolCacheRoot("engine", "PROGRESSIVE_ENGINE_CACHE");
}

function builtBinDir() {
  return path.join(cacheRoot(), `v${BUILD_VERSION}`, "bin");
}

/** @param {string} v */
function parseVersion(v) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** @param {string} a @param {string} b */
function atLeast(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return false;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
}

/** @param {string} bin */
function versionOf(bin) {
  try {
    const out = childProcess.execFileSync(bin, ["version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
      timeout: 30_000,
    });
    return out.trim();
  } catch {
    return undefined;
  }
}

function candidates() {
  /** @type {{ bin: string, source: string }[]} */
  const out = [];
  if (process.env.PULUMI_BIN) out.push({ bin: process.env.PULUMI_BIN, source: "$PULUMI_BIN" });
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (dir && path.resolve(dir) !== shimDir) out.push({ bin: path.join(dir, "pulumi"), source: "PATH" });
  }
  const versions = path.join(os.homedir(), ".pulumi", "versions");
  if (fs.existsSync(versions)) {
    for (const v of fs.readdirSync(versions).sort().reverse()) {
      out.push({ bin: path.join(versions, v, "bin", "pulumi"), source: "npm wrapper cache" });
    }
  }
  out.push({ bin: path.join(builtBinDir(), "pulumi"), source: "build cache" });
  return out;
}

/**
 * @typedef {object} Engine
 * @property {string} pulumi        absolute path of the CLI
 * @property {string} version       what `pulumi version` printed
 * @property {string} source        where it was found
 * @property {string} languageHost  path of the `pulumi-language-nodejs` that will be used
 * @property {string[]} pathDirs    directories to put in front of PATH, in order
 */

/** @returns {Engine | undefined} */
function findEngine() {
  const seen = new Set();
  for (const { bin, source } of candidates()) {
    const abs = path.resolve(bin);
    if (seen.has(abs) || !isExecutable(abs)) continue;
    seen.add(abs);
    const version = versionOf(abs);
    if (!version || !atLeast(version, MIN_VERSION)) continue;
    const dir = path.dirname(abs);
    const bundledHost = path.join(dir, "pulumi-language-nodejs");
    const ownHost = isExecutable(bundledHost);
    return {
      pulumi: abs,
      version,
      source,
      languageHost: ownHost ? bundledHost : path.join(shimDir, "pulumi-language-nodejs"),
      pathDirs: ownHost ? [dir] : [shimDir, dir],
    };
  }
  return undefined;
}

/** Environment for running the engine: PATH with the engine first, offline switches on. */
function engineEnv(/** @type {Engine} */ engine, base = process.env) {
  return {
    ...base,
    PATH: [...engine.pathDirs, base.PATH || ""].join(path.delimiter),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

function buildEngine() {
  const go = childProcess.spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) {
    throw new Error(
      "no Pulumi CLI was found and Go is not installed to build one.\n" +
        "  Install the CLI (https://www.pulumi.com/docs/install/ or `npm i -g pulumi`), or install Go 1.25+\n" +
        "  and rerun `bash scripts/ensure-pulumi.sh` to build it from the Go module proxy.",
    );
  }
  const out = path.join(builtBinDir(), "pulumi");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const ldflags = `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${BUILD_VERSION}`;
  const args = [
    "build",
    "-trimpath",
    "-tags",
    "osusergo,grpcnotrace",
    "-ldflags",
    ldflags,
    "-o",
    `${out}.tmp`,
  ];
  args.push("github.com/pulumi/pulumi/pkg/v3/cmd/pulumi");
  process.stderr.write(
    `building the Pulumi CLI v${BUILD_VERSION} from Go modules into ${out} (minutes when cold)\n`,
  );
  const started = Date.now();
  const res = childProcess.spawnSync("go", args, {
    cwd: goModuleDir,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" },
  });
  if (res.status !== 0) {
    throw new Error(
      `building the Pulumi CLI failed (go build exited ${res.status}); see the output above.\n` +
        "  The versions come from scripts/engine/go/go.mod; docs/toolchain.md says what the proxy serves.",
    );
  }
  fs.renameSync(`${out}.tmp`, out);
  process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/**
 * Puts our language host and the dynamic-provider plugin next to the CLI we built, where
 * the CLI looks for bundled plugins first (so it does not warn about plugins on PATH).
 * Refreshed on every ensure, so an edited host takes effect.
 */
function installBundledPlugins() {
  const dir = builtBinDir();
  const files = {
    "pulumi-language-nodejs": path.join(__dirname, "language-host.js"),
    "pulumi-resource-pulumi-nodejs": path.join(shimDir, "pulumi-resource-pulumi-nodejs"),
    // Preloaded by the plugin above; must sit beside it.
    "parent-watch.js": path.join(shimDir, "parent-watch.js"),
  };
  for (const [name, src] of Object.entries(files)) {
    const dest = path.join(dir, name);
    const body = fs.readFileSync(src);
    if (!fs.existsSync(dest) || !fs.readFileSync(dest).equals(body)) {
      fs.writeFileSync(`${dest}.tmp`, body, { mode: 0o755 });
      fs.renameSync(`${dest}.tmp`, dest);
    }
  }
}

function ensure() {
  let engine = findEngine();
  if (!engine) buildEngine();
  if (!engine || engine.source === "build cache") {
    installBundledPlugins();
    engine = findEngine();
  }
  if (!engine) throw new Error(`built the Pulumi CLI but cannot run it from ${builtBinDir()}`);
  return engine;
}

module.exports = { BUILD_VERSION, MIN_VERSION, findEngine, engineEnv, ensure, repoRoot, shimDir };

if (require.main === module) {
  const cmd = process.argv[2] || "ensure";
  try {
    if (cmd === "ensure") {
      const e = ensure();
      process.stdout.write(
        `pulumi ${e.version} at ${e.pulumi} (${e.source})\nlanguage host: ${e.languageHost}\n`,
      );
    } else if (cmd === "which" || cmd === "env") {
      const e = findEngine();
      if (!e) {
        process.stderr.write("no Pulumi CLI found; run `bash scripts/ensure-pulumi.sh`\n");
        process.exit(1);
      }
      if (cmd === "which") process.stdout.write(`${e.pulumi}\n`);
      else process.stdout.write(`export PATH="${[...e.pathDirs, "$PATH"].join(path.delimiter)}"\n`);
    } else {
      process.stderr.write(`unknown command '${cmd}': use ensure, env or which\n`);
      process.exit(2);
    }
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
