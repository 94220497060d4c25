// The local platform's dynamic resources. Pulumi serializes each provider object into state and
// runs it in its own process, so the objects here are thin: every method loads the real code by
// an absolute path computed when this module loads, and captures nothing else (no SDK, no
// runtime module, no closure over the program). From TypeScript sources the loader registers
// tsx first; from compiled `dist` it needs nothing.

import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type {
  FlagFileInputs,
  FlagFileOutputs,
  InstanceInfo,
  InstanceSetInputs,
  InstanceSetOutputs,
  LiveStatus,
  ProxyInputs,
  ProxyOutputs,
  RollingSetInputs,
  RollingSetOutputs,
  UnitInfo,
} from "./types";

const EXT = path.extname(__filename);
const IMPL_DIR = __dirname;
/** Resolved now, in the program, so the provider process finds the same tsx; undefined from dist. */
const TSX_CJS: string | undefined = EXT === ".ts" ? require.resolve("tsx/cjs") : undefined;

type InstanceSetImpl = typeof import("./instanceSetImpl");
type ProxyImpl = typeof import("./proxyImpl");
type RollingSetImpl = typeof import("./rollingSetImpl");
type FlagFileImpl = typeof import("./flagFileImpl");

/** Requires `<IMPL_DIR>/<name><EXT>`; registers tsx first when that is a .ts file. */
function load<T>(name: string): T {
  if (TSX_CJS !== undefined) require(TSX_CJS);
  return require(`${IMPL_DIR}/${name}${EXT}`) as T;
}

const instanceSetProvider: pulumi.dynamic.ResourceProvider<InstanceSetInputs, InstanceSetOutputs> = {
  create: (inputs) => load<InstanceSetImpl>("instanceSetImpl").create(inputs),
  read: (id, props) => load<InstanceSetImpl>("instanceSetImpl").read(id, props as InstanceSetOutputs),
  diff: (id, olds, news) => load<InstanceSetImpl>("instanceSetImpl").diff(id, olds, news),
  update: (id, olds, news) => load<InstanceSetImpl>("instanceSetImpl").update(id, olds, news),
  delete: (id, props) => load<InstanceSetImpl>("instanceSetImpl").remove(id, props),
};

const proxyProvider: pulumi.dynamic.ResourceProvider<ProxyInputs, ProxyOutputs> = {
  create: (inputs) => load<ProxyImpl>("proxyImpl").create(inputs),
  read: (id, props) => load<ProxyImpl>("proxyImpl").read(id, props as ProxyOutputs),
  diff: (id, olds, news) => load<ProxyImpl>("proxyImpl").diff(id, olds, news),
  update: (id, olds, news) => load<ProxyImpl>("proxyImpl").update(id, olds, news),
  delete: (id, props) => load<ProxyImpl>("proxyImpl").remove(id, props),
};

const rollingSetProvider: pulumi.dynamic.ResourceProvider<RollingSetInputs, RollingSetOutputs> = {
  create: (inputs) => load<RollingSetImpl>("rollingSetImpl").create(inputs),
  read: (id, props) => load<RollingSetImpl>("rollingSetImpl").read(id, props as RollingSetOutputs),
  diff: (id, olds, news) => load<RollingSetImpl>("rollingSetImpl").diff(id, olds, news),
  update: (id, olds, news) => load<RollingSetImpl>("rollingSetImpl").update(id, olds, news),
  delete: (id, props) => load<RollingSetImpl>("rollingSetImpl").remove(id, props),
};

const flagFileProvider: pulumi.dynamic.ResourceProvider<FlagFileInputs, FlagFileOutputs> = {
  create: (inputs) => load<FlagFileImpl>("flagFileImpl").create(inputs),
  read: (id, props) => load<FlagFileImpl>("flagFileImpl").read(id, props as FlagFileOutputs),
  diff: (id, olds, news) => load<FlagFileImpl>("flagFileImpl").diff(id, olds, news),
  update: (id, olds, news) => load<FlagFileImpl>("flagFileImpl").update(id, olds, news),
  delete: (id, props) => load<FlagFileImpl>("flagFileImpl").remove(id, props),
};

/** Each field of T as a Pulumi input. */
export type InputsOf<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

/** Output fields a resource declares with `undefined` so the engine reports them. */
function unset(keys: readonly string[]): Record<string, undefined> {
  return Object.fromEntries(keys.map((k) => [k, undefined]));
}

/** One version of a service: a supervisor daemon running `replicas` instances (type `pulumi-nodejs:dynamic/local:InstanceSet`). */
export class InstanceSet extends pulumi.dynamic.Resource {
  declare readonly version: pulumi.Output<string>;
  declare readonly supervisorPid: pulumi.Output<number>;
  declare readonly instances: pulumi.Output<InstanceInfo[]>;
  declare readonly ports: pulumi.Output<number[]>;
  declare readonly logDir: pulumi.Output<string>;
  declare readonly status: pulumi.Output<LiveStatus>;

  constructor(name: string, args: InputsOf<InstanceSetInputs>, opts?: pulumi.CustomResourceOptions) {
    const outs = ["dirName", "logDir", "supervisorPid", "instances", "ports", "status", "readyPids"];
    super(
      instanceSetProvider,
      name,
      { ...unset(outs), ...args },
      withSecrets(opts, ["secretEnv"]),
      "local",
      "InstanceSet",
    );
  }
}

/** The traffic proxy of a service (type `pulumi-nodejs:dynamic/local:Proxy`); its admin token is a secret output. */
export class LocalProxy extends pulumi.dynamic.Resource {
  declare readonly pid: pulumi.Output<number>;
  declare readonly port: pulumi.Output<number>;
  declare readonly previewPort: pulumi.Output<number | undefined>;
  declare readonly adminPort: pulumi.Output<number>;
  declare readonly adminToken: pulumi.Output<string>;
  declare readonly generation: pulumi.Output<number>;
  declare readonly weights: pulumi.Output<Record<string, number>>;
  declare readonly status: pulumi.Output<LiveStatus>;

  constructor(name: string, args: InputsOf<ProxyInputs>, opts?: pulumi.CustomResourceOptions) {
    const outs = [
      "previewPort",
      "requestedPort",
      "requestedPreviewPort",
      "adminPort",
      "adminToken",
      "pid",
      "generation",
      "weights",
      "status",
    ];
    super(
      proxyProvider,
      name,
      { ...unset(outs), ...args },
      withSecrets(opts, ["adminToken"]),
      "local",
      "Proxy",
    );
  }
}

/** Instances of one service replaced in batches (type `pulumi-nodejs:dynamic/local:RollingSet`). */
export class RollingSet extends pulumi.dynamic.Resource {
  declare readonly version: pulumi.Output<string>;
  declare readonly units: pulumi.Output<UnitInfo[]>;
  declare readonly ports: pulumi.Output<number[]>;
  declare readonly logDir: pulumi.Output<string>;
  declare readonly status: pulumi.Output<LiveStatus>;

  constructor(name: string, args: InputsOf<RollingSetInputs>, opts?: pulumi.CustomResourceOptions) {
    const outs = ["setId", "nextUnit", "units", "ports", "logDir", "status", "readyPids"];
    super(
      rollingSetProvider,
      name,
      { ...unset(outs), ...args },
      withSecrets(opts, ["secretEnv"]),
      "local",
      "RollingSet",
    );
  }
}

/** One flag of a flagd flag file (type `pulumi-nodejs:dynamic/local:FlagFile`), written atomically. */
export class FlagFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly flag: pulumi.Output<FlagFileInputs["flag"]>;

  constructor(name: string, args: InputsOf<FlagFileInputs>, opts?: pulumi.CustomResourceOptions) {
    super(flagFileProvider, name, args, opts, "local", "FlagFile");
  }
}

function withSecrets(
  opts: pulumi.CustomResourceOptions | undefined,
  keys: string[],
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...keys] };
}
