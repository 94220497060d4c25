// The driver's typed progress events. `onEvent` receives every one; the CLI's display, the
// history and the notifications are all built from them.
import type { Outcome, TrafficState } from "../../components/core";

interface Base {
  /** When it happened. */
  readonly at: Date;
  readonly releaseId: string;
}

/** A check's measurement during an analysis. */
export interface CheckMeasurement {
  readonly check: string;
  readonly outcome: Outcome;
  /** Candidate value; undefined when there was no data or the query failed. */
  readonly value?: number;
  /** Stable version's value, for relative conditions. */
  readonly baseline?: number;
  /** The candidate's requests behind the value, when the provider reports them. */
  readonly requests?: number;
  /** The stable version's requests behind the baseline, when the provider reports them. */
  readonly baselineRequests?: number;
  readonly condition?: string;
  readonly reason: string;
}

export type DriverEvent =
  | (Base & {
      readonly type: "releaseStarted";
      readonly version: string;
      readonly from?: string;
      readonly strategy: string;
    })
  | (Base & {
      readonly type: "preflight";
      readonly check: string;
      readonly ok: boolean;
      readonly detail: string;
    })
  | (Base & { readonly type: "hook"; readonly name: string; readonly ok: boolean; readonly detail: string })
  | (Base & {
      readonly type: "stepStarted";
      readonly index: number;
      readonly total: number;
      readonly description: string;
    })
  | (Base & { readonly type: "trafficApplying"; readonly traffic: TrafficState; readonly why: string })
  | (Base & {
      readonly type: "trafficApplied";
      readonly traffic: TrafficState;
      /** The candidate's weight: read back from the router when `verified`, else the weight asked. */
      readonly effectiveWeight: number;
      /** Whether the router itself reported the weight (or colour); false means "unverified". */
      readonly verified: boolean;
      /** Why the router could not be read back, when not verified. */
      readonly unverifiedReason?: string;
      /** From writing the config to the verified outputs. */
      readonly durationMs: number;
      /** Of which the `up` itself; the rest is the driver's own work (config write, verification). */
      readonly upMs: number;
    })
  | (Base & { readonly type: "checkResult"; readonly step: number; readonly measurement: CheckMeasurement })
  | (Base & {
      readonly type: "analysisDone";
      readonly step: number;
      readonly outcome: Outcome;
      readonly reason: string;
    })
  | (Base & {
      /** The load step began sending requests for the analysis of `step`. */
      readonly type: "load";
      readonly phase: "started";
      readonly step: number;
      /** Where the requests go, without query or credentials. */
      readonly url: string;
      readonly ratePerSecond: number;
      readonly concurrency: number;
      readonly maxRequests: number;
    })
  | (Base &
      LoadSummary & {
        /** The load step of the analysis of `step` stopped, with its figures. */
        readonly type: "load";
        readonly phase: "done";
        readonly step: number;
      })
  | (Base & { readonly type: "paused"; readonly step: number; readonly until?: Date })
  | (Base & { readonly type: "promoted"; readonly version: string })
  | (Base & { readonly type: "reverting"; readonly reason: string })
  | (Base & {
      readonly type: "reverted";
      readonly reason: string;
      readonly timeToRevertMs: number;
      /** Whether all traffic on stable was read back from the router (else the reading's reason). */
      readonly verified: boolean;
      readonly unverifiedReason?: string;
    })
  | (Base & { readonly type: "failed"; readonly reason: string })
  | (Base & { readonly type: "log"; readonly level: "info" | "warn"; readonly message: string });

/** Distributes `Omit<DriverEvent, "at" | "releaseId">` over the union. */
export type DriverEventInput = DriverEvent extends infer E
  ? E extends DriverEvent
    ? Omit<E, "at" | "releaseId">
    : never
  : never;

/** What a load run did. */
export interface LoadSummary {
  /** Requests sent. */
  readonly sent: number;
  /** Answers that were not 2xx or 3xx, and requests without an answer. */
  readonly failed: number;
  /** Answers by status class (`2xx` ... `5xx`), `no response`, and `aborted` (by the release's abort; not failed). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Ticks skipped because `concurrency` requests were still in flight. */
  readonly skipped: number;
  readonly durationMs: number;
  /** What ended it: the analysis, `maxRequests`, or the release's abort signal. */
  readonly stoppedBy: "analysis" | "maxRequests" | "aborted";
}
