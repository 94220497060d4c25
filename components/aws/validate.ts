// Checks that only AWS needs, collected with the core's problems into one error: Fargate sizes,
// ports, listener priorities, ALB and ECS health-check ranges, environment names, secret
// references, log retention, durations and autoscaling.

import {
  checkDuration,
  checkEnvNames,
  checkReplicaRange,
  type HttpCheck,
  joinPath,
  type Problem,
  problem,
  type Release,
} from "../core";
import { ECS_DEFAULTS, type EcsServiceArgs } from "./args";
import { ECS_NAME, isImageSource, parseSecretReference } from "./plan";
import { checkListener, checkPort, checkTags } from "./validateRouting";

/** Fargate's memory choices (MiB) for each task CPU size. */
export const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** CloudWatch Logs retention choices (days); 0 keeps logs forever. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function checkSize(args: EcsServiceArgs, problems: Problem[]): void {
  const cpu = args.cpu ?? ECS_DEFAULTS.cpu;
  const memory = args.memory ?? ECS_DEFAULTS.memory;
  const choices = FARGATE_MEMORY[cpu];
  if (!choices) {
    const sizes = Object.keys(FARGATE_MEMORY).join(", ");
    problems.push(problem("cpu", cpu, "is not a Fargate task size", `use one of ${sizes}`));
    return;
  }
  if (!choices.includes(memory)) {
    const first = choices[0] as number;
    const last = choices[choices.length - 1] as number;
    problems.push(
      problem(
        "memory",
        memory,
        `is not a Fargate memory size for cpu ${cpu}`,
        `use ${first}-${last} MiB in steps of ${choices.length > 1 ? (choices[1] as number) - first : first} (e.g. ${first}), or change cpu`,
      ),
    );
  }
}

function within(value: number, min: number, max: number): boolean {
  return value >= min && value <= max;
}

/** Target group health checks: interval 5-300 s, timeout 2-120 s below the interval, thresholds 2-10. */
function checkReadiness(check: HttpCheck | undefined, problems: Problem[]): void {
  if (!check) return;
  const at = (key: string) => joinPath("health.readiness", key);
  const interval = Math.ceil(check.intervalSeconds);
  const timeout = Math.ceil(check.timeoutSeconds);
  if (!within(interval, 5, 300)) {
    problems.push(
      problem(at("interval"), interval, "must be 5-300 seconds on an ALB target group", 'use e.g. "10s"'),
    );
  }
  if (!within(timeout, 2, 120) || timeout >= interval) {
    problems.push(
      problem(
        at("timeout"),
        timeout,
        `must be 2-120 seconds and shorter than the interval (${interval}s) on an ALB target group`,
        `use e.g. "${Math.max(2, Math.min(5, interval - 1))}s"`,
      ),
    );
  }
  for (const [key, value] of [
    ["successThreshold", check.successThreshold],
    ["failureThreshold", check.failureThreshold],
  ] as const) {
    if (value > 10) {
      problems.push(problem(at(key), value, "must be at most 10 on an ALB target group", "use 2-10"));
    }
  }
  if (!check.expectedStatus.every((r) => r.min >= 200 && r.max <= 499)) {
    problems.push(
      problem(
        at("expectedStatus"),
        check.expectedStatus,
        "ALB health checks accept only statuses 200-499",
        "keep expectedStatus within 200-499",
      ),
    );
  }
}

/** Container health checks: interval 5-300 s, timeout 2-60 s, retries 1-10, start period 0-300 s. */
function checkLiveness(check: HttpCheck | undefined, problems: Problem[]): void {
  if (!check) return;
  const at = (key: string) => joinPath("health.liveness", key);
  const limits: [string, number, number, number][] = [
    ["interval", Math.ceil(check.intervalSeconds), 5, 300],
    ["timeout", Math.ceil(check.timeoutSeconds), 2, 60],
    ["failureThreshold", check.failureThreshold, 1, 10],
    ["initialDelay", Math.ceil(check.initialDelaySeconds), 0, 300],
  ];
  for (const [key, value, min, max] of limits) {
    if (!within(value, min, max)) {
      problems.push(
        problem(
          at(key),
          value,
          `must be ${min}-${max} on an ECS container health check`,
          `use a value from ${min} to ${max}`,
        ),
      );
    }
  }
  if (check.successThreshold !== 1) {
    problems.push(
      problem(
        at("successThreshold"),
        check.successThreshold,
        "ECS container health checks have no success threshold",
        "remove successThreshold from the liveness check",
      ),
    );
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkEnv(args: EcsServiceArgs, problems: Problem[]): void {
  const rules = { pattern: ENV_NAME, fix: "use letters, digits and _, not starting with a digit" };
  checkEnvNames(args.env, args.secretEnv, rules, problems, ({ field, value, path }) => {
    if (field === "secretEnv" && typeof value === "string" && !parseSecretReference(value)) {
      problems.push(
        problem(
          path,
          value,
          "is not a Secrets Manager secret ARN (optionally with :json-key:stage:version) or an SSM parameter ARN",
          'use e.g. "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf:password::"',
        ),
      );
    }
  });
}

function checkAutoscaling(args: EcsServiceArgs, replicas: number, problems: Problem[]): void {
  const a = args.autoscaling;
  if (!a) return;
  checkReplicaRange(a, replicas, problems);
  const cpu = a.targetCpuPercent ?? ECS_DEFAULTS.targetCpuPercent;
  if (!(cpu > 0 && cpu <= 100)) {
    problems.push(
      problem(
        "autoscaling.targetCpuPercent",
        cpu,
        "must be a percentage above 0 and at most 100",
        "use e.g. 60",
      ),
    );
  }
}

/** Durations the component turns into seconds: deregistration delay (0-3600 s) and stickiness (1 s-7 days). */
export function resolveDurations(
  args: EcsServiceArgs,
  problems: Problem[],
): { deregistrationDelaySeconds: number; stickinessSeconds?: number } {
  const delay = checkDuration(
    args.deregistrationDelay ?? ECS_DEFAULTS.deregistrationDelaySeconds,
    "deregistrationDelay",
    problems,
  );
  if (delay !== undefined && delay > 3600) {
    problems.push(
      problem(
        "deregistrationDelay",
        args.deregistrationDelay,
        "must be at most 3600 seconds",
        'use e.g. "30s"',
      ),
    );
  }
  let stickiness: number | undefined;
  if (args.stickiness !== undefined) {
    stickiness = checkDuration(args.stickiness, "stickiness", problems, { min: 1 });
    if (stickiness !== undefined && stickiness > 604_800) {
      problems.push(
        problem("stickiness", args.stickiness, "must be at most 7 days", 'use e.g. "1h", or leave it unset'),
      );
    }
  }
  return {
    deregistrationDelaySeconds: Math.ceil(delay ?? ECS_DEFAULTS.deregistrationDelaySeconds),
    ...(stickiness !== undefined ? { stickinessSeconds: stickiness } : {}),
  };
}

/** AWS-only checks of the shared args. `headerRule`: the component adds a rule at `priority - 1`. */
export function checkEcsService(
  args: EcsServiceArgs,
  release: Release,
  headerRule: boolean,
  problems: Problem[],
): void {
  if (!isImageSource(args.image)) {
    problems.push(
      problem(
        "image",
        args.image,
        "must name an image repository",
        'use e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web"',
      ),
    );
  }
  for (const key of ["vpcId", "subnets"] as const) {
    if (args[key] === undefined || args[key] === null || args[key] === "") {
      problems.push(
        problem(
          key,
          args[key],
          "is required",
          key === "vpcId"
            ? 'pass the VPC ID, e.g. "vpc-0abc..."'
            : 'pass the task subnets, e.g. ["subnet-0abc...", "subnet-0def..."]',
        ),
      );
    }
  }
  if (args.serviceName !== undefined && !ECS_NAME.test(`${args.serviceName}-canary`)) {
    problems.push(
      problem(
        "serviceName",
        args.serviceName,
        "is not a valid ECS service name prefix",
        "use letters, digits, - and _ (at most 240)",
      ),
    );
  }
  if (
    args.securityGroups === undefined &&
    (args.listener || args.loadBalancer?.securityGroups !== undefined)
  ) {
    problems.push(
      problem(
        "securityGroups",
        undefined,
        "is required when the load balancer's security groups are not created here (listener or loadBalancer.securityGroups is set)",
        `pass the tasks' security groups, admitting port ${args.port ?? ECS_DEFAULTS.port} from the load balancer`,
      ),
    );
  }
  checkSize(args, problems);
  checkPort(args.port, "port", problems);
  checkReadiness(release.health.readiness, problems);
  checkLiveness(release.health.liveness, problems);
  checkEnv(args, problems);
  checkListener(args, headerRule, problems);
  checkTags(args, release.health.readiness, problems);
  checkAutoscaling(args, release.replicas, problems);
  const days = args.logRetentionDays ?? ECS_DEFAULTS.logRetentionDays;
  if (!LOG_RETENTION_DAYS.includes(days)) {
    problems.push(
      problem(
        "logRetentionDays",
        days,
        "is not a CloudWatch Logs retention",
        "use one of 1, 3, 5, 7, 14, 30, 60, 90, 180, 365 (0 keeps logs forever)",
      ),
    );
  }
}
