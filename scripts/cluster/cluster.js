#!/usr/bin/env node
// @ts-check
// Builds, from the Go module proxy, what the cluster test tier runs: etcd, the Kubernetes
// control plane (kube-apiserver, kube-controller-manager, kube-scheduler), kwok with its
// stages, and the Pulumi Kubernetes provider plugin; copies the Gateway API CRDs out of their
// module. Everything lands in a cache outside the repo, one folder per tool and version, and
// is reused when present.
//
//   node scripts/cluster/cluster.js ensure   build what is missing; print where it is
//   node scripts/cluster/cluster.js check    exit 1 with what is missing, build nothing
//
// See docs/toolchain.md, "A real Kubernetes API (cluster tier)".

const childProcess = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { isExecutable, toolCacheRoot } = require("../lib/tool-cache");

const VERSIONS = Object.freeze({
  kubernetes: "1.36.3",
  etcd: "3.6.5",
  kwok: "0.8.0",
  /** The provider plugin; @pulumi/kubernetes in package.json must be the same release. */
  provider: "4.25.0",
  /** The newest release whose go.mod Go 1.26 accepts (v1.7.0 declares go 1.27). */
  gatewayApi: "1.6.3",
});

/** The provider module's only served version is this pseudo-version of the 4.25.0 release. */
const PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";
const PROVIDER_PSEUDO = "v4.0.0-20260115033456-f47bc2d6f199";

const goDir = path.join(__dirname, "go");

function cacheRoot() {
  return toolCacheRoot("cluster", "PROGRESSIVE_CLUSTER_CACHE");
}

/**
 * @typedef {object} ClusterTools
 * @property {string} etcd
 * @property {string} kubeApiserver
 * @property {string} kubeControllerManager
 * @property {string} kubeScheduler
 * @property {string} kwok
 * @property {string} kwokStages       one YAML file with the node and pod stages kwok needs
 * @property {string} crds             Gateway API CRDs and the ingress-nginx IngressClass
 * @property {string} provider         the pulumi-resource-kubernetes binary, in `pluginDir`
 * @property {string} pluginDir        `<PULUMI_HOME>/plugins/resource-kubernetes-v<ver>` of a PULUMI_HOME in the cache
 * @property {typeof VERSIONS} versions
 */

/** @returns {ClusterTools} */
function toolPaths() {
  const root = cacheRoot();
  const kube = path.join(root, `kubernetes-v${VERSIONS.kubernetes}`, "bin");
  const kwokDir = path.join(root, `kwok-v${VERSIONS.kwok}`);
  const providerDir = path.join(root, `pulumi-kubernetes-v${VERSIONS.provider}`);
  const pluginDir = path.join(
    providerDir,
    "pulumi-home",
    "plugins",
    `resource-kubernetes-v${VERSIONS.provider}`,
  );
  return {
    etcd: path.join(root, `etcd-v${VERSIONS.etcd}`, "bin", "etcd"),
    kubeApiserver: path.join(kube, "kube-apiserver"),
    kubeControllerManager: path.join(kube, "kube-controller-manager"),
    kubeScheduler: path.join(kube, "kube-scheduler"),
    kwok: path.join(kwokDir, "bin", "kwok"),
    kwokStages: path.join(kwokDir, "stages.yaml"),
    crds: path.join(root, `gateway-api-v${VERSIONS.gatewayApi}`, "crds.yaml"),
    provider: path.join(pluginDir, "pulumi-resource-kubernetes"),
    pluginDir,
    versions: VERSIONS,
  };
}

/** What is missing from the cache, as sentences; empty when the cluster tier can run. */
function missing() {
  const t = toolPaths();
  /** @type {string[]} */
  const out = [];
  for (const [name, file] of /** @type {[string, string][]} */ ([
    ["etcd", t.etcd],
    ["kube-apiserver", t.kubeApiserver],
    ["kube-controller-manager", t.kubeControllerManager],
    ["kube-scheduler", t.kubeScheduler],
    ["kwok", t.kwok],
    ["pulumi-resource-kubernetes", t.provider],
  ])) {
    if (!isExecutable(file)) out.push(`${name} is not built (${file})`);
  }
  for (const [name, file] of [
    ["kwok stages", t.kwokStages],
    ["Gateway API CRDs", t.crds],
  ]) {
    if (!fs.existsSync(file)) out.push(`${name} are not in the cache (${file})`);
  }
  return out;
}

/** Runs a command, inheriting stderr; throws with the command line when it fails. */
function run(
  /** @type {string} */ cmd,
  /** @type {string[]} */ args,
  /** @type {childProcess.SpawnSyncOptions} */ opts = {},
) {
  const res = childProcess.spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${res.status}`);
  return res;
}

/** The extracted folder of a module version in the Go module cache (downloaded if needed). */
function moduleDir(/** @type {string} */ mod, /** @type {string} */ version) {
  const res = childProcess.spawnSync("go", ["mod", "download", "-json", `${mod}@${version}`], {
    encoding: "utf8",
    cwd: os.tmpdir(),
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  });
  const info = res.stdout ? JSON.parse(res.stdout) : {};
  if (res.status !== 0 || !info.Dir) {
    throw new Error(`go mod download ${mod}@${version} failed: ${info.Error ?? res.stderr}`);
  }
  return /** @type {string} */ (info.Dir);
}

const goEnv = () => ({ ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" });

/**
 * `nice go build` of `pkgs` in `moduleFolder` into `outDir` (through a temporary folder, so an
 * interrupted build leaves nothing that looks finished).
 */
function goBuild(
  /** @type {string} */ moduleFolder,
  /** @type {string} */ outDir,
  /** @type {string[]} */ pkgs,
  ldflags = "-s -w",
) {
  const tmp = `${outDir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  process.stderr.write(`building ${pkgs.join(" ")} into ${outDir} (minutes when cold)\n`);
  // A line a minute while go builds, so a cold build (tens of minutes) does not look hung.
  const ticker = [
    'nice -n 10 go build "$@" & pid=$!; n=0',
    'while kill -0 $pid 2>/dev/null; do sleep 5; n=$((n+5)); [ $((n % 60)) -eq 0 ] && echo "  still building ($((n / 60)) min)" >&2; done',
    "wait $pid",
  ].join("\n");
  run("bash", ["-c", ticker, "go-build", "-trimpath", "-ldflags", ldflags, "-o", `${tmp}/`, ...pkgs], {
    cwd: moduleFolder,
    env: goEnv(),
  });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(tmp, outDir);
  process.stderr.write(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function buildEtcd() {
  // The main package is the module's root (progressive.local/cluster/etcd): the binary is named etcd.
  goBuild(path.join(goDir, "etcd"), path.dirname(toolPaths().etcd), ["."]);
}

function buildKubernetes() {
  const v = VERSIONS.kubernetes;
  const [major, minor] = v.split(".");
  // Without these the servers report v0.0.0, which clients (and the provider) reject or misread.
  const base = "k8s.io/component-base/version";
  const ldflags = `-s -w -X ${base}.gitVersion=v${v} -X ${base}.gitMajor=${major} -X ${base}.gitMinor=${minor} -X ${base}.gitTreeState=clean`;
  goBuild(
    path.join(goDir, "kube"),
    path.dirname(toolPaths().kubeApiserver),
    ["kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((c) => `k8s.io/kubernetes/cmd/${c}`),
    ldflags,
  );
}

function buildKwok() {
  const t = toolPaths();
  // kwok's version is a constant in its source (pkg/consts), so no version flag is needed.
  goBuild(path.join(goDir, "kwok"), path.dirname(t.kwok), ["sigs.k8s.io/kwok/cmd/kwok"]);
}

/** kwok exits with "no stages found" without them; these make nodes Ready and pods Running and Ready fast. */
function copyKwokStages() {
  const t = toolPaths();
  const dir = moduleDir("sigs.k8s.io/kwok", `v${VERSIONS.kwok}`);
  const folders = ["node/fast", "node/heartbeat", "pod/fast"].map((f) =>
    path.join(dir, "kustomize", "stage", f),
  );
  /** @type {string[]} */
  const docs = [];
  for (const folder of folders) {
    for (const file of fs.readdirSync(folder).sort()) {
      if (!file.endsWith(".yaml") || file === "kustomization.yaml") continue;
      docs.push(
        `# from sigs.k8s.io/kwok@v${VERSIONS.kwok} ${path.relative(dir, path.join(folder, file))}\n${fs.readFileSync(path.join(folder, file), "utf8").trim()}\n`,
      );
    }
  }
  writeAtomically(t.kwokStages, docs.join("---\n"));
}

/** HTTPRoute (and the Gateway objects it points at) from the module's standard channel, and the IngressClass the ingress-nginx router names. */
function copyCrds() {
  const dir = moduleDir("sigs.k8s.io/gateway-api", `v${VERSIONS.gatewayApi}`);
  const standard = path.join(dir, "config", "crd", "standard");
  const files = ["gatewayclasses", "gateways", "httproutes"].map(
    (k) => `gateway.networking.k8s.io_${k}.yaml`,
  );
  const docs = files.map(
    (f) =>
      `# from sigs.k8s.io/gateway-api@v${VERSIONS.gatewayApi} config/crd/standard/${f}\n${fs.readFileSync(path.join(standard, f), "utf8").trim()}\n`,
  );
  docs.push(
    [
      "# The class ingress-nginx installs; no controller runs in the test cluster.",
      "apiVersion: networking.k8s.io/v1",
      "kind: IngressClass",
      "metadata:",
      "  name: nginx",
      "spec:",
      "  controller: k8s.io/ingress-nginx",
      "",
    ].join("\n"),
  );
  writeAtomically(toolPaths().crds, docs.join("---\n"));
}

function writeAtomically(/** @type {string} */ file, /** @type {string} */ body) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, body);
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * Upstream's main embeds files its build generates; ours (scripts/cluster/go/provider) embeds
 * the zip's schema.json and terraform-mapping.json, copied beside it in a build folder in the
 * cache so the checkout stays clean.
 */
/** Where the provider is built before `pulumi plugin install` copies it into the plugin cache. */
const providerBuildDir = () => path.join(cacheRoot(), `pulumi-kubernetes-v${VERSIONS.provider}`, "bin");

function buildProvider() {
  const src = path.join(path.dirname(providerBuildDir()), "src");
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(src, { recursive: true });
  for (const f of ["go.mod", "go.sum", "main.go"])
    fs.copyFileSync(path.join(goDir, "provider", f), path.join(src, f));
  const cmd = path.join(moduleDir(PROVIDER_MODULE, PROVIDER_PSEUDO), "cmd", "pulumi-resource-kubernetes");
  for (const f of ["schema.json", "terraform-mapping.json"])
    fs.copyFileSync(path.join(cmd, f), path.join(src, f));
  const ldflags = `-s -w -X ${PROVIDER_MODULE}/pkg/version.Version=${VERSIONS.provider}`;
  // The module is named progressive.local/cluster/pulumi-resource-kubernetes, so go names the binary right.
  goBuild(src, providerBuildDir(), ["."], ldflags);
  fs.rmSync(src, { recursive: true, force: true });
}

/**
 * `pulumi plugin install --file` into a PULUMI_HOME kept in the cache. Test backends have a
 * PULUMI_HOME of their own each; test/support/cluster.ts links this plugin folder into it.
 */
function installPlugin() {
  const t = toolPaths();
  const built = path.join(providerBuildDir(), "pulumi-resource-kubernetes");
  /** @type {{ ensure(): { pulumi: string } }} */
  const engine = require("../engine/engine.js");
  const { pulumi } = engine.ensure();
  const home = path.dirname(path.dirname(t.pluginDir));
  fs.mkdirSync(home, { recursive: true });
  run(
    pulumi,
    ["plugin", "install", "resource", "kubernetes", VERSIONS.provider, "--file", built, "--reinstall"],
    {
      env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
    },
  );
  // The plugin cache holds the copy that is used; the build output (about 240 MB) is not kept twice.
  if (isExecutable(t.provider)) fs.rmSync(providerBuildDir(), { recursive: true, force: true });
}

function ensure() {
  const t = toolPaths();
  const started = Date.now();
  if (missing().length > 0) {
    const go = childProcess.spawnSync("go", ["version"], { encoding: "utf8" });
    if (go.status !== 0) {
      throw new Error(
        `the cluster tier's binaries are missing and Go is not installed to build them:\n  ${missing().join("\n  ")}\n` +
          "  Install Go 1.26+ and rerun `bash scripts/ensure-cluster.sh`.",
      );
    }
  }
  if (!isExecutable(t.etcd)) buildEtcd();
  if (![t.kubeApiserver, t.kubeControllerManager, t.kubeScheduler].every(isExecutable)) buildKubernetes();
  if (!isExecutable(t.kwok)) buildKwok();
  if (!fs.existsSync(t.kwokStages)) copyKwokStages();
  if (!fs.existsSync(t.crds)) copyCrds();
  if (!isExecutable(t.provider)) {
    if (!isExecutable(path.join(providerBuildDir(), "pulumi-resource-kubernetes"))) buildProvider();
    installPlugin();
  }
  const left = missing();
  if (left.length > 0) throw new Error(`still missing after the build:\n  ${left.join("\n  ")}`);
  return { tools: t, seconds: (Date.now() - started) / 1000 };
}

module.exports = { VERSIONS, cacheRoot, toolPaths, missing, ensure };

if (require.main === module) {
  const cmd = process.argv[2] || "ensure";
  try {
    if (cmd === "ensure") {
      const { tools, seconds } = ensure();
      const v = tools.versions;
      process.stdout.write(
        `cluster tools in ${cacheRoot()} (${seconds.toFixed(1)} s): kubernetes v${v.kubernetes}, etcd v${v.etcd}, ` +
          `kwok v${v.kwok}, pulumi-resource-kubernetes ${v.provider}, gateway-api v${v.gatewayApi}\n`,
      );
    } else if (cmd === "check") {
      const left = missing();
      if (left.length > 0) {
        process.stderr.write(`${left.join("\n")}\nrun \`bash scripts/ensure-cluster.sh\`\n`);
        process.exit(1);
      }
      process.stdout.write(`cluster tools present in ${cacheRoot()}\n`);
    } else {
      process.stderr.write(`unknown command '${cmd}': use ensure or check\n`);
      process.exit(2);
    }
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
