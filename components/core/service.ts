// What every platform's BlueGreenService, CanaryService and RollingService validate the same way:
// the argument names they share, the strategy kinds each class implements and its default strategy,
// and a rolling service's traffic entry (which may leave out the candidate weight).

import type { Problem } from "./problems";
import type { ServiceKey } from "./registry";
import {
  type Release,
  type ReleaseInput,
  type ServiceReleaseArgs,
  serviceReleaseInput,
  TRAFFIC_ARG_NAMES,
  validateRelease,
} from "./release";
import { Strategy, type StrategyInput, type StrategyKind } from "./strategy";
import type { TrafficEntry } from "./traffic";

/** The service classes every platform has; also the subject of their validation errors. */
export type ServiceClass = "BlueGreenService" | "CanaryService" | "RollingService";

const SERVICE_CLASSES: Record<
  ServiceClass,
  { kinds: readonly StrategyKind[]; strategy: () => StrategyInput }
> = {
  BlueGreenService: { kinds: ["blueGreen"], strategy: () => Strategy.blueGreen() },
  CanaryService: { kinds: ["canary"], strategy: () => Strategy.canary() },
  RollingService: { kinds: ["rolling", "recreate"], strategy: () => Strategy.rolling() },
};

/**
 * A service's argument names: its platform's, the traffic args and `strategy`. The caller checks
 * the result `satisfies ArgNames<itsArgs>`, so a missing name does not compile.
 */
export function serviceArgNames<N extends Readonly<Record<string, true>>>(
  platform: N,
): N & typeof TRAFFIC_ARG_NAMES & { readonly strategy: true } {
  return { ...platform, ...TRAFFIC_ARG_NAMES, strategy: true };
}

/** A service's args as {@link validateService} reads them. */
export interface ServiceArgs extends ServiceReleaseArgs {
  readonly strategy?: StrategyInput;
}

/** How a service validates beyond what its class implies. */
export interface ServiceValidation {
  /** Every name its args type allows (see {@link serviceArgNames}). */
  readonly names: Readonly<Record<string, true>>;
  /** The name it claims on its platform. */
  readonly key: ServiceKey;
  /** The platform's own checks. @default none */
  readonly check?: (release: Release, problems: Problem[]) => void;
  /** Release input the service states itself (its own default strategy, one replica, weight support). @default none */
  readonly input?: Partial<ReleaseInput>;
}

/**
 * Validates a service's release (see validateRelease): its args as given, the class's strategy
 * kinds and default strategy, then the platform's checks; one error naming `<component> "<name>"`.
 */
export function validateService(
  component: ServiceClass,
  name: string,
  args: ServiceArgs,
  validation: ServiceValidation,
): Release {
  const defaults = SERVICE_CLASSES[component];
  return validateRelease(
    `${component} "${name}"`,
    {
      ...serviceReleaseInput(name, args, validation.names),
      strategy: args.strategy ?? defaults.strategy(),
      kinds: defaults.kinds,
      ...validation.input,
    },
    validation.key,
    validation.check,
  );
}

/** A rolling service's traffic entry: only the version matters, so a left-out candidate weight is 0. */
export function rollingTraffic(traffic: Partial<TrafficEntry> | undefined): TrafficEntry | undefined {
  return traffic && ({ ...traffic, candidateWeight: traffic.candidateWeight ?? 0 } as TrafficEntry);
}
