// A flag in a Kubernetes ConfigMap (flagd's format under one data key) as a router: read it back
// from the API server; the brake rewrites the one flag to the stable variant with a merge patch
// guarded by the ConfigMap's resourceVersion, then reads it back. Pods see the change when their
// flagd (sidecar watching the ConfigMap, or the kubelet's volume sync) picks it up.
import type { RouterDescriptor } from "../../../components/core/contract";
import type { FlagdDocument } from "../../../components/core/flags";
import { writeAndVerify } from "../brake";
import { type KubeApis, kubeCall, kubeContext, kubePatch, ref } from "../kubernetes/client";
import type { Deadline, RouterControl, RouterControlOptions } from "../types";
import { allToStableFlag, flagdReading, notAllToStable } from "./reading";

type ConfigMapDescriptor = Extract<RouterDescriptor, { kind: "kubernetes-flag-configmap" }>;

/** Control of a flag in a ConfigMap. */
export function flagConfigMapControl(d: ConfigMapDescriptor, o: RouterControlOptions = {}): RouterControl {
  const kube = kubeContext(o);
  const name = `ConfigMap ${ref(d.namespace, d.name)} key ${d.key}`;
  const load = async (apis: KubeApis, dl: Deadline, what: string) => {
    const cm = await kubeCall(apis, dl, what, (opts) =>
      apis.core.readNamespacedConfigMap({ name: d.name, namespace: d.namespace }, opts),
    );
    const text = cm.data?.[d.key];
    if (text === undefined) throw new Error(`${name} is missing`);
    return { doc: JSON.parse(text) as FlagdDocument, resourceVersion: cm.metadata?.resourceVersion };
  };
  return {
    kind: "kubernetes-flag-configmap",
    read(expect, signal) {
      return kube.read(signal, async (apis, dl) => {
        const { doc } = await load(apis, dl, `read ${name}`);
        return flagdReading(doc, d.flag, expect, name);
      });
    },
    sendAllToStable(target, _candidate, signal) {
      return kube.brake(signal, (apis, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            const { doc, resourceVersion } = await load(apis, dl, `read ${name}`);
            const current = doc.flags[d.flag];
            if (!current) return `${name} has no flag ${d.flag}; the \`up\` writes it`;
            const next: FlagdDocument = {
              ...doc,
              flags: { ...doc.flags, [d.flag]: allToStableFlag(current, target.stableVersion) },
            };
            await kubePatch(apis, dl, `patch ${name}`, (opts) =>
              apis.core.patchNamespacedConfigMap(
                {
                  name: d.name,
                  namespace: d.namespace,
                  body: {
                    metadata: { ...(resourceVersion ? { resourceVersion } : {}) },
                    data: { [d.key]: `${JSON.stringify(next, null, 2)}\n` },
                  },
                },
                opts,
              ),
            );
            return undefined;
          },
          read: async () =>
            flagdReading(
              (await load(apis, dl, `read ${name} back`)).doc,
              d.flag,
              { ...target, candidateWeight: 0 },
              name,
            ),
          wrong: notAllToStable(name),
        }),
      );
    },
  };
}
