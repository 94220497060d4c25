// The one interface every metric provider implements, and what a query returns.
//
// A query has three possible endings, kept apart because the analysis gives each its own
// limit: a measurement with data, an explicit "no data" (never a fake 0; it is Inconclusive),
// or a thrown MetricQueryError (the query itself failed; it is Error).

/** One labelled number of a vector result, e.g. one Prometheus series. */
export interface Sample {
  /** Labels of the series, e.g. `{ version: "v2" }`; empty for an unlabelled result. */
  readonly labels: Readonly<Record<string, string>>;
  /** The value; never NaN (NaN samples are dropped as no data). */
  readonly value: number;
  /** Extra facts about this sample, as {@link ValueMeasurement.detail}. @default none */
  readonly detail?: Readonly<Record<string, string | number>>;
}

/** A single number. */
export interface ValueMeasurement {
  readonly kind: "value";
  /** The measured number; never NaN. */
  readonly value: number;
  /** When the value was measured (the data point's timestamp when the source gives one). */
  readonly at: Date;
  /** Extra facts a provider reports beside the value, e.g. `{ status: 200, latencySeconds: 0.01 }`. @default none */
  readonly detail?: Readonly<Record<string, string | number>>;
}

/** Several labelled numbers (at least one). */
export interface VectorMeasurement {
  readonly kind: "vector";
  /** The samples, at least one, none NaN. */
  readonly samples: readonly Sample[];
  /** When the samples were measured. */
  readonly at: Date;
}

/** The source answered, but with nothing to measure (no series, no requests, NaN). */
export interface NoDataMeasurement {
  readonly kind: "noData";
  /** Why there is no data, for the analysis message, e.g. `no requests to version "v2"`. */
  readonly reason: string;
  /** When the query was answered. */
  readonly at: Date;
}

/** What a query returns. */
export type Measurement = ValueMeasurement | VectorMeasurement | NoDataMeasurement;

/**
 * A query as it comes from configuration: a plain object whose fields depend on the provider
 * (e.g. `{ query: "sum(rate(...))" }` for Prometheus, `{ metric: "errorRate", version: "v2" }`
 * for the proxy). Each provider validates it and throws {@link MetricConfigError} naming the field.
 */
export type MetricQuery = Readonly<Record<string, unknown>>;

/** A source of measurements. Adding one is a file plus one line in `registry.ts`. */
export interface MetricProvider {
  /** The provider's configured name, used in messages, e.g. `prod-prometheus`. */
  readonly name: string;
  /** The provider kind, a key of the registry, e.g. `prometheus`. */
  readonly kind: string;
  /**
   * Runs one query. Resolves to a measurement or to explicit no data; throws
   * {@link MetricQueryError} when the query fails, {@link MetricConfigError} when the query
   * object is invalid, and the signal's reason when `signal` is aborted.
   */
  query(q: MetricQuery, signal?: AbortSignal): Promise<Measurement>;
}

/** Why a query failed. */
export type MetricQueryFailure =
  | "timeout"
  | "unreachable"
  | "http-status"
  | "bad-response"
  | "query-error"
  | "sdk-error";

/**
 * The query itself failed (as opposed to returning a bad value or no data). The analysis
 * counts it as the Error outcome.
 */
export class MetricQueryError extends Error {
  /** Name of the provider that ran the query. */
  readonly provider: string;
  /** What went wrong: timeout, unreachable, http-status, bad-response, query-error, sdk-error. */
  readonly failure: MetricQueryFailure;

  constructor(provider: string, failure: MetricQueryFailure, message: string, options?: { cause?: unknown }) {
    super(`metric provider "${provider}": ${message}`, options);
    this.name = "MetricQueryError";
    this.provider = provider;
    this.failure = failure;
  }
}

/** A provider spec or a query object is invalid. Names the field, the value and the fix. */
export class MetricConfigError extends Error {
  /** Field path, e.g. `query.version` or `spec.url`. */
  readonly field: string;

  constructor(subject: string, field: string, value: unknown, problem: string, fix: string) {
    super(`${subject}: ${field} (${showValue(value)}) ${problem}; ${fix}`);
    this.name = "MetricConfigError";
    this.field = field;
  }
}

/** Renders a value for a message: strings quoted, undefined as `not set`, long values cut. */
export function showValue(value: unknown): string {
  if (value === undefined) return "not set";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A value measurement; NaN becomes no data. */
export function measured(
  value: number,
  at: Date,
  detail?: Readonly<Record<string, string | number>>,
): Measurement {
  if (Number.isNaN(value)) return noData("the value is NaN", at);
  return detail ? { kind: "value", value, at, detail } : { kind: "value", value, at };
}

/** A vector measurement; NaN samples are dropped, and an empty vector is no data. */
export function measuredVector(
  samples: readonly Sample[],
  at: Date,
  emptyReason = "the query returned no series",
): Measurement {
  const kept = samples.filter((s) => !Number.isNaN(s.value));
  if (kept.length === 0) {
    return noData(samples.length === 0 ? emptyReason : "every series is NaN", at);
  }
  return { kind: "vector", samples: kept, at };
}

/** A no-data measurement. */
export function noData(reason: string, at: Date = new Date()): NoDataMeasurement {
  return { kind: "noData", reason, at };
}

/** The numbers of a measurement: one for a value, one per sample, none for no data. */
export function valuesOf(m: Measurement): number[] {
  switch (m.kind) {
    case "value":
      return [m.value];
    case "vector":
      return m.samples.map((s) => s.value);
    case "noData":
      return [];
  }
}
