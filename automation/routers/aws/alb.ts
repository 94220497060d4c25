// AWS Application Load Balancer as a router: the weights live in the forward action of a
// listener's default actions (a created ALB) or of a listener rule (a shared ALB), one target
// group per slot ("stable"/"canary" or "blue"/"green"). Reads describe the listener or rule and
// compute the split from the weights AWS stores; the revert brake rewrites that one action with
// all weight on the stable slot (ModifyListener / ModifyRule) and reads it back.
//
// @aws-sdk/client-elastic-load-balancing-v2 is an optional peer: it is imported on the first
// read or brake, never when this module loads. The exported signatures use the small structural
// types below, so the published declarations never name the SDK.
import type { RouterDescriptor } from "../../../components/core/contract";
import { colorVersions, otherColor, type TrafficState } from "../../../components/core/traffic";
import { importPackage, type PackageImporter } from "../../metrics/sdk-call";
import { writeAndVerify } from "../brake";
import { controlContext } from "../context";
import {
  type Deadline,
  errorText,
  type RouterControl,
  type RouterControlOptions,
  unverified,
} from "../types";

/** Name of the optional peer dependency. */
export const ELBV2_PACKAGE = "@aws-sdk/client-elastic-load-balancing-v2";

/** One ELBv2 action as the API returns and takes it (the fields read and written here). */
export interface AlbAction {
  Type?: string;
  Order?: number;
  TargetGroupArn?: string;
  ForwardConfig?: {
    TargetGroups?: { TargetGroupArn?: string; Weight?: number }[];
    TargetGroupStickinessConfig?: { Enabled?: boolean; DurationSeconds?: number };
  };
  [other: string]: unknown;
}

/** The part of `ElasticLoadBalancingV2Client` used here; tests may pass their own. */
export interface ElbClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** The SDK module's parts used here. */
export interface ElbSdkLike {
  ElasticLoadBalancingV2Client: new (config: { region?: string; endpoint?: string }) => ElbClientLike;
  DescribeListenersCommand: new (input: { ListenerArns: string[] }) => unknown;
  DescribeRulesCommand: new (input: { RuleArns: string[] }) => unknown;
  ModifyListenerCommand: new (input: { ListenerArn: string; DefaultActions: AlbAction[] }) => unknown;
  ModifyRuleCommand: new (input: { RuleArn: string; Actions: AlbAction[] }) => unknown;
}

/** Where the ALB control talks to AWS, besides the shared router options. */
export interface AlbControlOptions extends RouterControlOptions {
  /** ELBv2 endpoint, e.g. an emulator's `http://127.0.0.1:5000`. @default $AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, else $AWS_ENDPOINT_URL, else AWS's */
  readonly endpoint?: string;
  /** A client to use instead of building one. @default built on first use from the descriptor's region */
  readonly client?: ElbClientLike;
  /** Imports the SDK package; tests pass one that fails. @default Node's import */
  readonly importer?: PackageImporter;
}

type AlbDescriptor = Extract<RouterDescriptor, { kind: "aws-alb" }>;

/** The weights of a forward action by slot, or why they cannot be told. */
export type AlbWeights =
  | { readonly weights: Readonly<Record<string, number>>; readonly detail: string }
  | { readonly reason: string };

const shortTg = (arn: string) => /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;

/**
 * The weight of each slot in `actions`' forward action. A collapsed forward (`TargetGroupArn`
 * without a ForwardConfig) is that group at 100. A forward to a target group the descriptor does
 * not name, with weight above 0, cannot be read as a split between the slots.
 */
export function albWeights(
  actions: readonly AlbAction[] | undefined,
  targetGroups: Readonly<Record<string, string>>,
): AlbWeights {
  const forward = (actions ?? []).find((a) => a.Type === "forward");
  if (!forward) return { reason: "has no forward action" };
  const listed =
    forward.ForwardConfig?.TargetGroups && forward.ForwardConfig.TargetGroups.length > 0
      ? forward.ForwardConfig.TargetGroups.map((t) => ({
          arn: t.TargetGroupArn ?? "",
          weight: t.Weight ?? 1,
        }))
      : forward.TargetGroupArn
        ? [{ arn: forward.TargetGroupArn, weight: 1 }]
        : [];
  const slotOf = new Map(Object.entries(targetGroups).map(([slot, arn]) => [arn, slot]));
  const weights: Record<string, number> = Object.fromEntries(Object.keys(targetGroups).map((s) => [s, 0]));
  for (const t of listed) {
    const slot = slotOf.get(t.arn);
    if (slot === undefined) {
      if (t.weight > 0)
        return {
          reason: `forwards weight ${t.weight} to ${t.arn}, which is not one of the service's target groups`,
        };
      continue;
    }
    weights[slot] = (weights[slot] ?? 0) + t.weight;
  }
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  if (total === 0) return { reason: "gives every target group of the service weight 0 (requests fail)" };
  const detail = listed.map((t) => `${shortTg(t.arn)}=${t.weight}`).join(" ");
  return { weights, detail: `forward ${detail}` };
}

/** The candidate's share (0-100) and, for blue/green slots, the colour getting all traffic. */
export function albReading(
  weights: Readonly<Record<string, number>>,
  expect: TrafficState,
): { candidateWeight: number; activeColor?: "blue" | "green" } {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  const share = (slot: string) => Math.round((100 * (weights[slot] ?? 0)) / total);
  if ("blue" in weights || "green" in weights) {
    const active = (["blue", "green"] as const).find((c) => (weights[c] ?? 0) === total);
    const idle = otherColor(colorVersions(expect).active);
    return { candidateWeight: share(idle), ...(active ? { activeColor: active } : {}) };
  }
  return { candidateWeight: share("canary") };
}

/**
 * `actions` with the forward action sending everything to `slot` and 0 to every other group of the
 * service (all still listed); other actions (authentication) kept in order. Undefined when there
 * is no forward action or `slot` has no target group.
 */
export function allToSlotActions(
  actions: readonly AlbAction[],
  targetGroups: Readonly<Record<string, string>>,
  slot: string,
): AlbAction[] | undefined {
  const target = targetGroups[slot];
  if (target === undefined || !actions.some((a) => a.Type === "forward")) return undefined;
  return actions.map((a) => {
    if (a.Type !== "forward") return a;
    const listed =
      a.ForwardConfig?.TargetGroups?.map((t) => t.TargetGroupArn ?? "") ??
      (a.TargetGroupArn ? [a.TargetGroupArn] : []);
    const arns = [...new Set([...Object.values(targetGroups), ...listed])];
    // TargetGroupArn and a multi-group ForwardConfig exclude each other in a write.
    const { TargetGroupArn: _single, ...rest } = a;
    return {
      ...rest,
      ForwardConfig: {
        ...(a.ForwardConfig ?? {}),
        TargetGroups: arns.map((arn) => ({ TargetGroupArn: arn, Weight: arn === target ? 100 : 0 })),
      },
    };
  });
}

/** Loads the SDK, naming the package to install when it is missing. */
export async function loadElbSdk(importer: PackageImporter = importPackage): Promise<ElbSdkLike> {
  try {
    return (await importer(ELBV2_PACKAGE)) as ElbSdkLike;
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (
      (e?.code === "MODULE_NOT_FOUND" || e?.code === "ERR_MODULE_NOT_FOUND") &&
      String(e.message).includes(ELBV2_PACKAGE)
    ) {
      throw new Error(`install ${ELBV2_PACKAGE} to release AWS ALB services (npm install ${ELBV2_PACKAGE})`, {
        cause: err,
      });
    }
    throw new Error(
      `could not load ${ELBV2_PACKAGE}: ${errorText(err)}; reinstall it (npm install ${ELBV2_PACKAGE})`,
      { cause: err },
    );
  }
}

/** Why an ELBv2 call failed, with what to do. */
function awsFailure(what: string, err: unknown, d: Deadline): string {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e?.name === "string" ? e.name : "";
  if (/ListenerNotFound|RuleNotFound|TargetGroupNotFound/.test(name)) {
    return `could not ${what}: ${name}; check the stack's region and account, and that the listener still exists`;
  }
  if (/AccessDenied|UnauthorizedOperation|InvalidClientTokenId|ExpiredToken/.test(name)) {
    return `could not ${what}: ${name}; give the driver's AWS credentials elasticloadbalancing:Describe* and Modify* on the listener`;
  }
  const text = d.describe(err);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(text)) {
    return `could not ${what}: the ELBv2 endpoint is not reachable (${text}); check the network, AWS_ENDPOINT_URL and the region`;
  }
  return `could not ${what}: ${name && name !== "Error" ? `${name}: ` : ""}${text}`;
}

/** Control of an ALB listener or listener rule with one weighted target group per slot. */
export function awsAlbControl(d: AlbDescriptor, o: AlbControlOptions = {}): RouterControl {
  const endpoint =
    o.endpoint ?? process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 ?? process.env.AWS_ENDPOINT_URL;
  const where = d.ruleArn ? `rule ${d.ruleArn}` : `listener ${d.listenerArn}`;
  let session: { sdk: ElbSdkLike; client: ElbClientLike } | undefined;
  const connect = async () => {
    if (session) return session;
    const sdk = await loadElbSdk(o.importer);
    const client =
      o.client ??
      new sdk.ElasticLoadBalancingV2Client({ region: d.region, ...(endpoint ? { endpoint } : {}) });
    session = { sdk, client };
    return session;
  };
  const call = async <T>(dl: Deadline, what: string, command: unknown): Promise<T> => {
    dl.check();
    const { client } = await connect();
    try {
      return (await dl.race(client.send(command, { abortSignal: dl.signal }))) as T;
    } catch (err) {
      throw new Error(awsFailure(what, err, dl), { cause: err });
    }
  };
  const readActions = async (dl: Deadline, what: string): Promise<AlbAction[]> => {
    const { sdk } = await connect();
    if (d.ruleArn) {
      const out = await call<{ Rules?: { Actions?: AlbAction[] }[] }>(
        dl,
        what,
        new sdk.DescribeRulesCommand({ RuleArns: [d.ruleArn] }),
      );
      return out.Rules?.[0]?.Actions ?? [];
    }
    const out = await call<{ Listeners?: { DefaultActions?: AlbAction[] }[] }>(
      dl,
      what,
      new sdk.DescribeListenersCommand({ ListenerArns: [d.listenerArn] }),
    );
    return out.Listeners?.[0]?.DefaultActions ?? [];
  };
  // Each call's error already names what failed and the fix (see awsFailure): reported as it is.
  const run = controlContext({ connect, timeoutMs: o.timeoutMs, reason: errorText });

  return {
    kind: "aws-alb",

    read(expect, signal) {
      return run.read(signal, async (_session, dl) => {
        const w = albWeights(await readActions(dl, `read ${where}`), d.targetGroups);
        if ("reason" in w) return unverified(`${where} ${w.reason}`);
        const r = albReading(w.weights, expect);
        return { verified: true, ...r, detail: `${where} ${w.detail}` };
      });
    },

    sendAllToStable(target, _candidateVersion, signal) {
      const colors = "blue" in d.targetGroups || "green" in d.targetGroups;
      const slot = colors ? (target.activeColor ?? "blue") : "stable";
      return run.brake(signal, (_session, dl) =>
        writeAndVerify({
          async writeAllToStable() {
            const actions = allToSlotActions(await readActions(dl, `read ${where}`), d.targetGroups, slot);
            if (!actions)
              return `${where} has no forward action, or the release names no "${slot}" target group`;
            const { sdk } = await connect();
            const command = d.ruleArn
              ? new sdk.ModifyRuleCommand({ RuleArn: d.ruleArn, Actions: actions })
              : new sdk.ModifyListenerCommand({ ListenerArn: d.listenerArn, DefaultActions: actions });
            await call(dl, `write ${where}`, command);
            return undefined;
          },
          read: async () => albWeights(await readActions(dl, `read ${where} back`), d.targetGroups),
          wrong(after) {
            if ("reason" in after) return `${where} read back ${after.reason}`;
            const total = Object.values(after.weights).reduce((a, b) => a + b, 0);
            return (after.weights[slot] ?? 0) === total
              ? undefined
              : `${where} read back still sends traffic elsewhere: ${after.detail}`;
          },
        }),
      );
    },
  };
}
