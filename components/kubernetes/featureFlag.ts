// FeatureFlag on Kubernetes: one flag in flagd's format in a ConfigMap, for a flagd sidecar
// (`flagd start --uri core.openfeature.dev/...` or a file sync on the mounted ConfigMap) or for the
// flagd provider in in-process mode reading the mounted file. The rollout percentage is the flag's
// traffic state, stepped by the release driver like a canary's weight.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  FEATURE_FLAG_ARG_NAMES,
  type FeatureFlagArgs,
  FeatureFlagComponent,
  type FlagdFlag,
  flagdDocument,
  flagdFlag,
  flagdText,
  resolveFeatureFlag,
} from "../core";

/** Data key of the flagd document in the ConfigMap. */
export const FLAG_CONFIGMAP_KEY = "flags.flagd.json";

/** Arguments of the Kubernetes {@link FeatureFlag}. */
export interface KubernetesFeatureFlagArgs extends FeatureFlagArgs {
  /** Namespace of the ConfigMap. @default the provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** Name of the ConfigMap. @default `<name>-flag` */
  readonly configMapName?: string;
  /** Extra labels of the ConfigMap. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Every argument name of {@link KubernetesFeatureFlagArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...FEATURE_FLAG_ARG_NAMES,
  namespace: true,
  configMapName: true,
  labels: true,
} as const satisfies ArgNames<KubernetesFeatureFlagArgs>;

/** A feature flag released like a canary, in a ConfigMap in flagd's format. */
export class FeatureFlag extends FeatureFlagComponent {
  /** The ConfigMap holding the flag. */
  readonly configMap: k8s.core.v1.ConfigMap;
  /** The flag as written, in flagd's format. */
  readonly flag: pulumi.Output<FlagdFlag>;

  constructor(name: string, args: KubernetesFeatureFlagArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveFeatureFlag(
      `FeatureFlag "${name}"`,
      name,
      args,
      "kubernetes",
      args.namespace,
      undefined,
      ARG_NAMES,
    );
    super("progressive:kubernetes:FeatureFlag", name, resolved, opts);
    const traffic = resolved.release.traffic;
    const flag = flagdFlag(resolved.spec, traffic);
    const configMapName = args.configMapName ?? `${name}-flag`;
    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-flag`,
      {
        metadata: {
          name: configMapName,
          ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
          labels: {
            ...args.labels,
            "app.kubernetes.io/managed-by": "pulumi-progressive-delivery",
            "progressive.dev/flag": resolved.spec.key,
          },
        },
        data: { [FLAG_CONFIGMAP_KEY]: flagdText(flagdDocument({ [resolved.spec.key]: flag })) },
      },
      { parent: this },
    );
    this.flag = pulumi.output<unknown>(flag) as pulumi.Output<FlagdFlag>;
    const meta = this.configMap.metadata;
    this.registerFlag({
      endpoint: pulumi.interpolate`configmap://${meta.namespace}/${meta.name}/${FLAG_CONFIGMAP_KEY}`,
      router: pulumi.all([meta.namespace, meta.name]).apply(([namespace, cmName]) => ({
        kind: "kubernetes-flag-configmap" as const,
        namespace: namespace ?? "default",
        name: cmName ?? configMapName,
        key: FLAG_CONFIGMAP_KEY,
        flag: resolved.spec.key,
      })),
      trafficResources: [this.configMap],
      outputs: { flag: this.flag, configMap: meta.name },
    });
  }
}
