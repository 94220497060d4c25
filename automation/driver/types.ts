// The driver's shared types: what a release runs on, how it is called and how it ended. In a module
// of their own so that the release loop, the preflight and the release modes import them without
// importing one another.
import type { TrafficState } from "../../components/core";
import type { DriverEvent, DriverEventInput } from "./events";
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
}
