// Checks that only Kubernetes needs, collected with the core's problems into one error.

import type { HttpCheck, Problem, Release } from "../core";
import { checkEnvNames, checkPercentOrCount, checkReplicaRange, joinPath, problem } from "../core";
import type { WorkloadArgs } from "./args";

function checkPort(value: unknown, path: string, problems: Problem[]): void {
  if (value === undefined) return;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) return;
  problems.push(problem(path, value, "must be a port from 1 to 65535", "use a port such as 8080"));
}

function checkProbeStatus(check: HttpCheck | undefined, path: string, problems: Problem[]): void {
  if (!check) return;
  if (check.expectedStatus.every((r) => r.min >= 200 && r.max <= 399)) return;
  problems.push(
    problem(
      joinPath(path, "expectedStatus"),
      check.expectedStatus,
      "Kubernetes probes accept only statuses 200-399",
      "keep expectedStatus within 200-399, or leave it unset",
    ),
  );
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function checkEnv(args: WorkloadArgs, problems: Problem[]): void {
  checkEnvNames(args.env, args.secretEnv, { pattern: ENV_NAME, fix: "use letters, digits, _ . -" }, problems);
}

function checkAutoscaling(args: WorkloadArgs, replicas: number, problems: Problem[]): void {
  const a = args.autoscaling;
  if (!a) return;
  checkReplicaRange(a, replicas, problems);
}

function checkDisruptionBudget(args: WorkloadArgs, problems: Problem[]): void {
  const b = args.disruptionBudget;
  if (!b) return;
  if (b.minAvailable !== undefined && b.maxUnavailable !== undefined) {
    problems.push(
      problem(
        "disruptionBudget",
        { minAvailable: b.minAvailable, maxUnavailable: b.maxUnavailable },
        "sets both limits; Kubernetes accepts one",
        "keep minAvailable or maxUnavailable",
      ),
    );
  }
  if (b.minAvailable !== undefined)
    checkPercentOrCount(b.minAvailable, "disruptionBudget.minAvailable", problems);
  if (b.maxUnavailable !== undefined)
    checkPercentOrCount(b.maxUnavailable, "disruptionBudget.maxUnavailable", problems);
}

/** Kubernetes-only checks of the shared workload args. */
export function checkWorkload(args: WorkloadArgs, release: Release, problems: Problem[]): void {
  if (typeof args.image !== "function" && (typeof args.image !== "string" || args.image.trim() === "")) {
    problems.push(
      problem(
        "image",
        args.image,
        "must name an image repository",
        'use a repository such as "ghcr.io/acme/web"',
      ),
    );
  }
  checkPort(args.port, "port", problems);
  checkPort(args.servicePort, "servicePort", problems);
  checkProbeStatus(release.health.readiness, "health.readiness", problems);
  checkProbeStatus(release.health.liveness, "health.liveness", problems);
  const liveness = release.health.liveness;
  if (liveness && liveness.successThreshold !== 1) {
    problems.push(
      problem(
        "health.liveness.successThreshold",
        liveness.successThreshold,
        "Kubernetes requires 1 for liveness probes",
        "remove successThreshold from the liveness check",
      ),
    );
  }
  checkEnv(args, problems);
  checkAutoscaling(args, release.replicas, problems);
  checkDisruptionBudget(args, problems);
}
