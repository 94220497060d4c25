// FeatureFlag on the local platform: one flag of a flagd flag file that applications read with the
// OpenFeature SDK and the flagd provider in in-process mode (`offlineFlagSourcePath`). The rollout
// percentage is the flag's traffic state (`progressive:traffic.<name>`), stepped by the release
// driver like a canary's weight; the file is written atomically by a small dynamic resource.

import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  FEATURE_FLAG_ARG_NAMES,
  type FeatureFlagArgs,
  FeatureFlagComponent,
  type FlagdFlag,
  flagdFlag,
  resolveFeatureFlag,
} from "../core";
import { FlagFile } from "./providers/resources";
import { serviceKey } from "./workload";

/** File name of the default flag file in the stack's local state folder. */
export const DEFAULT_FLAG_FILE = "flags.flagd.json";

/** Arguments of the local {@link FeatureFlag}. */
export interface LocalFeatureFlagArgs extends FeatureFlagArgs {
  /**
   * The flag file (shared by every flag that names it); a relative path is taken from the
   * program's working directory.
   * @default `<stateDir>/<project>/<stack>/flags.flagd.json`
   */
  readonly path?: string;
  /** State folder, as for the local services. @default $PROGRESSIVE_LOCAL_DIR, else ~/.local/state/pulumi-progressive-delivery */
  readonly stateDir?: string;
}

/** Every argument name of {@link LocalFeatureFlagArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...FEATURE_FLAG_ARG_NAMES,
  path: true,
  stateDir: true,
} as const satisfies ArgNames<LocalFeatureFlagArgs>;

/** A feature flag released like a canary, in a flagd flag file on this machine. */
export class FeatureFlag extends FeatureFlagComponent {
  /** Absolute path of the flag file. */
  readonly path: pulumi.Output<string>;
  /** The flag's key. */
  readonly key: pulumi.Output<string>;
  /** The flag as written, in flagd's format. */
  readonly flag: pulumi.Output<FlagdFlag>;

  constructor(name: string, args: LocalFeatureFlagArgs, opts?: pulumi.ComponentResourceOptions) {
    const scope = serviceKey(name, {
      command: [],
      ...(args.stateDir ? { stateDir: args.stateDir } : {}),
    }).scope;
    const file = path.resolve(args.path ?? path.join(scope, DEFAULT_FLAG_FILE));
    const resolved = resolveFeatureFlag(
      `FeatureFlag "${name}"`,
      name,
      args,
      "local",
      file,
      undefined,
      ARG_NAMES,
    );
    super("progressive:local:FeatureFlag", name, resolved, opts);

    const traffic = resolved.release.traffic;
    const flag = flagdFlag(resolved.spec, traffic);
    const store = new FlagFile(
      `${name}-flag`,
      { path: file, key: resolved.spec.key, flag },
      { parent: this },
    );

    this.path = pulumi.output(file);
    this.key = pulumi.output(resolved.spec.key);
    this.flag = store.flag;
    this.registerFlag({
      endpoint: `file://${file}`,
      router: store.id.apply(() => ({ kind: "flag-file" as const, path: file, flag: resolved.spec.key })),
      trafficResources: [store],
      outputs: { path: this.path, key: this.key, flag: this.flag },
    });
  }
}
