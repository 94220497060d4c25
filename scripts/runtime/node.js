#!/usr/bin/env node
// @ts-check
// Provides the Node.js runtimes this repository is built and tested on (22 and 24 LTS), on a
// machine whose own Node is older (the build machines have Node 20), without a download site:
// the npm registry serves Node's own binaries as `node-<platform>-<arch>` packages.
//
//   node scripts/runtime/node.js ensure <22|24>   find or provision; print what is used
//   node scripts/runtime/node.js env <22|24>      print `export PATH=...` for a shell
//   node scripts/runtime/node.js which <22|24>    print the node binary's path
//
// Runs on any Node >= 18 (it is what starts the provisioned one). A `node` already on PATH of the
// same major version is used as it is; otherwise the pinned release is unpacked into the tool
// cache (`$PROGRESSIVE_NODE_CACHE`, default ~/.cache/pulumi-progressive-delivery/node), once.

const childProcess = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { isExecutable, toolCacheRoot } = require("../lib/tool-cache");

/** The release of each supported major line this repository pins (docs/toolchain.md says why). */
const PINNED = /** @type {const} */ ({ 22: "22.23.5", 24: "24.22.3" });

/** @param {string} major */
function pinned(major) {
  const version = PINNED[/** @type {keyof typeof PINNED} */ (Number(major))];
  if (!version) {
    throw new Error(
      `node runtime "${major}" is not one this repository provides; use one of ${Object.keys(PINNED).join(", ")}`,
    );
  }
  return version;
}

function cacheRoot() {
  return toolCacheRoot("node", "PROGRESSIVE_NODE_CACHE");
}

/** @param {string} bin */
function versionOf(bin) {
  try {
    return childProcess
      .execFileSync(bin, ["--version"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 30_000,
      })
      .trim();
  } catch {
    return undefined;
  }
}

/** A `node` on PATH (outside our cache) whose major version is `major`. @param {string} major */
function fromPath(major) {
  const root = path.resolve(cacheRoot());
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (!dir || path.resolve(dir).startsWith(root)) continue;
    const bin = path.join(dir, "node");
    if (!isExecutable(bin)) continue;
    const v = versionOf(bin);
    if (v?.startsWith(`v${major}.`)) return { bin, version: v, source: "PATH" };
    return undefined; // the first node on PATH is the one scripts would run
  }
  return undefined;
}

/** @param {string} version */
function cachedBin(version) {
  return path.join(cacheRoot(), `v${version}`, "bin", "node");
}

/** The npm package that carries Node's binary for this machine. */
function packageName() {
  const platform = process.platform === "win32" ? "win" : process.platform;
  return `node-${platform}-${process.arch}`;
}

/** Unpacks `node-<platform>-<arch>@<version>` from the npm registry into the cache. @param {string} version */
function provision(version) {
  const root = cacheRoot();
  fs.mkdirSync(root, { recursive: true });
  const work = fs.mkdtempSync(path.join(root, `.v${version}-`));
  try {
    const spec = `${packageName()}@${version}`;
    const started = Date.now();
    const packed = childProcess.spawnSync("npm", ["pack", spec, "--pack-destination", work, "--silent"], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, npm_config_update_notifier: "false" },
      timeout: 600_000,
    });
    if (packed.status !== 0) {
      throw new Error(
        `could not fetch ${spec} from the npm registry (npm pack exited ${packed.status}): ${(packed.stderr || "").trim()}\n` +
          `fix: check that the npm registry answers (npm view ${spec} version), or put a Node ${version.split(".")[0]} first on PATH`,
      );
    }
    const tgz = fs.readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack ${spec} wrote no tarball into ${work}`);
    const untar = childProcess.spawnSync("tar", ["-xzf", tgz], { cwd: work, encoding: "utf8" });
    if (untar.status !== 0) throw new Error(`could not unpack ${tgz}: ${untar.stderr}`);
    const bin = path.join(work, "package", "bin", "node");
    fs.chmodSync(bin, 0o755);
    const got = versionOf(bin);
    if (got !== `v${version}`) throw new Error(`${spec} unpacked a node that says ${got ?? "nothing"}`);
    const target = path.join(root, `v${version}`);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(path.join(work, "package"), target);
    process.stderr.write(
      `node: provisioned v${version} from ${spec} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** @param {string} major */
function ensure(major) {
  const version = pinned(major);
  const onPath = fromPath(major);
  if (onPath) return onPath;
  const bin = cachedBin(version);
  if (!isExecutable(bin)) provision(version);
  return { bin, version: `v${version}`, source: "tool cache" };
}

function main() {
  const [command, major] = process.argv.slice(2);
  if (!command || !major || !["ensure", "env", "which"].includes(command)) {
    process.stderr.write("usage: node scripts/runtime/node.js <ensure|env|which> <22|24>\n");
    return 2;
  }
  try {
    const found = ensure(major);
    if (command === "which") process.stdout.write(`${found.bin}\n`);
    else if (command === "env") {
      const dir = path.dirname(found.bin);
      process.stdout.write(`export PATH=${JSON.stringify(dir)}${path.delimiter}"$PATH"\n`);
    } else process.stdout.write(`node ${found.version} (${found.source}): ${found.bin}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`node runtime: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main();

module.exports = { PINNED, ensure };
