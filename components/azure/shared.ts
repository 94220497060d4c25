// What both Azure platforms share: the image of a version, the workload args every component
// takes, the checks of those args, and ARM resource ID parsing. Platform specifics live in
// containerApps/ and containerInstances/.

import type * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  checkEnvNames,
  type HealthInput,
  type HttpCheck,
  joinPath,
  type Problem,
  problem,
} from "../core";

/**
 * How a version label becomes an image: a repository (`"acme.azurecr.io/web"`, the tag is the
 * version), a template containing `{version}` (`"acme.azurecr.io/web:{version}-alpine"`), or a function.
 */
export type ImageSource = string | ((version: string) => pulumi.Input<string>);

/** The image for a version. */
export function imageFor(source: ImageSource, version: string): pulumi.Input<string> {
  if (typeof source === "function") return source(version);
  if (source.includes("{version}")) return source.split("{version}").join(version);
  return `${source}:${version}`;
}

/** What every Azure component takes, on either platform. */
export interface AzureWorkloadArgs {
  /** Resource group of every resource the component creates. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. @default the resource group's region (the provider's default) */
  readonly location?: pulumi.Input<string>;
  /** How a version label becomes an image. */
  readonly image: ImageSource;
  /** Port the container listens on. @default 8080 */
  readonly port?: number;
  /** vCPUs of the container. @default 0.5 */
  readonly cpu?: number;
  /** Memory of the container in GiB. @default 1 */
  readonly memoryGiB?: number;
  /** Readiness and liveness checks, turned into the platform's probes. @default none */
  readonly health?: HealthInput;
  /** Plain environment values by name. @default {} */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Tags on every resource the component creates. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults of {@link AzureWorkloadArgs}. */
export const AZURE_DEFAULTS = { port: 8080, cpu: 0.5, memoryGiB: 1 } as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Pushes a problem unless `value` is a port (1-65535). */
export function checkPort(value: unknown, path: string, problems: Problem[]): void {
  if (value === undefined) return;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) return;
  problems.push(problem(path, value, "must be a port from 1 to 65535", "use a port such as 8080"));
}

/** Checks of the shared args: image, port, sizes, env names (plain and secret, no overlap). */
export function checkWorkloadArgs(
  args: AzureWorkloadArgs,
  secretEnv: Readonly<Record<string, unknown>> | undefined,
  problems: Problem[],
): void {
  if (typeof args.image !== "function" && (typeof args.image !== "string" || args.image.trim() === "")) {
    problems.push(
      problem("image", args.image, "must name an image repository", 'use one such as "acme.azurecr.io/web"'),
    );
  }
  checkPort(args.port, "port", problems);
  for (const key of ["cpu", "memoryGiB"] as const) {
    const v = args[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      problems.push(problem(key, v, "must be a positive number", `use ${AZURE_DEFAULTS[key]}`));
    }
  }
  checkTags(args.tags, problems);
  checkEnvNames(args.env, secretEnv, { pattern: ENV_NAME, fix: "use letters, digits and _" }, problems);
}

/** Release tags the components add beside the user's (strategy, role, version). */
const RELEASE_TAGS = 3;

/**
 * The user's tags within Azure's rules: names of 1-512 characters without `< > % & \\ ? /`,
 * values of at most 256, and room for the release tags within 50.
 */
function checkTags(tags: Readonly<Record<string, string>> | undefined, problems: Problem[]): void {
  const entries = Object.entries(tags ?? {});
  if (entries.length > 50 - RELEASE_TAGS) {
    problems.push(
      problem(
        "tags",
        entries.length,
        `are too many: Azure takes 50 tags and the components add ${RELEASE_TAGS}`,
        `keep at most ${50 - RELEASE_TAGS} tags`,
      ),
    );
  }
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > 512 || /[<>%&\\?/]/.test(name)) {
      problems.push(
        problem(
          joinPath("tags", name),
          name,
          "is not an Azure tag name (1-512 characters, none of < > % & \\ ? /)",
          'use a name such as "team" or "cost-center"',
        ),
      );
    } else if (typeof value !== "string" || value.length > 256) {
      problems.push(
        problem(
          joinPath("tags", name),
          value,
          "is not an Azure tag value (a string of at most 256 characters)",
          "shorten the value",
        ),
      );
    }
  }
}

/** Range of one probe field on a platform. */
export interface ProbeLimit {
  readonly field: keyof Pick<
    HttpCheck,
    "initialDelaySeconds" | "intervalSeconds" | "timeoutSeconds" | "successThreshold" | "failureThreshold"
  >;
  readonly min: number;
  readonly max: number;
}

/** Pushes a problem for each probe field outside the platform's range, and statuses outside 200-399. */
export function checkProbe(
  check: HttpCheck | undefined,
  path: string,
  platform: string,
  limits: readonly ProbeLimit[],
  problems: Problem[],
): void {
  if (!check) return;
  for (const { field, min, max } of limits) {
    const value = Math.ceil(check[field]);
    if (value < min || value > max) {
      const input = field === "intervalSeconds" ? "interval" : field.replace(/Seconds$/, "");
      problems.push(
        problem(
          joinPath(path, input),
          check[field],
          `${platform} probes accept ${min}-${max}${field.endsWith("Seconds") ? " seconds" : ""}`,
          `use a value from ${min} to ${max}`,
        ),
      );
    }
  }
  if (!check.expectedStatus.every((r) => r.min >= 200 && r.max <= 399)) {
    problems.push(
      problem(
        joinPath(path, "expectedStatus"),
        check.expectedStatus,
        `${platform} probes accept only statuses 200-399`,
        "keep expectedStatus within 200-399, or leave it unset",
      ),
    );
  }
}

/** The parts of an ARM resource ID. */
export interface ArmId {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** Subscription, resource group and last name of an ARM resource ID; empty strings when it is not one. */
export function parseArmId(id: string): ArmId {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/.+\/([^/]+)$/i.exec(id ?? "");
  return { subscriptionId: m?.[1] ?? "", resourceGroup: m?.[2] ?? "", name: m?.[3] ?? "" };
}

/** Resource tags with the release metadata; tag values are at most 256 characters. */
export function releaseTags(
  extra: Readonly<Record<string, string>> | undefined,
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...extra, ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.slice(0, 256)])) };
}

/** Every argument name of {@link AzureWorkloadArgs}, for the components' `ArgNames`. */
export const AZURE_WORKLOAD_ARG_NAMES = {
  resourceGroupName: true,
  location: true,
  image: true,
  port: true,
  cpu: true,
  memoryGiB: true,
  health: true,
  env: true,
  tags: true,
} as const satisfies ArgNames<AzureWorkloadArgs>;

/**
 * A rolling service's validation problems once its steps are generated from the rolling strategy
 * rather than written: the core's "promotes to 100% without any check" is dropped (a rolling update
 * has no checks of its own) and the plan's own problems are added.
 */
export function takeGeneratedSteps(problems: Problem[], planProblems: readonly Problem[]): void {
  const generated = problems.findIndex(
    (p) => p.path === "strategy.steps" && p.message.startsWith("promotes to 100% without any check"),
  );
  if (generated >= 0) problems.splice(generated, 1);
  problems.push(...planProblems);
}
