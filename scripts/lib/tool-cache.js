// @ts-check
// Where the engine and cluster builders keep what they build (outside the repo, reused across
// clones and CI runs), and the one file check both make.

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/**
 * `$<envVar>` when set, else `$XDG_CACHE_HOME/pulumi-progressive-delivery/<tool>` (default
 * `~/.cache/...`).
 * @param {string} tool  folder of the tool family: "engine", "cluster"
 * @param {string} envVar  the variable that overrides the whole path
 */
function toolCacheRoot(tool, envVar) {
  const override = process.env[envVar];
  if (override) return override;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-progressive-delivery", tool);
}

/** A regular file this user may execute. @param {string} file */
function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

module.exports = { toolCacheRoot, isExecutable };
