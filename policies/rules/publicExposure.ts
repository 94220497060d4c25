// public-exposure: a service is reachable from outside (a LoadBalancer or NodePort Service, an
// Ingress, an HTTPRoute, a public URL) only when the pack's config allows that service. Internal
// load balancers, and ingress classes or gateways configured as internal, do not count.

import type { Exposure, ExposureKind, Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";

/** Config of {@link publicExposure}. */
export interface PublicExposureConfig {
  /** Services (component names, or resource names for objects outside a component) that may be public. @default [] */
  readonly allowedServices: readonly string[];
  /** Ingress classes that serve only a private network. @default [] */
  readonly internalIngressClasses: readonly string[];
  /** Gateways ("name" or "namespace/name") that serve only a private network. @default [] */
  readonly internalGateways: readonly string[];
}

const LABEL: Record<ExposureKind, string> = {
  "load-balancer": "LoadBalancer Service",
  "node-port": "NodePort Service",
  ingress: "Ingress",
  "http-route": "HTTPRoute",
  "public-url": "public URL",
};

function isInternal(exposure: Exposure, config: PublicExposureConfig): boolean {
  if (!exposure.public) return true;
  const internal = exposure.kind === "ingress" ? config.internalIngressClasses : config.internalGateways;
  if (exposure.kind !== "ingress" && exposure.kind !== "http-route") return false;
  return exposure.via.length > 0 && exposure.via.every((v) => internal.includes(v));
}

/** Refuses public exposure of services the config does not allow. */
export function publicExposure(options: RuleOptions<PublicExposureConfig> = {}) {
  return defineRule<PublicExposureConfig>(
    {
      name: "public-exposure",
      description:
        "LoadBalancer and NodePort Services, public Ingresses and HTTPRoutes exist only for services the pack's config allows.",
      enforcementLevel: "mandatory",
      environments: ["*"],
      defaults: { allowedServices: [], internalIngressClasses: [], internalGateways: [] },
      schema: {
        allowedServices: {
          type: "array",
          items: { type: "string" },
          description: "Services (component or resource names) that may be public.",
        },
        internalIngressClasses: {
          type: "array",
          items: { type: "string" },
          description: "Ingress classes that serve only a private network.",
        },
        internalGateways: {
          type: "array",
          items: { type: "string" },
          description: 'Gateways ("name" or "namespace/name") that serve only a private network.',
        },
      },
      check(view, config) {
        const out: Violation[] = [];
        for (const exposure of view.exposures) {
          if (isInternal(exposure, config)) continue;
          const service = exposure.service ?? exposure.name;
          if (config.allowedServices.includes(service) || config.allowedServices.includes(exposure.name))
            continue;
          const hosts = exposure.hosts.length > 0 ? ` (${exposure.hosts.join(", ")})` : "";
          out.push({
            message: `Make the ${LABEL[exposure.kind]} ${quote(exposure.name)}${hosts} internal, or allow service ${quote(service)} in public-exposure's allowedServices: it exposes ${quote(service)} publicly.`,
            urn: exposure.urn,
          });
        }
        return out;
      },
    },
    options,
  );
}
