// Checks that only Cloud Run needs, collected with the core's problems into one error.

import {
  checkEnvNames,
  dnsLabel,
  type HttpCheck,
  joinPath,
  type Problem,
  parsePercentOrCount,
  problem,
  type Release,
} from "../core";
import type { CloudRunArgs } from "./args";
import { INGRESS_VALUES } from "./args";

/** A Cloud Run service name: a DNS label of at most 49 characters. */
export const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/;

/**
 * Longest traffic tag and service name together: a tag's URL `<tag>---<service>-<hash>-<region>.a.run.app`
 * is one DNS label, and Cloud Run refuses "Combined traffic tag and service name cannot exceed 46 characters".
 */
export const TAG_AND_SERVICE = 46;

/** Longest service name that leaves room for every traffic tag the component sets. */
export function serviceNameLimit(tags: readonly string[]): number {
  return Math.min(49, TAG_AND_SERVICE - Math.max(0, ...tags.map((t) => t.length)));
}

/** The service's name: `serviceName`, else the component's name as a DNS label short enough for the tags. */
export function serviceNameOf(
  name: string,
  serviceName: string | undefined,
  tags: readonly string[],
): string {
  return serviceName ?? dnsLabel(name, serviceNameLimit(tags));
}

/** Probe ranges of Cloud Run: a startup probe's delay and period within 240 s, a liveness probe's within 3600 s. */
export const PROBE_MAX_SECONDS = { startup: 240, liveness: 3600 } as const;

const LOCATION = /^[a-z]+-[a-z]+[0-9]+$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** Variables Cloud Run sets itself and refuses in a revision. */
const RESERVED_ENV = ["PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"];

function checkWhole(value: unknown, path: string, min: number, problems: Problem[], fix: string): void {
  if (value === undefined) return;
  if (typeof value === "number" && Number.isInteger(value) && value >= min) return;
  problems.push(problem(path, value, `must be a whole number of at least ${min}`, fix));
}

function checkProbe(check: HttpCheck | undefined, path: string, max: number, problems: Problem[]): void {
  if (!check) return;
  const kind = max === PROBE_MAX_SECONDS.startup ? "startup probe (readiness)" : "liveness probe";
  for (const [field, value] of [
    ["initialDelay", Math.ceil(check.initialDelaySeconds)],
    ["interval", Math.ceil(check.intervalSeconds)],
  ] as const) {
    if (value > max) {
      problems.push(
        problem(
          joinPath(path, field),
          value,
          `is more than the ${max} seconds a Cloud Run ${kind} takes`,
          `use at most ${max} seconds`,
        ),
      );
    }
  }
  if (!check.expectedStatus.every((r) => r.min >= 200 && r.max <= 399)) {
    problems.push(
      problem(
        joinPath(path, "expectedStatus"),
        check.expectedStatus,
        "Cloud Run probes accept only statuses 200-399",
        "keep expectedStatus within 200-399, or leave it unset",
      ),
    );
  }
  if (check.successThreshold !== 1) {
    problems.push(
      problem(
        joinPath(path, "successThreshold"),
        check.successThreshold,
        "Cloud Run probes have no success threshold (one success counts)",
        "remove successThreshold",
      ),
    );
  }
}

function checkEnv(args: CloudRunArgs, problems: Problem[]): void {
  const rules = {
    pattern: ENV_NAME,
    fix: "use letters, digits, _ . -",
    reserved: { names: RESERVED_ENV, message: "is set by Cloud Run itself", fix: () => "use another name" },
  };
  checkEnvNames(args.env, args.secretEnv, rules, problems, ({ field, value, path }) => {
    if (field !== "secretEnv") return;
    const secret = (value as { secret?: unknown } | undefined)?.secret;
    if (secret === undefined || secret === null || secret === "") {
      problems.push(
        problem(
          joinPath(path, "secret"),
          secret,
          "must name a Secret Manager secret",
          'use { secret: "api-key" } (the secret ID) or { secret: "api-key", version: "3" }',
        ),
      );
    }
  });
}

/**
 * Cloud Run checks of the shared args; `serviceName` is the name the service will get, `tags` the
 * traffic tags the component sets on it.
 */
export function checkCloudRun(
  args: CloudRunArgs,
  serviceName: string,
  tags: readonly string[],
  release: Release,
  problems: Problem[],
): void {
  if (typeof args.location !== "string" || !LOCATION.test(args.location)) {
    problems.push(
      problem("location", args.location, "is not a Cloud Run region", 'use a region such as "europe-west1"'),
    );
  }
  if (!SERVICE_NAME.test(serviceName)) {
    problems.push(
      problem(
        args.serviceName === undefined ? "name" : "serviceName",
        serviceName,
        "is not a Cloud Run service name (lowercase letters, digits and -, starting with a letter, at most 49 characters)",
        'pass serviceName, such as "web"',
      ),
    );
  } else if (serviceName.length > serviceNameLimit(tags)) {
    const limit = serviceNameLimit(tags);
    const tag = tags.reduce((a, b) => (b.length > a.length ? b : a), "");
    problems.push(
      problem(
        "serviceName",
        serviceName,
        `is ${serviceName.length} characters; with the "${tag}" traffic tag it must be at most ${limit} (Cloud Run takes a tag and service name of ${TAG_AND_SERVICE} characters together)`,
        `use a name of at most ${limit} characters, such as "${dnsLabel(serviceName, limit)}"`,
      ),
    );
  }
  if (typeof args.image !== "function" && (typeof args.image !== "string" || args.image.trim() === "")) {
    problems.push(
      problem(
        "image",
        args.image,
        "must name an image repository",
        'use a repository such as "europe-docker.pkg.dev/acme/web/app"',
      ),
    );
  }
  if (args.invokers !== "public" && !Array.isArray(args.invokers)) {
    problems.push(
      problem(
        "invokers",
        args.invokers,
        'must be "public" or a list of IAM members',
        'say who may call the service: "public" (allUsers), or members such as ["serviceAccount:caller@acme.iam.gserviceaccount.com"], or [] for nobody',
      ),
    );
  }
  if (args.ingress !== undefined && !(args.ingress in INGRESS_VALUES)) {
    problems.push(
      problem(
        "ingress",
        args.ingress,
        "is not an ingress setting",
        'use "all", "internal" or "internal-and-cloud-load-balancing"',
      ),
    );
  }
  if (args.port !== undefined && !(Number.isInteger(args.port) && args.port >= 1 && args.port <= 65535)) {
    problems.push(problem("port", args.port, "must be a port from 1 to 65535", "use a port such as 8080"));
  }
  checkWhole(
    args.minInstances,
    "minInstances",
    0,
    problems,
    "use 0 to scale to zero, or 1 or more to keep instances warm",
  );
  checkWhole(args.maxInstances, "maxInstances", 1, problems, "use 1 or more");
  const min = args.minInstances ?? 0;
  if (args.maxInstances !== undefined && Number.isInteger(args.maxInstances) && args.maxInstances < min) {
    problems.push(
      problem(
        "maxInstances",
        args.maxInstances,
        `must be at least minInstances (${min})`,
        `use ${Math.max(1, min)} or more`,
      ),
    );
  }
  checkProbe(release.health.readiness, "health.readiness", PROBE_MAX_SECONDS.startup, problems);
  checkProbe(release.health.liveness, "health.liveness", PROBE_MAX_SECONDS.liveness, problems);
  checkEnv(args, problems);
}

/** Cloud Run moves traffic by percent: rolling options given as instance counts are refused. */
export function checkRollingPercents(
  strategy: { readonly maxSurge?: unknown; readonly maxUnavailable?: unknown } | undefined,
  problems: Problem[],
): void {
  for (const key of ["maxSurge", "maxUnavailable"] as const) {
    const value = strategy?.[key];
    const parsed = parsePercentOrCount(value);
    if (parsed?.kind === "count" && parsed.value > 0) {
      problems.push(
        problem(
          joinPath("strategy", key),
          value,
          "is a count of instances, but Cloud Run moves traffic between revisions by percent",
          'use a percentage such as "25%" (each step moves that share of traffic)',
        ),
      );
    }
  }
}

/** Cloud Run cannot route by header: a header route asked for explicitly is refused. */
export function checkNoHeaderRoute(headerRoute: unknown, problems: Problem[]): void {
  if (headerRoute === undefined || headerRoute === false) return;
  problems.push(
    problem(
      "strategy.headerRoute",
      headerRoute,
      "cannot be honoured: Cloud Run splits traffic by percent only and cannot route by header",
      "set headerRoute: false; testers reach the candidate at its tag URL (previewEndpoint)",
    ),
  );
}
