// FeatureFlag on Google Cloud. Google Cloud has no managed server-side feature-flag store (Firebase
// Remote Config targets apps and has no per-user sticky percentage for server SDKs), so the flag is
// a flagd flag file in Cloud Storage: flagd reads it with `flagd start --uri gs://<bucket>/<object>`
// (as a Cloud Run sidecar or beside the service) and applications ask flagd through OpenFeature,
// exactly as with the local file. The release driver steps the percentage like a canary's weight.

import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  FEATURE_FLAG_ARG_NAMES,
  type FeatureFlagArgs,
  FeatureFlagComponent,
  flagdDocument,
  flagdFlag,
  flagdText,
  resolveFeatureFlag,
} from "../core";

/** Arguments of the Google Cloud {@link FeatureFlag}. */
export interface GcpFeatureFlagArgs extends FeatureFlagArgs {
  /** Bucket of the flag file. */
  readonly bucket: pulumi.Input<string>;
  /** Object name of the flag file. @default `flags/<key>.flagd.json` */
  readonly objectName?: string;
}

/** Every argument name of {@link GcpFeatureFlagArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...FEATURE_FLAG_ARG_NAMES,
  bucket: true,
  objectName: true,
} as const satisfies ArgNames<GcpFeatureFlagArgs>;

/** A feature flag released like a canary, in a flagd file in Cloud Storage. */
export class FeatureFlag extends FeatureFlagComponent {
  readonly object: gcp.storage.BucketObject;
  /** `gs://<bucket>/<object>`, what flagd's `--uri` takes. */
  readonly uri: pulumi.Output<string>;

  constructor(name: string, args: GcpFeatureFlagArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveFeatureFlag(
      `FeatureFlag "${name}"`,
      name,
      args,
      "gcp",
      args.bucket,
      undefined,
      ARG_NAMES,
    );
    super("progressive:gcp:FeatureFlag", name, resolved, opts);
    const traffic = resolved.release.traffic;
    const objectName = args.objectName ?? `flags/${resolved.spec.key}.flagd.json`;
    this.object = new gcp.storage.BucketObject(
      `${name}-flag`,
      {
        bucket: args.bucket,
        name: objectName,
        content: flagdText(flagdDocument({ [resolved.spec.key]: flagdFlag(resolved.spec, traffic) })),
        contentType: "application/json",
        // flagd polls the object; a cached copy would delay a kill switch.
        cacheControl: "no-store",
      },
      { parent: this },
    );
    this.uri = pulumi.interpolate`gs://${args.bucket}/${objectName}`;
    this.registerFlag({
      endpoint: this.uri,
      router: pulumi.output(args.bucket).apply((bucket) => ({
        kind: "gcs-flag-file" as const,
        bucket,
        object: objectName,
        flag: resolved.spec.key,
      })),
      trafficResources: [this.object],
      outputs: { uri: this.uri },
    });
  }
}
