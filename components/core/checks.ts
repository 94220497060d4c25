// Check specs: HTTP checks (also the source of platform health probes) and metric checks.
// Running them is the release driver's job; this module only defines, defaults and validates them.

import { floorOf, isCountedShare } from "./builtin-metrics";
import { type Condition, type ConditionInput, checkCondition } from "./conditions";
import { checkDuration, type DurationInput } from "./duration";
import { checkKnownKeys, joinPath, type Problem, problem } from "./problems";
import { CANARY_ALPHA, CANARY_CONCENTRATION } from "./sequential";

/** An inclusive range of HTTP status codes. */
export interface StatusRange {
  /** Lowest accepted status. */
  readonly min: number;
  /** Highest accepted status. */
  readonly max: number;
}

/** An HTTP check as written. */
export interface HttpCheckInput {
  /** Discriminator. */
  readonly kind: "http";
  /** Names the check in analysis steps and reports. @default "http" */
  readonly name?: string;
  /** Request path. @default "/" */
  readonly path?: string;
  /** Port to call; the platform uses the service's container port when unset. @default the container port */
  readonly port?: number;
  /** Accepted statuses: a list of codes or a range. @default { min: 200, max: 399 } */
  readonly expectedStatus?: readonly number[] | StatusRange;
  /** Time a single request may take. @default "5s" */
  readonly timeout?: DurationInput;
  /** Time between requests. @default "10s" */
  readonly interval?: DurationInput;
  /** Wait before the first request after an instance starts. @default 0 */
  readonly initialDelay?: DurationInput;
  /** Consecutive successes that make the target healthy. @default 1 */
  readonly successThreshold?: number;
  /** Consecutive failures that make the target unhealthy. @default 3 */
  readonly failureThreshold?: number;
}

/** A resolved HTTP check; durations in seconds. */
export interface HttpCheck {
  readonly kind: "http";
  readonly name: string;
  readonly path: string;
  readonly port?: number;
  readonly expectedStatus: readonly StatusRange[];
  readonly timeoutSeconds: number;
  readonly intervalSeconds: number;
  readonly initialDelaySeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** A metric check as written. Each limit is separate, as in Argo Rollouts. */
export interface MetricCheckInput {
  /** Discriminator. */
  readonly kind: "metric";
  /** Names the check in analysis steps and reports. */
  readonly name: string;
  /** Metric provider the driver asks, e.g. "prometheus", "cloudwatch", or "builtin" (the platform's own request metrics). */
  readonly provider: string;
  /** Query in the provider's language; `{{version}}` stands for the version being measured. */
  readonly query: string;
  /** A measurement meeting this is Successful. At least one of the two conditions is required. @default unset */
  readonly successCondition?: ConditionInput;
  /** A measurement meeting this is Failed. @default unset */
  readonly failureCondition?: ConditionInput;
  /**
   * The smallest difference from the baseline that relative conditions act on, in the metric's
   * unit: a candidate within it counts as equal to the stable version (0.5 ms slower at 2 ms is no
   * regression). Only for checks with a relative condition. @default the builtin metric's floor
   * (BUILTIN_FLOORS: 0.001 for error rates, 0.01 s for mean latency, 1 request/s per unit of weight
   * for throughput), else 0
   */
  readonly floor?: number;
  /** Time between measurements. @default "60s" */
  readonly interval?: DurationInput;
  /** Measurements per analysis. @default 5 */
  readonly count?: number;
  /** Failed measurements tolerated; one more fails the analysis. @default 0 */
  readonly failureLimit?: number;
  /** Inconclusive (including no data) measurements tolerated. @default 0 */
  readonly inconclusiveLimit?: number;
  /** Consecutive query errors tolerated. @default 4 */
  readonly consecutiveErrorLimit?: number;
  /**
   * Judge the candidate's errors with the anytime-valid sequential test instead of conditions
   * (see {@link Check.sequential}): polled every `interval` (default 5 s) for at most `count`
   * polls (default 60), reverting as soon as the test says the candidate is worse. @default unset
   */
  readonly sequential?: SequentialJudgeInput;
  /**
   * For the builtin `slowRate` only, and required there: a request slower than this is slow. The
   * local proxy counts it at its histogram bound at or below this (Prometheus' default bounds,
   * 5 ms to 10 s: use one of them to count exactly). @default unset
   */
  readonly slowerThan?: DurationInput;
}

/** The sequential test's settings as written. */
export interface SequentialJudgeInput {
  /** False-alarm rate over every look. @default 0.05 */
  readonly alpha?: number;
  /** Concentration of the test's prior. @default 10 (see CANARY_CONCENTRATION) */
  readonly concentration?: number;
  /**
   * End the step early, as passed, once a second sequential test shows the candidate's error rate
   * is below (1 + margin) times stable's (e.g. 0.5: not 50 % worse). @default unset: the step runs its window
   */
  readonly promoteEarly?: { readonly margin: number };
}

/** Defaults of a sequential check: a poll every 5 s, for at most 60 polls (the default analysis' 5 minutes). */
export const SEQUENTIAL_DEFAULTS = {
  alpha: CANARY_ALPHA,
  concentration: CANARY_CONCENTRATION,
  intervalSeconds: 5,
  count: 60,
} as const;

/** A resolved metric check; durations in seconds. */
export interface MetricCheck {
  readonly kind: "metric";
  readonly name: string;
  readonly provider: string;
  readonly query: string;
  readonly successCondition?: Condition;
  readonly failureCondition?: Condition;
  /** The floor of the relative conditions, in the metric's unit (0: none). */
  readonly floor: number;
  readonly intervalSeconds: number;
  readonly count: number;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  /** The builtin `slowRate`'s threshold in seconds. @default unset */
  readonly slowerThanSeconds?: number;
  /** Set when the sequential test judges the errors instead of the conditions. @default unset */
  readonly sequential?: {
    readonly alpha: number;
    readonly concentration: number;
    readonly promoteEarly?: { readonly margin: number };
  };
}

/** Any check as written. */
export type CheckInput = HttpCheckInput | MetricCheckInput;
/** Any resolved check. */
export type Check = HttpCheck | MetricCheck;

/** Default statuses of an HTTP check: 200-399, what Kubernetes probes and most load balancers accept. */
export const DEFAULT_EXPECTED_STATUS: StatusRange = { min: 200, max: 399 };
/** Argo Rollouts' defaults for the three measurement limits. */
export const DEFAULT_ANALYSIS_LIMITS: Readonly<
  Pick<MetricCheck, "failureLimit" | "inconclusiveLimit" | "consecutiveErrorLimit">
> = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };

/** Check factories: `Check.http({ path: "/healthz" })`, `Check.metric({ ... })`. */
export const Check = {
  http(props: Omit<HttpCheckInput, "kind"> = {}): HttpCheckInput {
    return { kind: "http", ...props };
  },
  metric(props: Omit<MetricCheckInput, "kind">): MetricCheckInput {
    return { kind: "metric", ...props };
  },
  /**
   * The candidate's errors judged by the anytime-valid sequential test (Lindon and Malek): each
   * error is the candidate's with the probability of its weight unless it is worse; the analysis
   * fails as soon as the test rejects that at `alpha`, however often it looks, and passes when the
   * window ends without evidence. Needs a source that counts requests per version (the builtin
   * metrics of the local proxy, CloudWatch, Cloud Monitoring, Azure Monitor, and Prometheus for
   * ingress-nginx and flag variants). With `query: "slowRate"` and
   * `slowerThan`, the same test judges the candidate's slow requests (the local proxy's histogram).
   */
  sequential(
    props: {
      readonly name?: string;
      readonly query?: "errorRate" | "http5xxRate" | "slowRate";
    } & SequentialJudgeInput &
      Pick<MetricCheckInput, "interval" | "count" | "consecutiveErrorLimit" | "slowerThan"> = {},
  ): MetricCheckInput {
    const { name, query, alpha, concentration, promoteEarly, ...rest } = props;
    return {
      kind: "metric",
      name: name ?? (query === "slowRate" ? "latency-sequential" : "errors-sequential"),
      provider: "builtin",
      query: query ?? "errorRate",
      sequential: {
        ...(alpha !== undefined ? { alpha } : {}),
        ...(concentration !== undefined ? { concentration } : {}),
        ...(promoteEarly !== undefined ? { promoteEarly } : {}),
      },
      ...rest,
    };
  },
} as const;

/** Whether a status code is accepted by the check. */
export function isExpectedStatus(status: number, check: Pick<HttpCheck, "expectedStatus">): boolean {
  return check.expectedStatus.some((r) => status >= r.min && status <= r.max);
}

function count(value: unknown, fallback: number, min: number, path: string, problems: Problem[]): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= min) return value;
  problems.push(
    problem(path, value, `must be a whole number of at least ${min}`, `use ${Math.max(min, fallback)}`),
  );
  return fallback;
}

function isStatus(code: unknown): code is number {
  return typeof code === "number" && Number.isInteger(code) && code >= 100 && code <= 599;
}

function resolveStatus(
  input: HttpCheckInput["expectedStatus"],
  path: string,
  problems: Problem[],
): StatusRange[] {
  if (input === undefined) return [DEFAULT_EXPECTED_STATUS];
  const fix = "use codes from 100 to 599, such as [200, 204] or { min: 200, max: 299 }";
  if (Array.isArray(input)) {
    if (input.length > 0 && input.every(isStatus)) return input.map((code) => ({ min: code, max: code }));
    problems.push(problem(path, input, "must be a non-empty list of HTTP status codes", fix));
    return [DEFAULT_EXPECTED_STATUS];
  }
  const range = input as StatusRange;
  if (isStatus(range.min) && isStatus(range.max) && range.min <= range.max) return [range];
  problems.push(problem(path, input, "must be a range of HTTP status codes with min <= max", fix));
  return [DEFAULT_EXPECTED_STATUS];
}

/** The fields of each check kind as written. */
const HTTP_FIELDS = [
  "kind",
  "name",
  "path",
  "port",
  "expectedStatus",
  "timeout",
  "interval",
  "initialDelay",
  "successThreshold",
  "failureThreshold",
] as const satisfies readonly (keyof HttpCheckInput)[];
const METRIC_FIELDS = [
  "kind",
  "name",
  "provider",
  "query",
  "successCondition",
  "failureCondition",
  "floor",
  "interval",
  "count",
  "failureLimit",
  "inconclusiveLimit",
  "consecutiveErrorLimit",
  "sequential",
  "slowerThan",
] as const satisfies readonly (keyof MetricCheckInput)[];

/** Validates and fills the defaults of an HTTP check. */
export function resolveHttpCheck(input: HttpCheckInput, path: string, problems: Problem[]): HttpCheck {
  const at = (key: string) => joinPath(path, key);
  checkKnownKeys(input, HTTP_FIELDS, path, problems);
  const checkPath = input.path ?? "/";
  if (typeof checkPath !== "string" || !checkPath.startsWith("/")) {
    problems.push(problem(at("path"), checkPath, "must start with /", 'use a path such as "/healthz"'));
  } else if (/[\s\p{Cc}]/u.test(checkPath)) {
    // An HTTP client refuses such a request line, so every probe would fail after the deploy.
    problems.push(
      problem(
        at("path"),
        checkPath,
        "must not contain spaces or control characters",
        'percent-encode them (a space is %20), or use a path such as "/healthz"',
      ),
    );
  }
  if (input.port !== undefined && !(Number.isInteger(input.port) && input.port >= 1 && input.port <= 65535)) {
    problems.push(
      problem(
        at("port"),
        input.port,
        "must be a port from 1 to 65535",
        "use the port the service listens on",
      ),
    );
  }
  const timeout = checkDuration(input.timeout ?? 5, at("timeout"), problems, { positive: true }) ?? 5;
  const interval = checkDuration(input.interval ?? 10, at("interval"), problems, { positive: true }) ?? 10;
  if (timeout > interval) {
    problems.push(
      problem(
        at("timeout"),
        input.timeout ?? timeout,
        `must not be longer than the interval (${interval}s)`,
        "shorten the timeout or lengthen the interval",
      ),
    );
  }
  const name = input.name ?? "http";
  return {
    kind: "http",
    name,
    path: checkPath,
    ...(input.port !== undefined ? { port: input.port } : {}),
    expectedStatus: resolveStatus(input.expectedStatus, at("expectedStatus"), problems),
    timeoutSeconds: timeout,
    intervalSeconds: interval,
    initialDelaySeconds: checkDuration(input.initialDelay ?? 0, at("initialDelay"), problems) ?? 0,
    successThreshold: count(input.successThreshold, 1, 1, at("successThreshold"), problems),
    failureThreshold: count(input.failureThreshold, 3, 1, at("failureThreshold"), problems),
  };
}

/** Validates and fills the defaults of a metric check. */
export function resolveMetricCheck(input: MetricCheckInput, path: string, problems: Problem[]): MetricCheck {
  const at = (key: string) => joinPath(path, key);
  checkKnownKeys(input, METRIC_FIELDS, path, problems);
  for (const key of ["provider", "query"] as const) {
    if (typeof input[key] !== "string" || input[key].trim() === "") {
      const fix =
        key === "provider"
          ? 'name a provider such as "prometheus" or "builtin"'
          : "write the query that measures the metric";
      problems.push(problem(at(key), input[key], "must not be empty", fix));
    }
  }
  const success =
    input.successCondition === undefined
      ? undefined
      : checkCondition(input.successCondition, at("successCondition"), problems);
  const failure =
    input.failureCondition === undefined
      ? undefined
      : checkCondition(input.failureCondition, at("failureCondition"), problems);
  const sequential = input.sequential === undefined ? undefined : resolveSequential(input, path, problems);
  if (
    input.successCondition === undefined &&
    input.failureCondition === undefined &&
    input.sequential === undefined
  ) {
    problems.push(
      problem(
        at("successCondition"),
        undefined,
        "a metric check needs a success or a failure condition",
        'add successCondition such as "< 0.05"',
      ),
    );
  }
  const slowerThan = resolveSlowerThan(input, path, problems);
  const relative = success?.relativeToBaseline === true || failure?.relativeToBaseline === true;
  let floor = relative ? floorOf(input) : 0;
  if (input.floor !== undefined) {
    if (typeof input.floor !== "number" || !Number.isFinite(input.floor) || input.floor < 0) {
      problems.push(
        problem(
          at("floor"),
          input.floor,
          "must be a number of at least 0, in the metric's unit",
          "use 0.01 for 10 ms of latency in seconds, or 0 for no floor",
        ),
      );
      floor = 0;
    } else if (!relative && (success || failure)) {
      problems.push(
        problem(
          at("floor"),
          input.floor,
          "applies only to conditions relative to the baseline, and this check has none",
          'remove it, or write a relative condition such as "< 120% of baseline"',
        ),
      );
    }
  }
  return {
    kind: "metric",
    name: input.name,
    provider: input.provider,
    query: input.query,
    ...(success ? { successCondition: success } : {}),
    ...(failure ? { failureCondition: failure } : {}),
    floor,
    intervalSeconds:
      checkDuration(
        input.interval ?? (sequential ? SEQUENTIAL_DEFAULTS.intervalSeconds : 60),
        at("interval"),
        problems,
        {
          positive: true,
        },
      ) ?? 60,
    count: count(input.count, sequential ? SEQUENTIAL_DEFAULTS.count : 5, 1, at("count"), problems),
    ...(sequential ? { sequential } : {}),
    ...(slowerThan !== undefined ? { slowerThanSeconds: slowerThan } : {}),
    failureLimit: count(
      input.failureLimit,
      DEFAULT_ANALYSIS_LIMITS.failureLimit,
      0,
      at("failureLimit"),
      problems,
    ),
    inconclusiveLimit: count(
      input.inconclusiveLimit,
      DEFAULT_ANALYSIS_LIMITS.inconclusiveLimit,
      0,
      at("inconclusiveLimit"),
      problems,
    ),
    consecutiveErrorLimit: count(
      input.consecutiveErrorLimit,
      DEFAULT_ANALYSIS_LIMITS.consecutiveErrorLimit,
      0,
      at("consecutiveErrorLimit"),
      problems,
    ),
  };
}

/** Longest `slowerThan`: the local proxy's largest finite histogram bound. */
const SLOWER_THAN_MAX_SECONDS = 10;

/** `slowerThan` in seconds: required by the builtin slowRate, refused anywhere else. */
function resolveSlowerThan(input: MetricCheckInput, path: string, problems: Problem[]): number | undefined {
  const at = joinPath(path, "slowerThan");
  const slowRate = input.provider === "builtin" && input.query === "slowRate";
  if (input.slowerThan === undefined) {
    if (slowRate)
      problems.push(
        problem(
          at,
          undefined,
          "is required by the builtin slowRate: it says which requests are slow",
          'set the latency your users call slow, e.g. slowerThan: "250ms"',
        ),
      );
    return undefined;
  }
  if (!slowRate) {
    problems.push(
      problem(
        at,
        input.slowerThan,
        "applies only to the builtin slowRate",
        'remove it, or use provider "builtin" with query "slowRate"',
      ),
    );
    return undefined;
  }
  const seconds = checkDuration(input.slowerThan, at, problems, { positive: true });
  if (seconds !== undefined && seconds > SLOWER_THAN_MAX_SECONDS) {
    problems.push(
      problem(
        at,
        input.slowerThan,
        `must be at most ${SLOWER_THAN_MAX_SECONDS}s (the largest bound of the latency histogram)`,
        'use a latency such as "250ms" or "1s"',
      ),
    );
    return undefined;
  }
  return seconds;
}

/** The sequential judge of a metric check: builtin event rates only, no conditions, alpha and k in range. */
function resolveSequential(
  input: MetricCheckInput,
  path: string,
  problems: Problem[],
): NonNullable<MetricCheck["sequential"]> | undefined {
  const at = (key: string) => joinPath(joinPath(path, "sequential"), key);
  const j = input.sequential;
  if (j === null || typeof j !== "object" || Array.isArray(j)) {
    problems.push(
      problem(
        joinPath(path, "sequential"),
        j,
        "must be an object",
        "write sequential: {} for the defaults, or {alpha: 0.05}",
      ),
    );
    return undefined;
  }
  checkKnownKeys(j, ["alpha", "concentration", "promoteEarly"], joinPath(path, "sequential"), problems);
  const before = problems.length;
  if (input.provider !== "builtin" || !isCountedShare(input.query))
    problems.push(
      problem(
        joinPath(path, "query"),
        `${input.provider}:${input.query}`,
        "the sequential test counts events per version (errors, slow requests), which only the builtin errorRate, http5xxRate and slowRate give",
        'use provider "builtin" with query "errorRate" (Check.sequential() does), or "slowRate" with slowerThan',
      ),
    );
  if (input.successCondition !== undefined || input.failureCondition !== undefined)
    problems.push(
      problem(
        joinPath(path, input.successCondition !== undefined ? "successCondition" : "failureCondition"),
        input.successCondition ?? input.failureCondition,
        "does not apply: the sequential test judges this check",
        "remove the condition, or the sequential setting",
      ),
    );
  /** A number in (0, max], else a problem at `key`. */
  const inRange = (
    key: string,
    raw: unknown,
    fallback: number,
    max: number,
    what: string,
    fix: string,
  ): number => {
    const v = raw ?? fallback;
    if (typeof v !== "number" || !(v > 0 && v <= max)) problems.push(problem(at(key), raw, what, fix));
    return v as number;
  };
  const alpha = inRange(
    "alpha",
    j.alpha,
    SEQUENTIAL_DEFAULTS.alpha,
    0.2,
    "must be a false-alarm rate above 0 and at most 0.2",
    "use 0.05 (the default) or 0.01",
  );
  const k = inRange(
    "concentration",
    j.concentration,
    SEQUENTIAL_DEFAULTS.concentration,
    10_000,
    "must be a number above 0 and at most 10000",
    "use 10 (the default)",
  );
  const early = j.promoteEarly;
  const margin =
    early === undefined
      ? undefined
      : inRange(
          "promoteEarly.margin",
          early && typeof early === "object" ? early.margin : early,
          Number.NaN,
          10,
          "must be a margin above 0 and at most 10",
          "use {margin: 0.5}: end the step once the candidate is shown not 50 % worse",
        );
  return problems.length > before
    ? undefined
    : {
        alpha,
        concentration: k,
        ...(margin !== undefined ? { promoteEarly: { margin } } : {}),
      };
}

/** Validates a list of named checks: known kinds, names present and unique. */
export function resolveChecks(inputs: readonly CheckInput[], path: string, problems: Problem[]): Check[] {
  const seen = new Set<string>();
  const out: Check[] = [];
  inputs.forEach((input, i) => {
    const at = joinPath(path, i);
    if (input?.kind === "http") out.push(resolveHttpCheck(input, at, problems));
    else if (input?.kind === "metric") out.push(resolveMetricCheck(input, at, problems));
    else {
      problems.push(
        problem(
          joinPath(at, "kind"),
          (input as { kind?: unknown } | undefined)?.kind,
          'must be "http" or "metric"',
          "build the check with Check.http() or Check.metric()",
        ),
      );
      return;
    }
    const name = (out[out.length - 1] as Check).name;
    if (typeof name !== "string" || name.trim() === "") {
      problems.push(
        problem(joinPath(at, "name"), name, "must not be empty", 'name the check, such as "error-rate"'),
      );
    } else if (seen.has(name)) {
      problems.push(
        problem(
          joinPath(at, "name"),
          name,
          "is used by another check in this list",
          "give each check its own name",
        ),
      );
    }
    seen.add(name);
  });
  return out;
}

/**
 * How long `checks` take to reach a verdict when all goes well, in seconds: the longest of them
 * (a metric check's `count` measurements `intervalSeconds` apart; an HTTP check's initial delay and
 * `successThreshold` requests). Platforms that hold a weight for a fixed time (ECS bakes) hold it
 * at least this long.
 */
export function checksSeconds(checks: readonly Check[]): number {
  return Math.max(
    0,
    ...checks.map((c) =>
      c.kind === "metric"
        ? c.count * c.intervalSeconds
        : c.initialDelaySeconds + c.successThreshold * c.intervalSeconds,
    ),
  );
}
