// What a platform module gives the driver. The driver, CLI and history name no platform: they ask
// the registry (index.ts) for a router control by descriptor kind, for the release mode of a
// service, and for the work to do before a stopped release is taken over.
import type { ReleaseSecrets, RouterDescriptor, RouterKind } from "../../components/core/contract";
import type { ReleasePlan } from "../driver/plan";
import type { StateResource } from "../driver/stack";
import type { DriverOptions, ReleaseMode, ReleaseModeHost, ReleaseTarget } from "../driver/types";
import type { BuiltinFactories } from "../metrics/builtin-types";
import type { RouterControl, RouterControlOptions } from "../routers/types";

export type { StateResource };

/** Makes the control of one router kind from its descriptor. */
export type RouterFactory<K extends RouterKind> = (
  descriptor: Extract<RouterDescriptor, { kind: K }>,
  secrets: ReleaseSecrets,
  options: RouterControlOptions,
) => RouterControl;

/** A platform's router controls, by the descriptor kinds it registers. */
export type RouterFactories = { readonly [K in RouterKind]?: RouterFactory<K> };

/** A service of the stack about to be taken over, and a way to read the stack's state. */
export interface TakeOverContext {
  /** The component's URN and its release outputs' service name. */
  readonly service: { readonly urn: string; readonly release: { readonly service: string } };
  /** Every resource of the stack's state, read (one export) after the refresh that settled pending operations. */
  stateResources(): Promise<readonly StateResource[]>;
}

/** What a platform gives the driver. */
export interface PlatformModule {
  /** The platform, as components register it (`release.platform`), or `flags` for the flag stores. */
  readonly name: string;
  /** Its router controls by descriptor kind. */
  readonly routers: RouterFactories;
  /** Its `builtin` metrics sources, by metrics descriptor kind. @default none */
  readonly builtinMetrics?: BuiltinFactories;
  /**
   * Router kinds whose brake needs no credentials and no stack (a local file), so the flag kill
   * switch pulls it before opening the stack. @default none
   */
  readonly brakeBeforeStackOpens?: readonly RouterKind[];
  /**
   * The release mode of a service whose traffic the platform itself moves (ECS deployments):
   * undefined for a service the stepwise driver runs. @default the stepwise driver for every service
   */
  releaseMode?(
    target: ReleaseTarget,
    plan: ReleasePlan,
    options: DriverOptions,
    host: ReleaseModeHost,
  ): ReleaseMode | undefined;
  /** Who moves the traffic when the platform does (shown in the plan), e.g. `ECS (canary)`. @default the driver */
  managedBy?(router: RouterDescriptor): string | undefined;
  /**
   * Work before a stopped release of one of its services is taken over (the local platform stops
   * daemons the state does not know). Returns warnings to log. @default nothing to do
   */
  takeOver?(context: TakeOverContext): Promise<readonly string[]>;
}
