// The driver's shared types: what a release runs on, how it is called and how it ended. In a module
// of their own so that the release loop, the preflight and the release modes import them without
// importing one another.
import type {
  Check,
  Evidence,
  Outcome,
  ReleaseOutputs,
  ReleaseSecrets,
  TrafficState,
} from "../../components/core";
import type { MetricsSettings } from "../metrics/settings";
import type { MetricProvider } from "../metrics/types";
import type { CheckMeasurement, DriverEvent, DriverEventInput } from "./events";
import type { Journal } from "./journal";
import type { Recorder } from "./recorder";
import type { ReleaseSettings } from "./settings";
import type { StackHandle, StackService } from "./stack";
import type { StackState, StoreOptions } from "./state";

/** How the driver is called: who, the abort, where events and the engine's output go. */
export interface DriverOptions extends StoreOptions {
  /** Who runs it, for history and notifications. @default $USER */
  readonly actor?: string;
  /** Aborts the release: it reverts (like Ctrl-C in the CLI). @default none */
  readonly signal?: AbortSignal;
  /** Receives every typed progress event. @default none */
  readonly onEvent?: (e: DriverEvent) => void;
  /** The engine's own output of each `up`. @default dropped */
  readonly onOutput?: (s: string) => void;
}

/** How a release call ended. */
export interface ReleaseResult {
  readonly releaseId: string;
  readonly outcome: "promoted" | "reverted" | "paused" | "failed";
  readonly reason?: string;
  readonly timeToRevertMs?: number;
  readonly traffic: TrafficState;
  readonly reports?: { markdown?: string; json?: string };
  /** A release group's members: each one's release and where its traffic ended. @default unset: one service */
  readonly members?: readonly {
    readonly service: string;
    readonly releaseId: string;
    readonly traffic: TrafficState;
  }[];
}

/** One service of one stack, with its settings and its release state: what a release runs on. */
export interface ReleaseTarget {
  readonly stack: StackHandle;
  readonly service: StackService;
  readonly settings: ReleaseSettings;
  /** The stack's journals and leases in the release store. */
  readonly state: StackState;
}

/** A journal as read from the store, with the version its next write names. */
export interface StoredJournal {
  readonly journal: Journal;
  readonly version: string;
}

/**
 * A release that the platform runs rather than the stepwise driver (ECS deployments): ReleaseRun
 * hands it the journal, events and history (the host) and calls run() or revert().
 */
export interface ReleaseMode {
  run(): Promise<ReleaseResult>;
  revert(reason: string, failureAt: Date): Promise<ReleaseResult>;
}

/** What ReleaseRun shares with a release mode: its journal, events and history. */
export interface ReleaseModeHost {
  journal(): Journal;
  /** Writes the journal (a compare-and-swap in the release store). */
  save(patch: Partial<Journal>): Promise<void>;
  emit(e: DriverEventInput): void;
  readonly recorder: Recorder;
  /** Runs `fn` holding the stack's step lease (from the config write to the end of `up`). */
  withStepLease<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** The run's signal: the caller's, an abort asked through the journal, a lost lease. */
  readonly signal?: AbortSignal;
  /** Runs one round of checks: the driver's analysis. */
  readonly runAnalysis: AnalysisRunner;
}

/** What the checks measure. */
export interface AnalysisTarget {
  /** Version being released. */
  readonly candidate: string;
  /** Version serving now: the baseline of relative conditions. */
  readonly stable: string;
  /** Candidate's weight in percent while measuring (builtin throughput is compared per unit of weight). */
  readonly candidateWeight: number;
  /** The service's release contract: endpoint and metrics descriptor. */
  readonly release: ReleaseOutputs;
  /** The service's release secrets (the local proxy's `adminToken`). */
  readonly secrets: ReleaseSecrets;
  /** The parsed `progressive:metrics` settings. */
  readonly metrics: MetricsSettings;
  /** Header that routes a request to the candidate, for HTTP checks. @default none */
  readonly candidateHeader?: { readonly name: string; readonly value: string };
  /** Base URL for HTTP checks. @default release.endpoint */
  readonly httpBaseUrl?: string;
}

/** How an analysis runs. */
export interface AnalysisOptions {
  /** Stops the analysis (the pending measurement rejects). @default none */
  readonly signal?: AbortSignal;
  /** Called with every measurement as it is taken. @default none */
  readonly onMeasurement?: (m: CheckMeasurement) => void;
  /** Stop at the first measurement that is not Successful (dev's failFast). @default false */
  readonly failFast?: boolean;
  /**
   * Builds a metric provider from its spec; tests wrap it to hand a provider a fake SDK client.
   * @default the registry's createProvider. The spec is the registry's `ProviderSpec`, named here by
   * its kind only (a method, so the registry's function fits): that type's per-kind options name the
   * optional cloud SDKs, which the published declarations must not reach.
   */
  createProvider?(spec: { readonly kind: string }): MetricProvider;
}

/** How an analysis ended. */
export interface AnalysisResult {
  readonly outcome: Outcome;
  readonly reason: string;
  readonly measurements: readonly CheckMeasurement[];
  /** When the first bad measurement was taken (start of time to revert). */
  readonly firstFailureAt?: Date;
}

/** Runs one round of checks (analysis.ts's runAnalysis); a release mode is handed it by the driver. */
export type AnalysisRunner = (
  checks: readonly Check[],
  target: AnalysisTarget,
  options?: AnalysisOptions,
) => Promise<AnalysisResult>;

/** One measurement of a metric check. `fatal` errors are configuration mistakes: no retry. */
export interface MetricReading {
  readonly value?: number;
  readonly baseline?: number;
  readonly evidence?: Evidence;
  readonly noData?: string;
  readonly error?: string;
  readonly fatal?: boolean;
}
