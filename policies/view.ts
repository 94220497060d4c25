// Builds the DeploymentView from a stack's resources. Services come from the progressive
// components: during preview and up, a stack policy sees a component's registered outputs
// (strategy, stableVersion, candidateVersion, activeColor), while a resource policy sees only its
// inputs, which our components leave empty. Workloads and exposures come from the platform
// mappers and belong to the nearest progressive component above them; a workload with none is a
// service of its own.

import type { CanaryStep, StrategyKind } from "../components/core";
import type {
  DeploymentView,
  EnvironmentInfo,
  Exposure,
  FlagView,
  ServiceView,
  StrategyView,
  Workload,
} from "./model";
import { PLATFORMS, type PlatformMapper } from "./platforms";
import { flagOf } from "./platforms/flags";
import { at, bool, list, num, type ResourceLike, str } from "./platforms/read";

/** A resource of the stack, with its parent (as the policy SDK's PolicyResource has it). */
export interface StackResource extends ResourceLike {
  readonly parent?: { readonly urn: string };
}

/** Type tokens of the progressive components: `progressive:<platform>:<Kind>Service`. */
const COMPONENT_TYPE = /^progressive:([A-Za-z0-9_-]+):[A-Za-z0-9]+Service$/;

function step(raw: unknown): CanaryStep | undefined {
  const kind = str(at(raw, "kind"));
  if (kind === "setWeight") {
    const weight = num(at(raw, "weight"));
    return weight === undefined ? undefined : { kind, weight };
  }
  if (kind === "pause") {
    const durationSeconds = num(at(raw, "durationSeconds"));
    return durationSeconds === undefined ? { kind } : { kind, durationSeconds };
  }
  if (kind === "analysis") {
    return { kind, checks: list(at(raw, "checks")).flatMap((c) => str(c) ?? []) };
  }
  return undefined;
}

/** The strategy a component recorded in its `strategy` output (core's resolved shape). */
export function parseStrategy(raw: unknown): StrategyView | undefined {
  const kind = str(at(raw, "kind"));
  switch (kind) {
    case "canary": {
      const steps = list(at(raw, "steps")).map(step);
      const known = steps.every((s) => s !== undefined);
      return known && steps.length > 0 ? { kind, steps: steps as CanaryStep[] } : { kind };
    }
    case "blueGreen": {
      const checks = at(raw, "prePromotionChecks");
      const delay = num(at(raw, "scaleDownDelaySeconds"));
      const autoPromote = bool(at(raw, "autoPromote"));
      return {
        kind,
        ...(Array.isArray(checks) ? { prePromotionChecks: list(checks).length } : {}),
        ...(delay !== undefined ? { scaleDownDelaySeconds: delay } : {}),
        ...(autoPromote !== undefined ? { autoPromote } : {}),
      };
    }
    case "rolling": {
      const maxUnavailable = at(raw, "maxUnavailable");
      const maxSurge = at(raw, "maxSurge");
      return {
        kind,
        ...(typeof maxUnavailable === "number" || typeof maxUnavailable === "string"
          ? { maxUnavailable: maxUnavailable as `${number}%` | number }
          : {}),
        ...(typeof maxSurge === "number" || typeof maxSurge === "string"
          ? { maxSurge: maxSurge as `${number}%` | number }
          : {}),
      };
    }
    case "recreate":
      return { kind };
    default:
      return undefined;
  }
}

function componentService(r: StackResource, platform: string): ServiceView {
  // The release contract's `release` output (components/core/contract.ts); older components
  // registered the same fields at the top level.
  const pick = (...path: string[]) =>
    at(r.props, "release", ...path) ?? at(r.props, path[path.length - 1] as string);
  const stableVersion = str(pick("traffic", "stableVersion"));
  const candidateVersion = str(pick("traffic", "candidateVersion"));
  const activeColor = str(pick("traffic", "activeColor"));
  // A rolling service walked as traffic steps (Cloud Run, Container Apps, Container Instances)
  // registers those steps (a canary strategy) under `release.strategy` for the driver; the rules
  // judge its own kind and options (`rollingStrategy`).
  const planned = parseStrategy(pick("strategy"));
  const walked = str(pick("kind"));
  const strategy =
    (walked === "rolling" || walked === "recreate") && planned?.kind === "canary"
      ? (parseStrategy(at(r.props, "rollingStrategy")) ?? { kind: walked })
      : planned;
  return {
    platform,
    type: r.type,
    name: r.name,
    urn: r.urn,
    component: true,
    ...(strategy ? { strategy } : {}),
    ...(stableVersion !== undefined ? { stableVersion } : {}),
    ...(candidateVersion !== undefined ? { candidateVersion } : {}),
    ...(activeColor !== undefined ? { activeColor } : {}),
    workloads: [],
    exposures: [],
  };
}

function workloadStrategy(w: Workload): StrategyView | undefined {
  if (w.strategy) return { kind: w.strategy } as StrategyView;
  if (w.update?.kind === "recreate") return { kind: "recreate" };
  if (w.update?.kind === "rolling") {
    const { maxUnavailable, maxSurge } = w.update;
    return {
      kind: "rolling",
      ...(maxUnavailable !== undefined ? { maxUnavailable } : {}),
      ...(maxSurge !== undefined ? { maxSurge } : {}),
    };
  }
  return undefined;
}

function standaloneService(w: Workload): ServiceView {
  const strategy = workloadStrategy(w);
  return {
    platform: w.platform,
    type: w.type,
    name: w.name,
    urn: w.urn,
    component: false,
    ...(strategy ? { strategy } : {}),
    ...(w.version !== undefined ? { stableVersion: w.version } : {}),
    workloads: [{ ...w, service: w.name }],
    exposures: [],
  };
}

/** Builds the view of a stack; `platforms` defaults to every known platform. */
export function buildView(
  resources: readonly StackResource[],
  environment: EnvironmentInfo,
  platforms: readonly PlatformMapper[] = PLATFORMS,
): DeploymentView {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  type Collecting = ServiceView & { workloads: Workload[]; exposures: Exposure[] };
  const services = new Map<string, Collecting>();
  for (const r of resources) {
    const match = COMPONENT_TYPE.exec(r.type);
    if (match) services.set(r.urn, componentService(r, match[1] as string) as Collecting);
  }
  const owner = (r: StackResource) => {
    let urn = r.parent?.urn;
    for (let depth = 0; urn !== undefined && depth < 100; depth++) {
      const service = services.get(urn);
      if (service) return service;
      urn = byUrn.get(urn)?.parent?.urn;
    }
    return undefined;
  };

  const standalone: ServiceView[] = [];
  const exposures: Exposure[] = [];
  for (const r of resources) {
    for (const mapper of platforms) {
      const workload = mapper.workload(r);
      const exposure = mapper.exposure(r);
      if (!workload && !exposure) continue;
      const service = owner(r);
      if (workload && service) service.workloads.push({ ...workload, service: service.name });
      else if (workload) standalone.push(standaloneService(workload));
      if (exposure) {
        const attached = service ? { ...exposure, service: service.name } : exposure;
        service?.exposures.push(attached);
        exposures.push(attached);
      }
      break;
    }
  }
  // A component without a `strategy` output still records the kind on its workloads.
  const components = [...services.values()].map((s) => {
    const kind = s.workloads.find((w) => w.strategy)?.strategy as StrategyKind | undefined;
    return s.strategy || !kind ? s : { ...s, strategy: { kind } as StrategyView };
  });
  const all = [...components, ...standalone];
  const flags: FlagView[] = resources.flatMap((r) => flagOf(r, parseStrategy) ?? []);
  return {
    environment,
    services: all,
    workloads: all.flatMap((s) => s.workloads),
    exposures,
    flags,
  };
}

/** The workloads that serve traffic: canary's stable slot, blue-green's active colour, else all. */
export function servingWorkloads(service: ServiceView): readonly Workload[] {
  const kind = service.strategy?.kind;
  const role =
    kind === "canary"
      ? "stable"
      : kind === "blueGreen" && service.component
        ? service.activeColor
        : undefined;
  if (role === undefined) return service.workloads;
  const serving = service.workloads.filter((w) => w.role === role);
  return serving.length > 0 ? serving : service.workloads;
}
