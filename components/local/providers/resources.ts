// The local platform's dynamic resources. Pulumi runs a dynamic resource's provider in its own
// process from the text in the resource's `__provider` input; the text here is a few lines that
// load the implementation by an absolute path computed when this module loads, and capture
// nothing else (no SDK, no runtime module, no closure over the program). From TypeScript sources
// it registers tsx first; from compiled `dist` it needs nothing.

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

/** What an implementation module exports: a dynamic provider's methods, `delete` named `remove`. */
interface ImplModule<I, O> {
  create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  read(id: string, props: O): Promise<pulumi.dynamic.ReadResult<O>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  remove(id: string, props: O): Promise<void>;
}
/** Compile-time check that each module has the methods the provider text maps, with their types. */
type Implements<M extends ImplModule<I, O>, I, O> = M;
export type CheckedImplementations = [
  Implements<InstanceSetImpl, InstanceSetInputs, InstanceSetOutputs>,
  Implements<ProxyImpl, ProxyInputs, ProxyOutputs>,
  Implements<RollingSetImpl, RollingSetInputs, RollingSetOutputs>,
  Implements<FlagFileImpl, FlagFileInputs, FlagFileOutputs>,
];

/**
 * The `__provider` of a resource whose implementation is `<IMPL_DIR>/<impl><EXT>`: the module text
 * the dynamic-provider plugin loads (its `handler()` returns the provider), written here rather
 * than serialized from a closure by the SDK. Serializing a closure opens an inspector session and
 * walks the function's scopes, some 150-300 ms in every program run before the first local
 * resource can register (and so before the engine starts the provider plugin); this text is the
 * same for every resource of a kind and costs nothing. The module is loaded once per provider
 * process, on its first call; from TypeScript sources it registers tsx first.
 */
function providerModule(impl: string): string {
  return [
    "exports.handler = function () {",
    ...(TSX_CJS !== undefined ? [`  require(${JSON.stringify(TSX_CJS)});`] : []),
    `  const impl = require(${JSON.stringify(`${IMPL_DIR}/${impl}${EXT}`)});`,
    "  return { create: impl.create, read: impl.read, diff: impl.diff, update: impl.update, delete: impl.remove };",
    "};",
    "",
  ].join("\n");
}

/**
 * A resource of the local platform: a Pulumi dynamic resource (type
 * `pulumi-nodejs:dynamic/local:<kind>`, run by the SDK's dynamic-provider plugin) whose provider is
 * {@link providerModule}'s text.
 */
abstract class LocalResource extends pulumi.CustomResource {
  constructor(
    kind: string,
    impl: string,
    name: string,
    props: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions | undefined,
  ) {
    super(`pulumi-nodejs:dynamic/local:${kind}`, name, { ...props, __provider: providerModule(impl) }, opts);
  }
}

/** Each field of T as a Pulumi input. */
export type InputsOf<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

/** Output fields a resource declares with `undefined` so the engine reports them. */
function unset(keys: readonly string[]): Record<string, undefined> {
  return Object.fromEntries(keys.map((k) => [k, undefined]));
}

/** One version of a service: a supervisor daemon running `replicas` instances (type `pulumi-nodejs:dynamic/local:InstanceSet`). */
export class InstanceSet extends LocalResource {
  declare readonly version: pulumi.Output<string>;
  declare readonly supervisorPid: pulumi.Output<number>;
  declare readonly instances: pulumi.Output<InstanceInfo[]>;
  declare readonly ports: pulumi.Output<number[]>;
  declare readonly logDir: pulumi.Output<string>;
  declare readonly status: pulumi.Output<LiveStatus>;

  constructor(name: string, args: InputsOf<InstanceSetInputs>, opts?: pulumi.CustomResourceOptions) {
    const outs = ["dirName", "logDir", "supervisorPid", "instances", "ports", "status", "readyPids"];
    super(
      "InstanceSet",
      "instanceSetImpl",
      name,
      { ...unset(outs), ...args },
      withSecrets(opts, ["secretEnv"]),
    );
  }
}

/** The traffic proxy of a service (type `pulumi-nodejs:dynamic/local:Proxy`); its admin token is a secret output. */
export class LocalProxy extends LocalResource {
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
    super("Proxy", "proxyImpl", name, { ...unset(outs), ...args }, withSecrets(opts, ["adminToken"]));
  }
}

/** Instances of one service replaced in batches (type `pulumi-nodejs:dynamic/local:RollingSet`). */
export class RollingSet extends LocalResource {
  declare readonly version: pulumi.Output<string>;
  declare readonly units: pulumi.Output<UnitInfo[]>;
  declare readonly ports: pulumi.Output<number[]>;
  declare readonly logDir: pulumi.Output<string>;
  declare readonly status: pulumi.Output<LiveStatus>;

  constructor(name: string, args: InputsOf<RollingSetInputs>, opts?: pulumi.CustomResourceOptions) {
    const outs = ["setId", "nextUnit", "units", "ports", "logDir", "status", "readyPids"];
    super(
      "RollingSet",
      "rollingSetImpl",
      name,
      { ...unset(outs), ...args },
      withSecrets(opts, ["secretEnv"]),
    );
  }
}

/** One flag of a flagd flag file (type `pulumi-nodejs:dynamic/local:FlagFile`), written atomically. */
export class FlagFile extends LocalResource {
  declare readonly path: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly flag: pulumi.Output<FlagFileInputs["flag"]>;

  constructor(name: string, args: InputsOf<FlagFileInputs>, opts?: pulumi.CustomResourceOptions) {
    super("FlagFile", "flagFileImpl", name, args, opts);
  }
}

function withSecrets(
  opts: pulumi.CustomResourceOptions | undefined,
  keys: string[],
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...keys] };
}
