// Stack config for the demo, the driver's engine tests and the benchmarks: the repo's program on
// the local platform with checks short enough to watch (2 measurements, 1-2 s apart).
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface FastConfigOptions {
  /** Canary steps. @default 10 -> analysis -> 50 -> analysis -> 100 */
  readonly steps?: Json[];
  /** Seconds between measurements. @default 2 */
  readonly intervalSeconds?: number;
  /** Per-version environment (e.g. a bad version's ERROR_RATE). @default v3 answers 50 % 500s */
  readonly versionEnv?: Record<string, Record<string, string>>;
  /** Extra checks (e.g. a Prometheus one). @default none */
  readonly extraChecks?: Json[];
  /** `progressive:metrics` settings (e.g. `{ prometheus: { url } }`). @default none */
  readonly metrics?: Json;
  /** Other top-level keys to set. @default none */
  readonly extra?: Record<string, Json>;
}

/** The config values of a fast canary stack: the program's keys bare, release settings as `progressive:<key>`. */
export function fastCanaryValues(o: FastConfigOptions = {}): Record<string, Json> {
  const interval = `${o.intervalSeconds ?? 2}s`;
  const check = (name: string, query: string, cond: Record<string, string>): Json => ({
    kind: "metric",
    name,
    provider: "builtin",
    query,
    ...cond,
    interval,
    count: 2,
  });
  return {
    environment: "demo",
    logging: { level: "info", verbose: false },
    service: { replicas: 2, versionEnv: o.versionEnv ?? { v3: { ERROR_RATE: "0.5" } } },
    strategy: {
      kind: "canary",
      checks: [
        check("error-rate", "errorRate", { successCondition: "< 110% of baseline" }),
        check("http-5xx-rate", "http5xxRate", { failureCondition: "> 0.05" }),
        ...(o.extraChecks ?? []),
      ],
      steps: o.steps ?? [
        { setWeight: 10 },
        { analysis: {} },
        { setWeight: 50 },
        { analysis: {} },
        { setWeight: 100 },
      ],
    },
    "progressive:release": { drift: "off" },
    ...(o.metrics ? { "progressive:metrics": o.metrics } : {}),
    ...(o.extra ?? {}),
  };
}

/** The same, in the `pulumi config set-all --json` form (Automation API's setAllConfigJson); bare keys get the project's namespace. */
export function configJson(project: string, values: Record<string, Json>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(values).map(([k, v]) => [
        k.includes(":") ? k : `${project}:${k}`,
        typeof v === "string"
          ? { value: v, secret: false }
          : { value: JSON.stringify(v), objectValue: v, secret: false },
      ]),
    ),
  );
}
