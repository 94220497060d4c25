#!/usr/bin/env node
// Our own Node.js language host for the Pulumi engine (`pulumi-language-nodejs`).
//
// Why it exists: the Go module proxy refuses every version of Pulumi's own
// `github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3` module, so on
// machines without downloads there is no language host to build (docs/toolchain.md).
// The host's job is small: it serves the LanguageRuntime gRPC service, and for `Run`
// and `RunPlugin` it starts `node` on the entry points that `@pulumi/pulumi` itself
// ships (`cmd/run`, `cmd/run-policy-pack`, `cmd/run-plugin`). Everything that touches
// resources happens in those entry points, talking to the engine directly.
//
// Started by the CLI as `pulumi-language-nodejs [--tracing URL] [-v=N] [--logtostderr] ENGINE`.
// It prints the port it listens on (loopback) as its first line of stdout.

const childProcess = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

// gRPC and the generated protocol code come from the project's own @pulumi/pulumi (the
// CLI starts the host in the project folder), else from beside this file. So this file
// can be copied next to a `pulumi` binary and work for any project.
/** @param {string} id */
function load(id) {
  const sdk = require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd(), __dirname] });
  return require(require.resolve(id, { paths: [path.dirname(sdk), process.cwd(), __dirname] }));
}
const grpc = load("@grpc/grpc-js");
const languageGrpc = load("@pulumi/pulumi/proto/language_grpc_pb");
const languagePb = load("@pulumi/pulumi/proto/language_pb");
const pluginPb = load("@pulumi/pulumi/proto/plugin_pb");
const emptyPb = load("google-protobuf/google/protobuf/empty_pb");

// `@pulumi/pulumi/cmd/run` exits with this code after it has already shown the user an
// actionable message; the engine must then stop without printing another error.
const EXIT_AFTER_USER_ACTIONABLE_MESSAGE = 32;

const hostVersion = load("@pulumi/pulumi/package.json").version;

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ engineAddress: string, tracing: string }} */
  const out = { engineAddress: "", tracing: "" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--tracing" || arg === "-tracing") {
      out.tracing = argv[++i] ?? "";
    } else if (arg.startsWith("--tracing=") || arg.startsWith("-tracing=")) {
      out.tracing = arg.slice(arg.indexOf("=") + 1);
    } else if (!arg.startsWith("-")) {
      out.engineAddress = arg; // the engine address is the last positional argument
    }
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
let engineAddress = args.engineAddress;

/** Children started by Run or RunPlugin, killed on Cancel or shutdown. */
const children = new Set();

/**
 * Reads ProgramInfo (root directory, program directory, entry point, runtime options).
 * Older engines send only `pwd` and `program`, so fall back to those.
 * @param {{ getInfo(): any, getPwd?: () => string, getProgram?: () => string }} req
 */
function programInfo(req) {
  const info = req.getInfo();
  const pwd = req.getPwd?.() || process.cwd();
  if (info) {
    const options = info.getOptions() ? info.getOptions().toJavaScript() : {};
    return {
      rootDirectory: info.getRootDirectory() || pwd,
      programDirectory: info.getProgramDirectory() || pwd,
      entryPoint: info.getEntryPoint() || ".",
      options,
    };
  }
  const program = req.getProgram?.() || ".";
  return { rootDirectory: pwd, programDirectory: pwd, entryPoint: program, options: {} };
}

/**
 * Resolves one of `@pulumi/pulumi`'s entry points from the program's own node_modules,
 * so that the program runs against the SDK version it installed.
 * @param {string} entry e.g. "cmd/run"
 * @param {string} fromDir
 */
function resolveSdkEntry(entry, fromDir) {
  try {
    return require.resolve(`@pulumi/pulumi/${entry}`, { paths: [fromDir] });
  } catch {
    throw new Error(
      `could not find @pulumi/pulumi/${entry} from ${fromDir}: the Pulumi SDK is not installed there; run 'npm install' in the project`,
    );
  }
}

/**
 * Environment for the node process: runtime options become the variables that
 * `@pulumi/pulumi/cmd/run` reads. TypeScript is on unless `typescript: false`.
 * @param {Record<string, unknown>} options
 */
function runtimeEnv(options) {
  /** @type {Record<string, string>} */
  const env = {};
  if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (typeof options.tsconfig === "string" && options.tsconfig !== "") {
    env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  }
  return env;
}

/** @param {Record<string, unknown>} options */
function nodeArgs(options) {
  const raw = typeof options.nodeargs === "string" ? options.nodeargs.trim() : "";
  return raw === "" ? [] : raw.split(/\s+/);
}

/**
 * @param {string} cmd
 * @param {string[]} argv
 * @param {childProcess.SpawnOptions} opts
 */
function spawnTracked(cmd, argv, opts) {
  const child = childProcess.spawn(cmd, argv, opts);
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/**
 * Finds `node_modules` packages that declare a Pulumi resource plugin
 * (`"pulumi": { "resource": true }` in their package.json).
 * @param {string} programDirectory
 */
function pulumiPackages(programDirectory) {
  /** @type {{ name: string, version: string, server: string }[]} */
  const found = [];
  let dir = path.resolve(programDirectory);
  let nodeModules = "";
  for (;;) {
    const candidate = path.join(dir, "node_modules");
    if (fs.existsSync(candidate)) {
      nodeModules = candidate;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return found;
    dir = parent;
  }
  /** @param {string} pkgDir */
  const consider = (pkgDir) => {
    const file = path.join(pkgDir, "package.json");
    if (!fs.existsSync(file)) return;
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    if (pkg.pulumi?.resource !== true) return;
    const name =
      pkg.pulumi.name ||
      String(pkg.name)
        .replace(/^@pulumi\//, "")
        .replace(/^@/, "");
    const version = pkg.pulumi.version || pkg.version;
    found.push({
      name,
      version: version.startsWith("v") ? version : `v${version}`,
      server: pkg.pulumi.server || "",
    });
  };
  for (const entry of fs.readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const full = path.join(nodeModules, entry);
    if (entry.startsWith("@")) {
      for (const scoped of fs.readdirSync(full)) consider(path.join(full, scoped));
    } else {
      consider(full);
    }
  }
  return found;
}

/** @type {Record<string, Function>} */
const impl = {
  handshake(call, callback) {
    engineAddress = call.request.getEngineAddress() || engineAddress;
    callback(null, new languagePb.LanguageHandshakeResponse());
  },

  getPluginInfo(_call, callback) {
    const info = new pluginPb.PluginInfo();
    info.setVersion(hostVersion);
    callback(null, info);
  },

  getRequiredPlugins(call, callback) {
    try {
      const res = new languagePb.GetRequiredPluginsResponse();
      for (const p of pulumiPackages(programInfo(call.request).programDirectory)) {
        const dep = new pluginPb.PluginDependency();
        dep.setName(p.name);
        dep.setKind("resource");
        dep.setVersion(p.version);
        dep.setServer(p.server);
        res.addPlugins(dep);
      }
      callback(null, res);
    } catch (err) {
      callback(asGrpcError(err));
    }
  },

  getRequiredPackages(call, callback) {
    try {
      const res = new languagePb.GetRequiredPackagesResponse();
      for (const p of pulumiPackages(programInfo(call.request).programDirectory)) {
        const dep = new pluginPb.PackageDependency();
        dep.setName(p.name);
        dep.setKind("resource");
        dep.setVersion(p.version);
        dep.setServer(p.server);
        res.addPackages(dep);
      }
      callback(null, res);
    } catch (err) {
      callback(asGrpcError(err));
    }
  },

  run(call, callback) {
    const req = call.request;
    let info;
    let runPath;
    try {
      info = programInfo(req);
      runPath = resolveSdkEntry("cmd/run", info.programDirectory);
    } catch (err) {
      callback(asGrpcError(err));
      return;
    }
    const argv = [...nodeArgs(info.options), runPath];
    /** @param {string} k @param {string} v */
    const flag = (k, v) => {
      if (v !== "" && v !== undefined && v !== null) argv.push(`--${k}`, String(v));
    };
    flag("monitor", req.getMonitorAddress());
    flag("engine", engineAddress);
    flag("organization", req.getOrganization());
    flag("project", req.getProject());
    flag("stack", req.getStack());
    flag("pwd", req.getPwd());
    flag("root-directory", info.rootDirectory);
    if (req.getDryrun()) argv.push("--dry-run");
    if (req.getParallel()) flag("parallel", String(req.getParallel()));
    flag("tracing", args.tracing);
    argv.push(path.resolve(info.programDirectory, info.entryPoint), ...req.getArgsList());

    /** @type {Record<string, string>} */
    const config = {};
    for (const [k, v] of req.getConfigMap().entries()) config[k] = v;
    const env = {
      ...process.env,
      ...runtimeEnv(info.options),
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
    };

    const child = spawnTracked(process.execPath, argv, {
      cwd: req.getPwd() || info.programDirectory,
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", (err) => {
      const res = new languagePb.RunResponse();
      res.setError(`could not start node to run the program: ${err.message}`);
      callback(null, res);
    });
    child.on("exit", (code, signal) => {
      const res = new languagePb.RunResponse();
      if (code === EXIT_AFTER_USER_ACTIONABLE_MESSAGE) {
        res.setBail(true);
      } else if (signal) {
        res.setError(`Program was stopped by signal ${signal}`);
      } else if (code !== 0) {
        res.setError(`Program exited with non-zero exit code: ${code}`);
      }
      callback(null, res);
    });
  },

  runPlugin(call) {
    const req = call.request;
    let info;
    let entry;
    try {
      info = programInfo(req);
      const kind = req.getKind();
      entry = resolveSdkEntry(
        kind === "analyzer" ? "cmd/run-policy-pack" : "cmd/run-plugin",
        info.programDirectory,
      );
    } catch (err) {
      call.destroy(asGrpcError(err));
      return;
    }
    /** @type {Record<string, string>} */
    const env = {};
    for (const kv of req.getEnvList()) {
      const i = kv.indexOf("=");
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    Object.assign(env, runtimeEnv(info.options));
    const program = path.resolve(info.programDirectory, info.entryPoint);
    const argv = [...nodeArgs(info.options), entry, ...req.getArgsList(), program];
    const child = spawnTracked(process.execPath, argv, {
      cwd: info.programDirectory,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    /** @param {"setStdout" | "setStderr"} setter */
    const forward = (setter) => (/** @type {Buffer} */ chunk) => {
      const msg = new languagePb.RunPluginResponse();
      msg[setter](new Uint8Array(chunk));
      call.write(msg);
    };
    child.stdout?.on("data", forward("setStdout"));
    child.stderr?.on("data", forward("setStderr"));
    child.on("error", (err) => call.destroy(asGrpcError(err)));
    child.on("close", (code, signal) => {
      const msg = new languagePb.RunPluginResponse();
      msg.setExitcode(code ?? (signal ? 128 : 1));
      call.write(msg);
      call.end();
    });
    call.on("cancelled", () => child.kill("SIGTERM"));
  },

  installDependencies(call) {
    const req = call.request;
    const dir = req.getDirectory() || programInfo(req).programDirectory;
    const child = spawnTracked("npm", ["install"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    /** @param {"setStdout" | "setStderr"} setter */
    const forward = (setter) => (/** @type {Buffer} */ chunk) => {
      const msg = new languagePb.InstallDependenciesResponse();
      msg[setter](new Uint8Array(chunk));
      call.write(msg);
    };
    child.stdout?.on("data", forward("setStdout"));
    child.stderr?.on("data", forward("setStderr"));
    child.on("error", (err) => call.destroy(asGrpcError(err)));
    child.on("close", (code) => {
      if (code === 0) call.end();
      else call.destroy(asGrpcError(new Error(`npm install in ${dir} exited with code ${code}`)));
    });
  },

  about(_call, callback) {
    const res = new languagePb.AboutResponse();
    res.setExecutable(process.execPath);
    res.setVersion(process.version.replace(/^v/, ""));
    callback(null, res);
  },

  getProgramDependencies(call, callback) {
    try {
      const dir = programInfo(call.request).programDirectory;
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      const res = new languagePb.GetProgramDependenciesResponse();
      for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
        let version = "";
        try {
          const file = require.resolve(`${name}/package.json`, { paths: [dir] });
          version = JSON.parse(fs.readFileSync(file, "utf8")).version;
        } catch {
          continue; // declared but not installed: nothing to report
        }
        const dep = new languagePb.DependencyInfo();
        dep.setName(name);
        dep.setVersion(version);
        res.addDependencies(dep);
      }
      callback(null, res);
    } catch (err) {
      callback(asGrpcError(err));
    }
  },

  cancel(_call, callback) {
    for (const child of children) child.kill("SIGTERM");
    callback(null, new emptyPb.Empty());
  },
};

/** @param {unknown} err */
function asGrpcError(err) {
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message });
}

const server = new grpc.Server({
  "grpc.max_receive_message_length": 400 * 1024 * 1024,
  "grpc.max_send_message_length": 400 * 1024 * 1024,
});
server.addService(languageGrpc.LanguageRuntimeService, /** @type {any} */ (impl));
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`pulumi-language-nodejs: could not listen on 127.0.0.1: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${port}\n`);
});

/** Stops the programs and plugins this host started, then exits. */
function stopAll() {
  for (const child of children) child.kill("SIGTERM");
  server.forceShutdown();
  process.exit(0);
}

for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.on(sig, stopAll);

// The engine starts this host in a process group of its own, so a driver killed with its process
// group (its pulumi included) leaves the host and the program it runs behind, reparented. When the
// engine that started it is gone, nothing can call it any more: stop.
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart) stopAll();
}, 500).unref();
