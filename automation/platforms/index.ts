// The platform registry: the one place that lists the platforms. The driver, CLI and history ask it
// for a router control by descriptor kind, for a service's release mode, and for the work before a
// take-over, and never name a platform themselves (the import rules in .dependency-cruiser.cjs
// keep it so). A new platform is one module under this folder, added to PLATFORMS.
import type {
  MetricsDescriptor,
  MetricsKind,
  ReleaseSecrets,
  RouterDescriptor,
  RouterKind,
} from "../../components/core/contract";
import type { TrafficState } from "../../components/core/traffic";
import type { ReleasePlan } from "../driver/plan";
import type { DriverOptions, ReleaseMode, ReleaseModeHost, ReleaseTarget } from "../driver/types";
import type { BuiltinFactory, BuiltinSource, BuiltinUnavailable } from "../metrics/builtin-types";
import { createProvider, type ProviderSpec } from "../metrics/registry";
import { configureCommand, type MetricsSettings } from "../metrics/settings";
import { MetricConfigError, type MetricProvider } from "../metrics/types";
import { nopControl, unknownControl } from "../routers/nop";
import type { RouterControl, RouterControlOptions } from "../routers/types";
import { aws } from "./aws";
import { azure } from "./azure";
import { flags } from "./flags";
import { gcp } from "./gcp";
import { kubernetes } from "./kubernetes";
import { local } from "./local";
import type { PlatformModule, RouterFactory, TakeOverContext } from "./types";

export type { PlatformModule, RouterFactories, RouterFactory, StateResource, TakeOverContext } from "./types";

/** Every platform the driver knows. */
export const PLATFORMS: readonly PlatformModule[] = [local, kubernetes, aws, azure, gcp, flags];

/** Each router kind's factory, from the platform that registers it (a kind registered twice is a bug). */
const ROUTERS = new Map<string, RouterFactory<RouterKind>>();
for (const platform of PLATFORMS) {
  for (const [kind, factory] of Object.entries(platform.routers)) {
    if (ROUTERS.has(kind)) throw new Error(`router kind ${kind} is registered by two platforms`);
    ROUTERS.set(kind, factory as RouterFactory<RouterKind>);
  }
}

/** Each metrics kind's builtin source, from the platform that registers it. */
const BUILTINS = new Map<string, BuiltinFactory<MetricsKind>>();
for (const platform of PLATFORMS) {
  for (const [kind, factory] of Object.entries(platform.builtinMetrics ?? {})) {
    if (BUILTINS.has(kind)) throw new Error(`metrics kind ${kind} is registered by two platforms`);
    BUILTINS.set(kind, factory as BuiltinFactory<MetricsKind>);
  }
}

/**
 * The control of the router `descriptor` describes. `secrets` are the service's release secrets
 * (the local proxy's token is `adminToken`); `options` say where the Kubernetes API is and how long
 * to wait. A kind this driver does not know gives a control that reads "unverified" and never throws.
 */
export function routerControl(
  descriptor: RouterDescriptor,
  secrets: ReleaseSecrets,
  options: RouterControlOptions = {},
): RouterControl {
  // The descriptor comes from stack state: never trust its shape more than the compiler does.
  if (typeof descriptor !== "object" || descriptor === null) return unknownControl(undefined);
  if (descriptor.kind === "none") return nopControl();
  const factory = ROUTERS.get(descriptor.kind);
  return factory ? factory(descriptor, secrets, options) : unknownControl(descriptor.kind);
}

/** The platform's release mode for this service, or undefined when the stepwise driver runs it. */
export function releaseModeOf(
  target: ReleaseTarget,
  plan: ReleasePlan,
  options: DriverOptions,
  host: ReleaseModeHost,
): ReleaseMode | undefined {
  for (const platform of PLATFORMS) {
    const mode = platform.releaseMode?.(target, plan, options, host);
    if (mode) return mode;
  }
  return undefined;
}

/** Who moves the traffic of a service whose platform does, e.g. `ECS (canary)`; undefined: the driver. */
export function managedBy(router: RouterDescriptor): string | undefined {
  for (const platform of PLATFORMS) {
    const who = platform.managedBy?.(router);
    if (who) return who;
  }
  return undefined;
}

/** Runs the service's platform's work before a take-over; returns its warnings. */
export async function beforeTakeOver(platform: string, context: TakeOverContext): Promise<readonly string[]> {
  const module = PLATFORMS.find((p) => p.name === platform);
  return (await module?.takeOver?.(context)) ?? [];
}

/** Whether the brake of this router kind needs no credentials and no stack (see PlatformModule). */
export function brakesBeforeStackOpens(kind: RouterKind): boolean {
  return PLATFORMS.some((p) => p.brakeBeforeStackOpens?.includes(kind));
}

/** Why `builtin` cannot be measured for `descriptor` with `settings`; undefined when it can. */
export function builtinUnavailable(
  descriptor: MetricsDescriptor,
  settings: MetricsSettings,
): BuiltinUnavailable | undefined {
  if (descriptor.kind === "none")
    return {
      problem:
        'has nothing to read: the service\'s platform reports no request metrics of its own (metrics descriptor "none")',
      fix: `name a provider configured in progressive:metrics instead, e.g. after ${configureCommand("prometheus")}`,
    };
  const factory = BUILTINS.get(descriptor.kind);
  // A cloud descriptor whose builtin queries this driver does not have yet, or a newer contract.
  if (!factory)
    return {
      problem: `has no builtin queries for metrics descriptor "${(descriptor as { kind: string }).kind}" in this driver`,
      fix: "name a provider configured in progressive:metrics (cloudwatch, cloud-monitoring, azure-monitor) with explicit queries",
    };
  return factory.unavailable?.(descriptor, settings);
}

/** Whether the builtin source of `descriptor` answers slowRate (a latency histogram per version). */
export function builtinMeasuresSlowRate(descriptor: MetricsDescriptor): boolean {
  return descriptor.kind !== "none" && BUILTINS.get(descriptor.kind)?.slowRate === true;
}

/**
 * Builds the builtin source for a service, from its platform's factory. Throws MetricConfigError
 * when builtin is not available (see {@link builtinUnavailable}) or the platform cannot build it
 * (the local proxy's admin token missing from the release secrets).
 * `build` makes the provider. @default the registry's createProvider
 */
export function createBuiltinSource(
  descriptor: MetricsDescriptor,
  secrets: ReleaseSecrets,
  settings: MetricsSettings,
  build: (spec: ProviderSpec) => MetricProvider = createProvider,
  /** The deployed traffic state: which colour is live, for blue-green sources keyed by colour. @default none */
  traffic?: TrafficState,
): BuiltinSource {
  const why = builtinUnavailable(descriptor, settings);
  if (why)
    throw new MetricConfigError(
      "metric provider builtin",
      "metrics.kind",
      descriptor.kind,
      why.problem,
      why.fix,
    );
  const factory = BUILTINS.get(descriptor.kind) as BuiltinFactory<MetricsKind>; // checked by builtinUnavailable
  return factory.create(descriptor, { secrets, settings, build, ...(traffic ? { traffic } : {}) });
}
