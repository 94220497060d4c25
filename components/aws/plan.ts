// Pure maths of the AWS components: weighted forward actions, ECS deployment percentages, health
// checks for target groups and containers, image names, secret references and the ARN pieces the
// CloudWatch dimensions need. Table-tested in test/unit/aws/plan.test.ts.

import type { HttpCheck, RecreateStrategy, RollingStrategy, StatusRange } from "../core";
import { scalePercentOrCount } from "../core";
import type { ImageSource } from "./args";

/** One target group of a forward action and its weight (0-999 on ALB; this project uses 0-100). */
export interface WeightedTarget<A> {
  readonly arn: A;
  readonly weight: number;
}

/** The `forward` block of a listener action or rule: both groups always listed, even at weight 0. */
export interface ForwardBlock<A> {
  readonly targetGroups: WeightedTarget<A>[];
  readonly stickiness: { readonly enabled: boolean; readonly duration: number };
}

/**
 * A weighted forward to every target group given, in the order given. Every group stays listed at
 * weight 0: AWS collapses a one-group forward into `targetGroupArn`, and the provider then shows a
 * diff on every run. Stickiness is off unless `stickinessSeconds` is set; ALB still wants a
 * duration in the block, and 1 s is its smallest.
 */
export function weightedForward<A>(
  targets: readonly WeightedTarget<A>[],
  stickinessSeconds?: number,
): { readonly type: "forward"; readonly forward: ForwardBlock<A> } {
  return {
    type: "forward",
    forward: {
      targetGroups: targets.map((t) => ({ arn: t.arn, weight: t.weight })),
      stickiness:
        stickinessSeconds === undefined
          ? { enabled: false, duration: 1 }
          : { enabled: true, duration: Math.ceil(stickinessSeconds) },
    },
  };
}

/** The image for a version. */
export function imageFor<T>(source: string | ((version: string) => T), version: string): string | T {
  if (typeof source === "function") return source(version);
  if (source.includes("{version}")) return source.split("{version}").join(version);
  return `${source}:${version}`;
}

/** Whether an image source is a usable value (a non-empty string or a function). */
export function isImageSource(value: unknown): value is ImageSource {
  return typeof value === "function" || (typeof value === "string" && value.trim() !== "");
}

/** ECS's rolling-update percentages for a rolling or recreate strategy with `replicas` tasks. */
export interface DeploymentPercents {
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
}

/**
 * `deploymentMinimumHealthyPercent` / `deploymentMaximumPercent` for a strategy. Percentages become
 * task counts the way Kubernetes rounds them (maxSurge up, maxUnavailable down; both 0 makes
 * maxUnavailable 1), then the percentages that give exactly those counts: ECS rounds the healthy
 * floor up and the ceiling down, so min = floor(100 (n - unavailable) / n) and
 * max = ceil(100 (n + surge) / n). Mapping 25 % straight to 75 / 125 would give 2 tasks a floor
 * and a ceiling of 2: a deployment that can neither start nor stop a task. Recreate stops every
 * old task before starting new ones: 0 / 100.
 */
export function deploymentPercents(
  strategy: RollingStrategy | RecreateStrategy,
  replicas: number,
): DeploymentPercents {
  if (strategy.kind === "recreate") return { minimumHealthyPercent: 0, maximumPercent: 100 };
  const surge = scalePercentOrCount(strategy.maxSurge, replicas, true);
  const down = scalePercentOrCount(strategy.maxUnavailable, replicas, false);
  // Kubernetes' rule: when both round to 0, one instance may be unavailable.
  const unavailable = Math.min(replicas, surge === 0 ? Math.max(1, down) : down);
  return {
    minimumHealthyPercent: Math.floor((100 * (replicas - unavailable)) / replicas),
    maximumPercent: Math.ceil((100 * (replicas + surge)) / replicas),
  };
}

/** An ALB matcher ("200-399", "200,204") for the check's accepted statuses. */
export function statusMatcher(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.min === r.max ? String(r.min) : `${r.min}-${r.max}`)).join(",");
}

/** The target group health check of a readiness check; without one, GET / expecting 200-399. */
export function targetGroupHealthCheck(check: HttpCheck | undefined): {
  enabled: true;
  path: string;
  port: string;
  protocol: "HTTP";
  matcher: string;
  interval: number;
  timeout: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
} {
  // ALB's own defaults where there is no check; its thresholds start at 2.
  if (!check) {
    return {
      enabled: true,
      path: "/",
      port: "traffic-port",
      protocol: "HTTP",
      matcher: "200-399",
      interval: 30,
      timeout: 5,
      healthyThreshold: 5,
      unhealthyThreshold: 2,
    };
  }
  return {
    enabled: true,
    path: check.path,
    port: check.port === undefined ? "traffic-port" : String(check.port),
    protocol: "HTTP",
    matcher: statusMatcher(check.expectedStatus),
    interval: Math.ceil(check.intervalSeconds),
    timeout: Math.ceil(check.timeoutSeconds),
    // ALB takes 2-10; the core's default successThreshold of 1 becomes ALB's smallest, 2.
    healthyThreshold: Math.max(2, check.successThreshold),
    unhealthyThreshold: Math.max(2, check.failureThreshold),
  };
}

/** The container health check of a liveness check: ECS replaces a task whose essential container turns UNHEALTHY. */
export function containerHealthCheck(
  check: HttpCheck,
  port: number,
): { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number } {
  return {
    command: [
      "CMD-SHELL",
      `curl -fsS -o /dev/null http://localhost:${check.port ?? port}${check.path} || exit 1`,
    ],
    interval: Math.ceil(check.intervalSeconds),
    timeout: Math.ceil(check.timeoutSeconds),
    retries: check.failureThreshold,
    startPeriod: Math.ceil(check.initialDelaySeconds),
  };
}

/** A secret reference: the ARN the execution role must be allowed to read, and which API reads it. */
export interface SecretReference {
  readonly service: "secretsmanager" | "ssm";
  /** The secret's or parameter's own ARN (a Secrets Manager JSON key, stage or version removed). */
  readonly resourceArn: string;
}

/**
 * The policy resource that matches a reference. A full Secrets Manager ARN ends with the `-` and 6
 * random characters AWS appends to the secret's name; a partial ARN (without them) matches no
 * secret in IAM, and AWS's form for it is `<partial ARN>-??????`. (A partial ARN whose name itself
 * ends in `-` and 6 letters or digits reads as a full one: give that secret's full ARN.)
 */
export function policyResource(reference: SecretReference): string {
  const partial = reference.service === "secretsmanager" && !/-[A-Za-z0-9]{6}$/.test(reference.resourceArn);
  return partial ? `${reference.resourceArn}-??????` : reference.resourceArn;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.+$/;

/** Parses a `valueFrom`: a Secrets Manager ARN (with optional `:key:stage:version`) or an SSM parameter ARN. */
export function parseSecretReference(valueFrom: string): SecretReference | undefined {
  const secret = SECRET_ARN.exec(valueFrom);
  if (secret) {
    // Anything after the secret's name is `json-key:version-stage:version-id`, each possibly empty.
    const rest = valueFrom.slice(secret[0].length);
    if (rest !== "" && !/^:[^:]*(:[^:]*(:[^:]*)?)?$/.test(rest)) return undefined;
    return { service: "secretsmanager", resourceArn: secret[0] };
  }
  if (PARAMETER_ARN.test(valueFrom)) return { service: "ssm", resourceArn: valueFrom };
  return undefined;
}

/** The IAM policy document that lets the execution role read exactly `references` (and decrypt with `kmsKeys`). */
export function secretsPolicy(
  references: readonly SecretReference[],
  kmsKeys: readonly string[] = [],
): { Version: "2012-10-17"; Statement: { Effect: "Allow"; Action: string[]; Resource: string[] }[] } {
  const unique = (xs: string[]) => [...new Set(xs)].sort();
  const of = (service: SecretReference["service"]) =>
    unique(references.filter((r) => r.service === service).map(policyResource));
  const statements = [
    { Action: ["secretsmanager:GetSecretValue"], Resource: of("secretsmanager") },
    { Action: ["ssm:GetParameters"], Resource: of("ssm") },
    { Action: ["kms:Decrypt"], Resource: unique([...kmsKeys]) },
  ].filter((s) => s.Resource.length > 0);
  return {
    Version: "2012-10-17",
    Statement: statements.map((s) => ({ Effect: "Allow" as const, ...s })),
  };
}

/**
 * The `LoadBalancer` CloudWatch dimension (`app/<name>/<id>`) from a listener ARN
 * (`...:listener/app/<name>/<id>/<listener-id>`) or a load balancer ARN (`...:loadbalancer/app/<name>/<id>`).
 */
export function loadBalancerDimension(arn: string): string | undefined {
  const m = /:(?:listener|listener-rule|loadbalancer)\/(app\/[^/]+\/[^/]+)/.exec(arn);
  return m?.[1];
}

/** The `TargetGroup` CloudWatch dimension (`targetgroup/<name>/<id>`) from a target group ARN. */
export function targetGroupDimension(arn: string): string | undefined {
  return /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn)?.[1];
}

/** ECS service names: 1-255 letters, digits, `-` and `_`. */
export const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** A valid ECS service name prefix from a Pulumi name (other characters become `-`). */
export function ecsBaseName(name: string): string {
  const base = name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
  return (base || "service").slice(0, 240);
}
