// Health checks of a service. Platforms turn them into probes (Kubernetes), container or target
// group health checks (ECS), startup/liveness probes (Cloud Run, Container Apps) or polling (local).

import { type HttpCheck, type HttpCheckInput, resolveHttpCheck } from "./checks";
import { checkKnownKeys, joinPath, type Problem } from "./problems";

/** Health checks of a service; platforms turn them into probes or load-balancer health checks. */
export interface HealthInput {
  /** Decides when an instance receives traffic. @default no readiness check */
  readonly readiness?: Omit<HttpCheckInput, "kind">;
  /** Decides when an instance is restarted. @default no liveness check */
  readonly liveness?: Omit<HttpCheckInput, "kind">;
}

/** Resolved health checks. */
export interface Health {
  readonly readiness?: HttpCheck;
  readonly liveness?: HttpCheck;
}

/** Validates and fills the defaults of health checks. */
export function resolveHealth(input: HealthInput | undefined, path: string, problems: Problem[]): Health {
  const out: { readiness?: HttpCheck; liveness?: HttpCheck } = {};
  checkKnownKeys(input, ["readiness", "liveness"], path, problems);
  for (const key of ["readiness", "liveness"] as const) {
    const check = input?.[key];
    if (check)
      out[key] = resolveHttpCheck({ name: key, ...check, kind: "http" }, joinPath(path, key), problems);
  }
  return out;
}
