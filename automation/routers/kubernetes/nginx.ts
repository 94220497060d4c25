// ingress-nginx canaries: a second Ingress marked `canary: "true"` whose `canary-weight` (out of
// `canary-weight-total`, default 100) is the share sent to the canary Service. The annotations are
// what the controller applies, so they are read back; header and cookie rules are noted because
// they also send requests to the canary whatever the weight.
import type { RouterDescriptor } from "../../../components/core/contract";
import { writeAndVerify } from "../brake";
import { type Deadline, type RouterControl, type RouterControlOptions, unverified } from "../types";
import { type KubeApis, kubeCall, kubeContext, kubePatch, ref } from "./client";

const PREFIX = "nginx.ingress.kubernetes.io/";
/** Marks an Ingress as a canary of the Ingress with the same host and path. */
export const NGINX_CANARY = `${PREFIX}canary`;
/** The canary's weight, an integer out of {@link NGINX_CANARY_WEIGHT_TOTAL}. @default 0 */
export const NGINX_CANARY_WEIGHT = `${PREFIX}canary-weight`;
/** What the weight is out of. @default 100 */
export const NGINX_CANARY_WEIGHT_TOTAL = `${PREFIX}canary-weight-total`;
/** Annotations that send matching requests to the canary whatever the weight. */
export const NGINX_CANARY_BY_REQUEST = [
  `${PREFIX}canary-by-header`,
  `${PREFIX}canary-by-header-value`,
  `${PREFIX}canary-by-header-pattern`,
  `${PREFIX}canary-by-cookie`,
] as const;

/** The canary's share read from the canary Ingress's annotations, or why it cannot be told. */
export type NginxWeight =
  | { readonly weight: number; readonly byRequest: readonly string[]; readonly detail: string }
  | { readonly reason: string };

/** Reads the canary's share (0-100) from a canary Ingress's annotations, with ingress-nginx's defaults. */
export function nginxCanaryWeight(annotations: Readonly<Record<string, string>> | undefined): NginxWeight {
  const a = annotations ?? {};
  if (a[NGINX_CANARY] !== "true") {
    return {
      reason: `annotation ${NGINX_CANARY} is ${JSON.stringify(a[NGINX_CANARY] ?? null)}, not "true", so ingress-nginx does not treat the Ingress as a canary`,
    };
  }
  const weightText = a[NGINX_CANARY_WEIGHT] ?? "0";
  const totalText = a[NGINX_CANARY_WEIGHT_TOTAL] ?? "100";
  if (!/^\d+$/.test(weightText)) {
    return {
      reason: `annotation ${NGINX_CANARY_WEIGHT} is ${JSON.stringify(weightText)}, not a whole number`,
    };
  }
  if (!/^\d+$/.test(totalText) || Number(totalText) === 0) {
    return {
      reason: `annotation ${NGINX_CANARY_WEIGHT_TOTAL} is ${JSON.stringify(totalText)}, not a positive whole number`,
    };
  }
  const weight = Number(weightText);
  const total = Number(totalText);
  if (weight > total) {
    return {
      reason: `annotation ${NGINX_CANARY_WEIGHT} (${weight}) is above ${NGINX_CANARY_WEIGHT_TOTAL} (${total})`,
    };
  }
  const byRequest = NGINX_CANARY_BY_REQUEST.filter((k) => a[k] !== undefined).map(
    (k) => `${k.slice(PREFIX.length)}=${a[k]}`,
  );
  const of = a[NGINX_CANARY_WEIGHT_TOTAL] === undefined ? "" : `/${total}`;
  const also = byRequest.length > 0 ? `; also by request: ${byRequest.join(", ")}` : "";
  return {
    weight: Math.round((100 * weight) / total),
    byRequest,
    detail: `canary-weight=${weight}${of}${also}`,
  };
}

type NginxDescriptor = Extract<RouterDescriptor, { kind: "kubernetes-nginx" }>;

/** Control of an ingress-nginx canary Ingress pair. */
export function nginxControl(d: NginxDescriptor, o: RouterControlOptions = {}): RouterControl {
  const kube = kubeContext(o);
  const canaryName = `Ingress ${ref(d.namespace, d.canaryIngress)}`;
  const readCanary = (apis: KubeApis, dl: Deadline, what = `read ${canaryName}`) =>
    kubeCall(apis, dl, what, (opts) =>
      apis.networking.readNamespacedIngress({ name: d.canaryIngress, namespace: d.namespace }, opts),
    );

  return {
    kind: "kubernetes-nginx",

    read(_expect, signal) {
      return kube.read(signal, async (apis, dl) => {
        // The stable Ingress must exist too: without it the canary has nothing to split.
        await kubeCall(apis, dl, `read Ingress ${ref(d.namespace, d.ingress)}`, (opts) =>
          apis.networking.readNamespacedIngress({ name: d.ingress, namespace: d.namespace }, opts),
        );
        const canary = await readCanary(apis, dl);
        const w = nginxCanaryWeight(canary.metadata?.annotations);
        if ("reason" in w) return unverified(`${canaryName}: ${w.reason}`);
        return { verified: true, candidateWeight: w.weight, detail: `${canaryName} ${w.detail}` };
      });
    },

    sendAllToStable(_target, _candidateVersion, signal) {
      return kube.brake(signal, (apis, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            // null deletes a key in a merge patch, and deleting an absent key is not an error.
            const annotations: Record<string, string | null> = { [NGINX_CANARY_WEIGHT]: "0" };
            for (const k of NGINX_CANARY_BY_REQUEST) annotations[k] = null;
            await kubePatch(apis, dl, `patch ${canaryName}`, (opts) =>
              apis.networking.patchNamespacedIngress(
                { name: d.canaryIngress, namespace: d.namespace, body: { metadata: { annotations } } },
                opts,
              ),
            );
            return undefined;
          },
          read: async () =>
            nginxCanaryWeight((await readCanary(apis, dl, `read ${canaryName} back`)).metadata?.annotations),
          wrong: (w) =>
            "reason" in w
              ? `${canaryName} read back: ${w.reason}`
              : w.weight !== 0 || w.byRequest.length > 0
                ? `${canaryName} read back still sends traffic to the canary: ${w.detail}`
                : undefined,
        }),
      );
    },
  };
}
