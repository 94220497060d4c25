// Kubernetes blue-green: the active Service selects one colour's pods by a label, so the selector
// is the router. There is no split: the reading is a colour, with weight 0.
import type { RouterDescriptor } from "../../../components/core/contract";
import type { Color } from "../../../components/core/traffic";
import { writeAndVerify } from "../brake";
import { type Deadline, type RouterControl, type RouterControlOptions, unverified } from "../types";
import { type KubeApis, kubeCall, kubeContext, kubePatch, ref } from "./client";

type SelectorDescriptor = Extract<RouterDescriptor, { kind: "kubernetes-service-selector" }>;

/** The colour a Service's selector picks, or why it picks none. */
export function selectedColor(
  selector: Readonly<Record<string, string>> | undefined,
  colorLabel: string,
): { readonly color: Color } | { readonly reason: string } {
  const value = selector?.[colorLabel];
  if (value === "blue" || value === "green") return { color: value };
  return {
    reason: `spec.selector[${JSON.stringify(colorLabel)}] is ${JSON.stringify(value ?? null)}, not "blue" or "green"`,
  };
}

/** Control of a blue-green Service that switches colours by its selector. */
export function serviceSelectorControl(d: SelectorDescriptor, o: RouterControlOptions = {}): RouterControl {
  const kube = kubeContext(o);
  const name = `Service ${ref(d.namespace, d.service)}`;
  const readSelector = async (apis: KubeApis, dl: Deadline, what: string) =>
    (
      await kubeCall(apis, dl, what, (opts) =>
        apis.core.readNamespacedService({ name: d.service, namespace: d.namespace }, opts),
      )
    ).spec?.selector;

  return {
    kind: "kubernetes-service-selector",

    read(_expect, signal) {
      return kube.read(signal, async (apis, dl) => {
        const c = selectedColor(await readSelector(apis, dl, `read ${name}`), d.colorLabel);
        if ("reason" in c) return unverified(`${name}: ${c.reason}`);
        return {
          verified: true,
          candidateWeight: 0,
          activeColor: c.color,
          detail: `${name} selects ${d.colorLabel}=${c.color}`,
        };
      });
    },

    sendAllToStable(target, _candidateVersion, signal) {
      // The stable version runs on the active colour of the target state (TrafficState's default: blue).
      const color: Color = target.activeColor ?? "blue";
      return kube.brake(signal, (apis, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            await kubePatch(apis, dl, `patch ${name}`, (opts) =>
              apis.core.patchNamespacedService(
                {
                  name: d.service,
                  namespace: d.namespace,
                  body: { spec: { selector: { [d.colorLabel]: color } } },
                },
                opts,
              ),
            );
            return undefined;
          },
          read: async () => selectedColor(await readSelector(apis, dl, `read ${name} back`), d.colorLabel),
          wrong: (c) =>
            "reason" in c
              ? `${name} read back: ${c.reason}`
              : c.color === color
                ? undefined
                : `${name} read back selects ${d.colorLabel}=${c.color}, not ${color}`,
        }),
      );
    },
  };
}
