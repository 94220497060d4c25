// Checks of the AWS args that concern the ALB and the tags: the created load balancer's subnets
// and ports, a shared listener's rule (priority, conditions within ALB's limits, ARN), and the
// user's tags beside the release tags the components add.

import { type HttpCheck, joinPath, type Problem, problem } from "../core";
import { ECS_DEFAULTS, type EcsServiceArgs } from "./args";

/** Pushes a problem unless `value` is a port (1-65535). */
export function checkPort(value: unknown, path: string, problems: Problem[]): void {
  if (value === undefined) return;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) return;
  problems.push(problem(path, value, "must be a port from 1 to 65535", "use a port such as 8080"));
}

/** Values a rule condition compares: ALB allows 3 per condition and 5 per rule. */
function conditionValues(condition: Record<string, unknown>): number {
  const values = (key: string) => {
    const v = (condition[key] as { values?: unknown } | undefined)?.values;
    return Array.isArray(v) ? v.length : 0;
  };
  const queries = Array.isArray(condition.queryStrings) ? condition.queryStrings.length : 0;
  return ["hostHeader", "pathPattern", "httpRequestMethod", "sourceIp", "httpHeader"].reduce(
    (sum, key) => sum + values(key),
    queries,
  );
}

function checkConditions(conditions: readonly unknown[], headerRule: boolean, problems: Problem[]): void {
  const counts = conditions.map((c) => conditionValues((c ?? {}) as Record<string, unknown>));
  counts.forEach((n, i) => {
    if (n > 3) {
      problems.push(
        problem(
          `listener.conditions[${i}]`,
          conditions[i],
          `compares ${n} values; an ALB rule condition takes at most 3`,
          "split it into conditions of at most 3 values, or use a wildcard",
        ),
      );
    }
  });
  const room = headerRule ? 4 : 5;
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > room) {
    const why = headerRule ? " (the header route's rule adds its header as a fifth)" : "";
    problems.push(
      problem(
        "listener.conditions",
        conditions,
        `compare ${total} values; an ALB rule takes at most ${room}${why}`,
        "use fewer values, e.g. one host-header with a wildcard",
      ),
    );
  }
}

function checkSubnetCount(value: unknown, path: string, problems: Problem[]): void {
  if (Array.isArray(value) && value.length < 2) {
    problems.push(
      problem(
        path,
        value,
        "names fewer than 2 subnets; an Application Load Balancer needs subnets in two Availability Zones",
        "pass two or more subnets in different Availability Zones",
      ),
    );
  }
}

/** Checks of the created load balancer, or of the rule on a shared listener (`headerRule`: a rule at priority - 1). */
export function checkListener(args: EcsServiceArgs, headerRule: boolean, problems: Problem[]): void {
  const l = args.listener;
  if (!l) {
    const lb = args.loadBalancer;
    if ((lb?.internetFacing ?? true) && lb?.subnets === undefined) {
      problems.push(
        problem(
          "loadBalancer.subnets",
          undefined,
          "is required for an internet-facing load balancer: the task subnets (subnets) are usually private, and an ALB there is not reachable from the internet",
          'pass the public subnets, e.g. loadBalancer: { subnets: ["subnet-pub-a", "subnet-pub-b"] }, or set loadBalancer.internetFacing: false for an internal ALB in the task subnets',
        ),
      );
    }
    checkSubnetCount(
      lb?.subnets ?? args.subnets,
      lb?.subnets === undefined ? "subnets" : "loadBalancer.subnets",
      problems,
    );
    checkPort(lb?.port, "loadBalancer.port", problems);
    checkPort(lb?.previewPort, "loadBalancer.previewPort", problems);
    const port = lb?.port ?? ECS_DEFAULTS.listenerPort;
    if ((lb?.previewPort ?? ECS_DEFAULTS.previewPort) === port) {
      problems.push(
        problem(
          "loadBalancer.previewPort",
          port,
          "is the production listener's port",
          "use another port, e.g. 8080",
        ),
      );
    }
    return;
  }
  if (args.loadBalancer !== undefined) {
    problems.push(
      problem(
        "loadBalancer",
        args.loadBalancer,
        "is ignored when listener is given",
        "remove loadBalancer, or remove listener to create an ALB",
      ),
    );
  }
  const min = headerRule ? 2 : 1;
  if (!Number.isInteger(l.priority) || l.priority < min || l.priority > 50000) {
    const why = headerRule ? " (the header route takes priority - 1)" : "";
    problems.push(
      problem(
        "listener.priority",
        l.priority,
        `must be a whole number from ${min} to 50000${why}`,
        "use a priority no other rule of the listener has, e.g. 100",
      ),
    );
  }
  if (!Array.isArray(l.conditions) || l.conditions.length === 0) {
    problems.push(
      problem(
        "listener.conditions",
        l.conditions,
        "must list at least one condition",
        'add e.g. { hostHeader: { values: ["web.example.com"] } }',
      ),
    );
  } else checkConditions(l.conditions, headerRule, problems);
  if (
    typeof l.listenerArn === "string" &&
    !/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\//.test(l.listenerArn)
  ) {
    problems.push(
      problem(
        "listener.listenerArn",
        l.listenerArn,
        "is not an Application Load Balancer listener ARN",
        "use the ARN of an ALB listener (…:listener/app/<name>/<id>/<id>)",
      ),
    );
  }
}

/** Characters of AWS tag keys and values (ELB, ECS, IAM, Logs, EC2 share them). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Release tags the components add to a resource beside the user's (strategy, role, version, readiness). */
const RELEASE_TAGS = 4;

/** The user's tags within AWS's tag rules, leaving room for the release tags; the readiness path is a tag value too. */
export function checkTags(args: EcsServiceArgs, readiness: HttpCheck | undefined, problems: Problem[]): void {
  const entries = Object.entries(args.tags ?? {});
  if (entries.length > 50 - RELEASE_TAGS) {
    problems.push(
      problem(
        "tags",
        entries.length,
        `are too many: AWS takes 50 tags and the components add ${RELEASE_TAGS}`,
        `keep at most ${50 - RELEASE_TAGS} tags`,
      ),
    );
  }
  const fix =
    "use letters, digits, spaces and _ . : / = + - @ (keys 1-128, values up to 256 characters, keys not starting with aws:)";
  for (const [key, value] of entries) {
    const bad =
      key.length === 0 || key.length > 128 || !TAG_TEXT.test(key) || key.toLowerCase().startsWith("aws:")
        ? key
        : typeof value !== "string" || value.length > 256 || !TAG_TEXT.test(value)
          ? value
          : undefined;
    if (bad !== undefined)
      problems.push(problem(joinPath("tags", key), bad, "is not an AWS tag key or value", fix));
  }
  if (readiness && (readiness.path.length > 256 || !TAG_TEXT.test(readiness.path))) {
    problems.push(
      problem(
        "health.readiness.path",
        readiness.path,
        "cannot be recorded in the task definition's tag (AWS tag values take letters, digits, spaces and _ . : / = + - @, up to 256)",
        'use a path such as "/healthz"',
      ),
    );
  }
}
