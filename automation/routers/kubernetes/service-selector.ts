// Kubernetes blue-green: the active Service selects one colour's pods by a label, so the selector
// is the router. There is no split: the reading is a colour, with weight 0.
import type { RouterDescriptor } from "../../../components/core/contract";
import type { Color } from "../../../components/core/traffic";
import {
  type BrakeResult,
  DEFAULT_ROUTER_TIMEOUT_MS,
  type Deadline,
  notApplied,
  type RouterControl,
  type RouterControlOptions,
  type RouterReading,
  unverified,
} from "../types";
import { type KubeApis, kubeCall, kubeOperation, kubeSession, MERGE_PATCH, ref } from "./client";

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
  const session = kubeSession(o);
  const timeoutMs = o.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS;
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
      return kubeOperation(
        session,
        timeoutMs,
        signal,
        unverified,
        async (apis, dl): Promise<RouterReading> => {
          const c = selectedColor(await readSelector(apis, dl, `read ${name}`), d.colorLabel);
          if ("reason" in c) return unverified(`${name}: ${c.reason}`);
          return {
            verified: true,
            candidateWeight: 0,
            activeColor: c.color,
            detail: `${name} selects ${d.colorLabel}=${c.color}`,
          };
        },
      );
    },

    sendAllToStable(target, _candidateVersion, signal) {
      // The stable version runs on the active colour of the target state (TrafficState's default: blue).
      const color: Color = target.activeColor ?? "blue";
      return kubeOperation(session, timeoutMs, signal, notApplied, async (apis, dl): Promise<BrakeResult> => {
        await kubeCall(
          apis,
          dl,
          `patch ${name}`,
          (opts) =>
            apis.core.patchNamespacedService(
              {
                name: d.service,
                namespace: d.namespace,
                body: { spec: { selector: { [d.colorLabel]: color } } },
              },
              opts,
            ),
          MERGE_PATCH,
        );
        const c = selectedColor(await readSelector(apis, dl, `read ${name} back`), d.colorLabel);
        if ("reason" in c) return notApplied(`${name} read back: ${c.reason}`);
        return c.color === color
          ? { applied: true }
          : notApplied(`${name} read back selects ${d.colorLabel}=${c.color}, not ${color}`);
      });
    },
  };
}
