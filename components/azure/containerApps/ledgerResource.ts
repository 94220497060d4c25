// The revision ledger as a dynamic resource (type `pulumi-nodejs:dynamic/azure:RevisionLedger`):
// its state is the memory of which revision each version runs on. Pulumi serializes the provider
// object into state and runs it in its own process, so the provider captures nothing: each method
// loads ledger.ts by an absolute path computed when this module loads (registering tsx first when
// that is a TypeScript source, as the local platform's providers do).

import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { LedgerInputs, LedgerState } from "./ledger";

const EXT = path.extname(__filename);
const IMPL = path.join(__dirname, `ledger${EXT}`);
/** Resolved now, in the program, so the provider process finds the same tsx; undefined from dist. */
const TSX_CJS: string | undefined = EXT === ".ts" ? require.resolve("tsx/cjs") : undefined;

type LedgerModule = typeof import("./ledger");
type Outputs = LedgerInputs & LedgerState;

function load(): LedgerModule {
  if (TSX_CJS !== undefined) require(TSX_CJS);
  return require(IMPL) as LedgerModule;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const provider: pulumi.dynamic.ResourceProvider<LedgerInputs, Outputs> = {
  async create(inputs) {
    const state = load().nextLedger(undefined, inputs);
    return { id: "ledger", outs: { ...inputs, ...state } };
  },
  async diff(_id, olds, news) {
    const changes = !same(olds.versions, news.versions) || !same(olds.names, news.names);
    return { changes, deleteBeforeReplace: false };
  },
  async update(_id, olds, news) {
    const previous: LedgerState = { templateVersion: olds.templateVersion, revisions: olds.revisions };
    return { outs: { ...news, ...load().nextLedger(previous, news) } };
  },
};

/** Pulumi inputs of a ledger. */
export type LedgerArgs = { readonly [K in keyof LedgerInputs]: pulumi.Input<LedgerInputs[K]> };

/** Remembers the revision of each version of one Container App across deploys. */
export class RevisionLedger extends pulumi.dynamic.Resource {
  declare readonly templateVersion: pulumi.Output<string>;
  declare readonly revisions: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: LedgerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { templateVersion: undefined, revisions: undefined, ...args },
      opts,
      "azure",
      "RevisionLedger",
    );
  }
}

/** Type token of {@link RevisionLedger}. */
export const REVISION_LEDGER_TYPE = "pulumi-nodejs:dynamic/azure:RevisionLedger";
