// ECS-managed deployments (`controller: "ecs"`, router kind `aws-ecs-deployment`) as a router.
// ECS's own BLUE_GREEN, CANARY or LINEAR strategy moves production traffic between the service's
// two target groups ("primary" and "alternate") by rewriting the production listener rule; the
// driver only watches and brakes:
// - the deployment: ListServiceDeployments (newest first) and DescribeServiceDeployments (status,
//   lifecycle stage, source and target service revisions with the production weight ECS asked
//   for, rollback, triggered alarms);
// - the weights the ALB applies: DescribeRules on the production rule. ECS's
//   `requestedProductionTrafficWeight` is a snapshot of what ECS asked for, not what the ALB
//   applies, so a reading is "verified" only when the rule's split is the one ECS requested;
// - the brake: StopServiceDeployment with stopType ROLLBACK. ECS then shifts traffic back and
//   reports ROLLBACK_SUCCESSFUL minutes later; the brake itself never waits for that.
//
// @aws-sdk/client-ecs (and, for the read-back, @aws-sdk/client-elastic-load-balancing-v2) are
// optional peers imported on first use; the exported signatures use the structural types below,
// so the published declarations never name an SDK.
import type { RouterDescriptor } from "../../../components/core/contract";
import { importPackage, type PackageImporter } from "../../metrics/sdk-call";
import { writeAndVerify } from "../brake";
import { controlContext } from "../context";
import {
  DEFAULT_ROUTER_TIMEOUT_MS,
  type Deadline,
  errorText,
  type RouterControl,
  type RouterControlOptions,
  type RouterReading,
  unverified,
  withDeadline,
} from "../types";
import { type AlbAction, albWeights, type ElbClientLike, loadElbSdk } from "./alb";

/** Name of the optional peer dependency. */
export const ECS_PACKAGE = "@aws-sdk/client-ecs";

/** The router descriptor of an ECS-managed service. */
export type EcsDeploymentDescriptor = Extract<RouterDescriptor, { kind: "aws-ecs-deployment" }>;

/** One service revision of a deployment (the fields read). */
export interface EcsRevisionSummary {
  arn?: string;
  requestedTaskCount?: number;
  runningTaskCount?: number;
  pendingTaskCount?: number;
  /** Percentage of production traffic ECS asked for this revision (a snapshot). */
  requestedProductionTrafficWeight?: number;
  requestedTestTrafficWeight?: number;
}

/** A deployment as ListServiceDeployments lists it (the fields read). */
export interface EcsDeploymentBrief {
  serviceDeploymentArn?: string;
  status?: string;
  statusReason?: string;
  createdAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  targetServiceRevisionArn?: string;
}

/** A deployment as DescribeServiceDeployments describes it (the fields read). */
export interface EcsServiceDeployment {
  serviceDeploymentArn?: string;
  serviceArn?: string;
  clusterArn?: string;
  status?: string;
  statusReason?: string;
  lifecycleStage?: string;
  createdAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  stoppedAt?: Date;
  updatedAt?: Date;
  targetServiceRevision?: EcsRevisionSummary;
  sourceServiceRevisions?: EcsRevisionSummary[];
  rollback?: { reason?: string; startedAt?: Date; serviceRevisionArn?: string };
  alarms?: { status?: string; alarmNames?: string[]; triggeredAlarmNames?: string[] };
  deploymentCircuitBreaker?: { status?: string; failureCount?: number; threshold?: number };
}

/** ListServiceDeployments' request (the fields sent). */
export interface ListDeploymentsInput {
  service: string;
  cluster: string;
  createdAt?: { after?: Date };
  maxResults?: number;
  nextToken?: string;
}

/** DescribeServiceDeployments' request. */
export interface DescribeDeploymentsInput {
  serviceDeploymentArns: string[];
}

/** StopServiceDeployment's request: always a rollback here. */
export interface StopDeploymentInput {
  serviceDeploymentArn: string;
  stopType: "ROLLBACK";
}

/** ListServiceDeployments' answer (the fields read). */
export interface ListDeploymentsOutput {
  serviceDeployments?: EcsDeploymentBrief[];
  nextToken?: string;
}

/** DescribeServiceDeployments' answer (the fields read). */
export interface DescribeDeploymentsOutput {
  serviceDeployments?: EcsServiceDeployment[];
  failures?: { arn?: string; reason?: string; detail?: string }[];
}

/** The part of `ECSClient` used here; tests may pass their own. */
export interface EcsClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** The SDK module's parts used here. */
export interface EcsSdkLike {
  ECSClient: new (config: { region?: string; endpoint?: string }) => EcsClientLike;
  ListServiceDeploymentsCommand: new (input: ListDeploymentsInput) => unknown;
  DescribeServiceDeploymentsCommand: new (input: DescribeDeploymentsInput) => unknown;
  StopServiceDeploymentCommand: new (input: StopDeploymentInput) => unknown;
}

/** Statuses after which ECS does nothing more with a deployment. */
export const ECS_FINISHED_STATUSES: readonly string[] = [
  "SUCCESSFUL",
  "STOPPED",
  "ROLLBACK_SUCCESSFUL",
  "ROLLBACK_FAILED",
];

/** Whether ECS is done with a deployment in `status`. */
export function isFinished(status: string | undefined): boolean {
  return status !== undefined && ECS_FINISHED_STATUSES.includes(status);
}

/** Whether ECS is rolling a deployment back (asked to, doing it, or done). */
export function isRollback(status: string | undefined): boolean {
  return status?.startsWith("ROLLBACK_") === true;
}

/** The last path part of an ARN, for messages (`.../service/main/web/abc123` gives `abc123`). */
export const shortArn = (arn: string | undefined): string => arn?.split("/").pop() ?? "?";

/** Loads the ECS SDK, naming the package to install when it is missing. */
export async function loadEcsSdk(importer: PackageImporter = importPackage): Promise<EcsSdkLike> {
  try {
    return (await importer(ECS_PACKAGE)) as EcsSdkLike;
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (
      (e?.code === "MODULE_NOT_FOUND" || e?.code === "ERR_MODULE_NOT_FOUND") &&
      String(e.message).includes(ECS_PACKAGE)
    ) {
      throw new Error(
        `install ${ECS_PACKAGE} to release ECS-managed services (controller "ecs") (npm install ${ECS_PACKAGE})`,
        { cause: err },
      );
    }
    throw new Error(
      `could not load ${ECS_PACKAGE}: ${errorText(err)}; reinstall it (npm install ${ECS_PACKAGE})`,
      { cause: err },
    );
  }
}

/** Why an ECS or ELBv2 call failed, with what to do. */
function awsFailure(what: string, err: unknown, d: Deadline): string {
  const e = err as { name?: unknown };
  const name = typeof e?.name === "string" ? e.name : "";
  if (
    /ServiceNotFound|ClusterNotFound|ServiceDeploymentNotFound|RuleNotFound|TargetGroupNotFound/.test(name)
  ) {
    return `could not ${what}: ${name}; check the stack's region and account, and that the service still exists`;
  }
  if (/AccessDenied|UnauthorizedOperation|InvalidClientTokenId|ExpiredToken/.test(name)) {
    return `could not ${what}: ${name}; give the driver's AWS credentials ecs:ListServiceDeployments, ecs:DescribeServiceDeployments, ecs:StopServiceDeployment and elasticloadbalancing:DescribeRules`;
  }
  const text = d.describe(err);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(text)) {
    return `could not ${what}: the AWS endpoint is not reachable (${text}); check the network, AWS_ENDPOINT_URL and the region`;
  }
  return `could not ${what}: ${name && name !== "Error" ? `${name}: ` : ""}${text}`;
}

/** Where the ECS deployment calls go. */
export interface EcsDeploymentsOptions {
  /** ECS endpoint, e.g. an emulator's. @default $AWS_ENDPOINT_URL_ECS, else $AWS_ENDPOINT_URL, else AWS's */
  readonly endpoint?: string;
  /** ELBv2 endpoint for the read-back. @default $AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, else $AWS_ENDPOINT_URL, else AWS's */
  readonly elbEndpoint?: string;
  /** An ECS client to use instead of building one. @default built on first use from the descriptor's region */
  readonly client?: EcsClientLike;
  /** An ELBv2 client to use instead of building one. @default built on first read-back */
  readonly elbClient?: ElbClientLike;
  /** Imports an SDK package; tests pass one that fails or a fake module. @default Node's import */
  readonly importer?: PackageImporter;
  /** Time allowed for one call. @default 10000 */
  readonly callTimeoutMs?: number;
}

/** The ECS deployment calls of one service, each with its own deadline; failures throw with a reason. */
export interface EcsDeployments {
  /** Deployments of the service, newest first; only those created after `createdAfter` when given. */
  list(createdAfter?: Date, signal?: AbortSignal): Promise<EcsDeploymentBrief[]>;
  describe(arn: string, signal?: AbortSignal): Promise<EcsServiceDeployment>;
  /** StopServiceDeployment with stopType ROLLBACK. */
  stop(arn: string, signal?: AbortSignal): Promise<void>;
  /** The production rule's weights by ECS role ("primary"/"alternate"), as percentages. */
  ruleWeights(signal?: AbortSignal): Promise<RuleShares>;
}

/** The production rule's split by ECS role, or why it cannot be told. */
export type RuleShares =
  | { readonly shares: Readonly<Record<string, number>>; readonly detail: string }
  | { readonly reason: string };

/** Pages read at most when listing (ECS keeps a service's recent deployments; the newest come first). */
const MAX_PAGES = 5;

const time = (d: Date | undefined): number => (d instanceof Date ? d.getTime() : 0);

/** The ECS deployment calls of the service `d` names. */
export function ecsDeployments(d: EcsDeploymentDescriptor, o: EcsDeploymentsOptions = {}): EcsDeployments {
  const timeoutMs = o.callTimeoutMs ?? 10_000;
  const endpoint = o.endpoint ?? process.env.AWS_ENDPOINT_URL_ECS ?? process.env.AWS_ENDPOINT_URL;
  const elbEndpoint =
    o.elbEndpoint ?? process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 ?? process.env.AWS_ENDPOINT_URL;
  let ecs: { sdk: EcsSdkLike; client: EcsClientLike } | undefined;
  const connect = async () => {
    if (ecs) return ecs;
    const sdk = await loadEcsSdk(o.importer);
    const client = o.client ?? new sdk.ECSClient({ region: d.region, ...(endpoint ? { endpoint } : {}) });
    ecs = { sdk, client };
    return ecs;
  };
  const call = <T>(
    signal: AbortSignal | undefined,
    what: string,
    build: (sdk: EcsSdkLike) => unknown,
  ): Promise<T> =>
    withDeadline(timeoutMs, signal, async (dl) => {
      try {
        const { sdk, client } = await connect();
        return (await dl.race(client.send(build(sdk), { abortSignal: dl.signal }))) as T;
      } catch (err) {
        throw new Error(awsFailure(what, err, dl), { cause: err });
      }
    });
  const service = shortArn(d.serviceArn);

  return {
    async list(createdAfter, signal) {
      const out: EcsDeploymentBrief[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const input: ListDeploymentsInput = {
          cluster: d.clusterArn,
          service: d.serviceArn,
          ...(createdAfter ? { createdAt: { after: createdAfter } } : {}),
          ...(nextToken ? { nextToken } : {}),
        };
        const res = await call<ListDeploymentsOutput>(
          signal,
          `list the deployments of ECS service ${service}`,
          (sdk) => new sdk.ListServiceDeploymentsCommand(input),
        );
        out.push(...(res.serviceDeployments ?? []));
        nextToken = res.nextToken;
        if (!nextToken) break;
      }
      // The filter again here: whatever the server made of `createdAt`, an older deployment never
      // passes for the one `up` started.
      return out
        .filter(
          (b) => !createdAfter || b.createdAt === undefined || time(b.createdAt) >= createdAfter.getTime(),
        )
        .sort((a, b) => time(b.createdAt) - time(a.createdAt));
    },

    async describe(arn, signal) {
      const res = await call<DescribeDeploymentsOutput>(
        signal,
        `describe ECS deployment ${shortArn(arn)}`,
        (sdk) => new sdk.DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
      );
      const found =
        res.serviceDeployments?.find((s) => s.serviceDeploymentArn === arn) ?? res.serviceDeployments?.[0];
      if (!found) {
        const f = res.failures?.[0];
        throw new Error(
          `ECS did not describe deployment ${arn}${f ? `: ${f.reason ?? "failure"}${f.detail ? ` (${f.detail})` : ""}` : ""}; check the region and that the deployment still exists`,
        );
      }
      return found;
    },

    async stop(arn, signal) {
      await call<unknown>(
        signal,
        `stop ECS deployment ${shortArn(arn)} with rollback`,
        (sdk) => new sdk.StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ROLLBACK" }),
      );
    },

    async ruleWeights(signal) {
      let elb: { sdk: Awaited<ReturnType<typeof loadElbSdk>>; client: ElbClientLike } | undefined;
      const elbSession = async () => {
        if (elb) return elb;
        const sdk = await loadElbSdk(o.importer);
        const client =
          o.elbClient ??
          new sdk.ElasticLoadBalancingV2Client({
            region: d.region,
            ...(elbEndpoint ? { endpoint: elbEndpoint } : {}),
          });
        elb = { sdk, client };
        return elb;
      };
      try {
        const res = await withDeadline(timeoutMs, signal, async (dl) => {
          try {
            const { sdk, client } = await elbSession();
            const command = new sdk.DescribeRulesCommand({ RuleArns: [d.productionRuleArn] });
            return (await dl.race(client.send(command, { abortSignal: dl.signal }))) as {
              Rules?: { Actions?: AlbAction[] }[];
            };
          } catch (err) {
            throw new Error(awsFailure(`read production rule ${shortArn(d.productionRuleArn)}`, err, dl), {
              cause: err,
            });
          }
        });
        const w = albWeights(res.Rules?.[0]?.Actions ?? [], d.targetGroups);
        if ("reason" in w) return { reason: `the production rule ${w.reason}` };
        const total = Object.values(w.weights).reduce((a, b) => a + b, 0);
        const shares = Object.fromEntries(
          Object.entries(w.weights).map(([role, v]) => [role, Math.round((100 * v) / total)]),
        );
        const detail = Object.entries(shares)
          .map(([role, v]) => `${role}=${v}%`)
          .join(" ");
        return { shares, detail: `production rule ${detail}` };
      } catch (err) {
        return { reason: errorText(err) };
      }
    },
  };
}

/** The production weight ECS asked for the new revision, rounded; undefined when ECS reports none. */
export function requestedWeight(dep: EcsServiceDeployment): number | undefined {
  const w = dep.targetServiceRevision?.requestedProductionTrafficWeight;
  return typeof w === "number" && Number.isFinite(w) ? Math.round(w) : undefined;
}

/** One line on a deployment: id, status, stage, the revisions' asked weights and tasks, why. */
export function describeDeployment(dep: EcsServiceDeployment): string {
  const rev = (r: EcsRevisionSummary | undefined) =>
    r
      ? `${shortArn(r.arn)} ${r.requestedProductionTrafficWeight ?? "?"}% (${r.runningTaskCount ?? 0}/${r.requestedTaskCount ?? 0} tasks)`
      : "none";
  const parts = [
    `ECS deployment ${shortArn(dep.serviceDeploymentArn)} ${dep.status ?? "UNKNOWN"}`,
    dep.lifecycleStage ? `stage ${dep.lifecycleStage}` : undefined,
    `new revision ${rev(dep.targetServiceRevision)}`,
    dep.sourceServiceRevisions && dep.sourceServiceRevisions.length > 0
      ? `old ${dep.sourceServiceRevisions.map(rev).join(", ")}`
      : undefined,
    dep.statusReason ? `reason: ${dep.statusReason}` : undefined,
    dep.rollback?.reason ? `rollback: ${dep.rollback.reason}` : undefined,
    dep.alarms?.triggeredAlarmNames && dep.alarms.triggeredAlarmNames.length > 0
      ? `alarms: ${dep.alarms.triggeredAlarmNames.join(", ")}`
      : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(", ");
}

/**
 * What the router applies, from the deployment in progress (or the last one) and the production
 * rule's split. Verified when the rule's split is the one ECS asked for (new revision `w` %, old
 * `100 - w` %), or, with no deployment in progress, when the rule sends everything to one group.
 * `candidateRole` is the role running the new revision, when the caller knows it.
 */
export function ecsDeploymentReading(
  dep: EcsServiceDeployment | undefined,
  rule: RuleShares,
  candidateRole?: string,
): RouterReading {
  const shares = "shares" in rule ? Object.values(rule.shares) : [];
  if (dep && !isFinished(dep.status)) {
    const w = requestedWeight(dep);
    const what = describeDeployment(dep);
    if (w === undefined)
      return unverified(`${what}: ECS reports no requested production weight for the new revision yet`);
    if ("reason" in rule)
      return unverified(`${what}: ECS asks ${w}% for the new revision, but ${rule.reason}`);
    const matches =
      candidateRole !== undefined && "shares" in rule
        ? rule.shares[candidateRole] === w
        : shares.includes(w) && shares.includes(100 - w);
    if (!matches)
      return unverified(
        `${what}: ECS asks ${w}% for the new revision, but the ${rule.detail} (ECS may be between steps; read again)`,
      );
    return { verified: true, candidateWeight: w, detail: `${what}; ${rule.detail}` };
  }
  const last = dep ? `${describeDeployment(dep)}; ` : "no ECS deployment; ";
  if ("reason" in rule) return unverified(`${last}${rule.reason}`);
  if (!shares.includes(100))
    return unverified(`${last}no deployment is in progress, yet the ${rule.detail} splits traffic`);
  return { verified: true, candidateWeight: 0, detail: `${last}${rule.detail}` };
}

/** Where the ECS deployment control talks to AWS. */
export interface EcsControlOptions extends RouterControlOptions, EcsDeploymentsOptions {}

/**
 * Control of an ECS-managed service: `read` reports the deployment in progress (verified against
 * the production rule), `sendAllToStable` stops it with rollback. ECS, not the driver, moves the
 * traffic back: the brake reports "applied" only once ECS reads ROLLBACK_SUCCESSFUL and the rule
 * sends everything to one group.
 */
export function awsEcsDeploymentControl(
  d: EcsDeploymentDescriptor,
  o: EcsControlOptions = {},
): RouterControl {
  const timeoutMs = o.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS;
  const api = ecsDeployments(d, { ...o, callTimeoutMs: o.callTimeoutMs ?? timeoutMs });
  const service = shortArn(d.serviceArn);
  const newest = async (signal: AbortSignal) => {
    const [brief] = await api.list(undefined, signal);
    return brief?.serviceDeploymentArn ? api.describe(brief.serviceDeploymentArn, signal) : undefined;
  };
  const run = controlContext({ connect: () => api, timeoutMs });

  return {
    kind: "aws-ecs-deployment",

    read(_expect, signal) {
      return run.read(signal, async (_api, { signal: s }) => {
        const dep = await newest(s);
        return ecsDeploymentReading(dep, await api.ruleWeights(s));
      });
    },

    sendAllToStable(_target, _candidateVersion, signal) {
      return run.brake(signal, async (_api, { signal: s }) => {
        let arn: string | undefined;
        return writeAndVerify({
          async writeAllToStable() {
            const dep = await newest(s);
            arn = dep?.serviceDeploymentArn;
            if (arn && !isFinished(dep?.status) && !isRollback(dep?.status)) await api.stop(arn, s);
            return undefined;
          },
          async read() {
            const after = arn ? await api.describe(arn, s) : undefined;
            // A deployment that succeeded needs no rule read: nothing the brake wrote can hold.
            if (after?.status === "SUCCESSFUL") return { after };
            return { after, reading: ecsDeploymentReading(after, await api.ruleWeights(s)) };
          },
          wrong({ after, reading }) {
            if (after?.status === "SUCCESSFUL")
              return `ECS deployment ${shortArn(after.serviceDeploymentArn)} of service ${service} already succeeded: the new revision serves all traffic, and only a new deployment (the revert's up) takes it back`;
            if (after && !isFinished(after.status))
              return `ECS is rolling back deployment ${shortArn(after.serviceDeploymentArn)} of service ${service} (status ${after.status}); it is done when the deployment reads ROLLBACK_SUCCESSFUL`;
            return reading?.verified === false ? reading.reason : undefined;
          },
        });
      });
    },
  };
}
