// RollingService on Container Instances: N container groups (one per replica) behind the traffic
// layer, slots named by group index. A new version rolls through them a batch at a time, and a
// group is never replaced in the `up` that takes it out of the layer: the driver walks the roll's
// states (rolling.ts) as canary weights, one `up` each, with the drain delay after each drain and
// the readiness delay after each replace.
//
// Why the driver walks it rather than one `up` with dependsOn chains between batches: in one `up`
// each endpoint has one desired state, so "disabled, then its group replaced, then enabled" cannot
// be three states of it; and Pulumi deletes every create-before-delete replaced group at the end
// of the `up`, seconds after its endpoint moved, while clients still hold cached Traffic Manager
// answers (or Front Door still propagates), and nothing in the graph can wait the readiness delay.
// The chains are kept as a guard: when one `up` does change several batches (a revert, a
// hand-edited traffic entry) a batch's new groups are created only after the previous batch's
// endpoints point at theirs.
//
// Recreate: every group is taken out of the layer (weight 0), then every group is replaced and put
// back (weight 100), with no wait between: recreate accepts the downtime.

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  checkDuration,
  DEFAULT_REPLICAS,
  type DurationInput,
  dnsLabel,
  type Problem,
  ProgressiveComponent,
  problem,
  type RecreateStrategyInput,
  type RollingStrategy,
  type RollingStrategyInput,
  resolveStrategy,
  Strategy,
  type StrategyInput,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../../core";
import { takeGeneratedSteps } from "../shared";
import { CONTAINER_INSTANCES_ARG_NAMES, type ContainerInstancesArgs } from "./args";
import { defaultScaleDownDelay } from "./blueGreenService";
import { checkContainerInstancesArgs, createGroup, type Slot } from "./groups";
import { checkRolling, type GroupLayout, groupsPerStep, rollLayout, rollPhases, rollSteps } from "./rolling";
import { type BuiltLayer, buildLayer } from "./trafficLayer";

const TYPE = "progressive:azure:ContainerInstancesRollingService";

/** Drain delay with Front Door: its configuration reaches the edges in minutes. */
export const FRONT_DOOR_DRAIN_SECONDS = 300;

/** Arguments of {@link RollingService} on Container Instances. */
export interface RollingServiceArgs extends ContainerInstancesArgs, TrafficArgs {
  /** Container groups, one instance each. @default 2 */
  readonly replicas?: number;
  /**
   * Groups per step (maxSurge, else maxUnavailable), bake time after each step (readinessDelay) and
   * deadline; or Strategy.recreate().
   * @default Strategy.rolling()
   */
  readonly strategy?: RollingStrategyInput | RecreateStrategyInput;
  /**
   * How long a group stays out of the traffic layer, still running, before it is replaced.
   * @default Traffic Manager TTL + 300 s; 300 s with Front Door
   */
  readonly drainDelay?: DurationInput;
}

/** The roll a strategy as written asks for: the steps the driver walks, groups per step, and the problems. */
export function rollPlan(args: RollingServiceArgs): {
  readonly canary: StrategyInput;
  readonly perStep: number;
  readonly problems: Problem[];
} {
  const problems: Problem[] = [];
  const input: StrategyInput = args.strategy ?? Strategy.rolling();
  const replicas = args.replicas ?? DEFAULT_REPLICAS;
  const groups = Number.isInteger(replicas) && replicas >= 1 ? replicas : DEFAULT_REPLICAS;
  const drainDefault = defaultScaleDownDelay(args) ?? FRONT_DOOR_DRAIN_SECONDS;
  const drain = checkDuration(args.drainDelay ?? drainDefault, "drainDelay", problems) ?? drainDefault;
  if (input?.kind !== "rolling" && input?.kind !== "recreate") return { canary: input, perStep: 1, problems };
  const before = problems.length;
  const resolved = resolveStrategy(input, "strategy", problems);
  if (input.kind === "recreate") {
    const deadline = resolved?.progressDeadlineSeconds ?? 300;
    return { canary: rollSteps(groups, groups, 0, 0, deadline), perStep: groups, problems };
  }
  const usable =
    problems.length === before
      ? (resolved as RollingStrategy)
      : (resolveStrategy({ kind: "rolling" }, "", []) as RollingStrategy);
  if (groups === replicas) checkRolling(input, usable, groups, problems);
  const perStep = groups < 2 ? 1 : groupsPerStep(usable, groups);
  const canary =
    groups < 2
      ? rollSteps(2, 1, 0, 0, usable.progressDeadlineSeconds)
      : rollSteps(groups, perStep, drain, usable.readinessDelaySeconds, usable.progressDeadlineSeconds);
  return { canary, perStep, problems };
}

/** Every argument name of {@link RollingServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = {
  ...serviceArgNames(CONTAINER_INSTANCES_ARG_NAMES),
  replicas: true,
  drainDelay: true,
} as const satisfies ArgNames<RollingServiceArgs>;

/** A rolling (or recreate) release of one service on Azure Container Instances, one group per replica. */
export class RollingService extends ProgressiveComponent {
  /** Per group index: the version it runs and whether the layer sends it traffic. */
  readonly groups: pulumi.Output<GroupLayout[]>;
  /** Groups replaced per step (all of them for recreate). */
  readonly groupsPerStep: pulumi.Output<number>;
  /** The steps the driver walks: a canary strategy without analysis. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: RollingServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = rollPlan(args);
    const kind = args.strategy?.kind === "recreate" ? "recreate" : "rolling";
    // A rolling or recreate input becomes generated canary steps; any other kind is refused by name.
    const written = (args.strategy as StrategyInput | undefined)?.kind;
    const walked = written === undefined || written === "rolling" || written === "recreate";
    let layout: GroupLayout[] = [];
    const release = validateService("RollingService", name, args, {
      names: ARG_NAMES,
      key: { platform: "azure-container-instances", scope: args.resourceGroupName, name: dnsLabel(name) },
      check: (r, problems) => {
        takeGeneratedSteps(problems, plan.problems);
        checkContainerInstancesArgs(args, r, problems);
        if (plan.problems.length > 0 || problems.length > 0 || r.traffic === undefined) return;
        const found = rollLayout(r.traffic, r.replicas, plan.perStep);
        if (found) layout = found;
        else {
          const weights = rollPhases(r.replicas, plan.perStep).map((p) => p.weight);
          const path = r.trafficSource === "config" ? `progressive:traffic.${name}` : "traffic";
          problems.push(
            problem(
              `${path}.candidateWeight`,
              r.traffic.candidateWeight,
              `is not a state of this ${kind} (${r.replicas} groups, ${plan.perStep} per step)`,
              `use one of ${weights.join(", ")}`,
            ),
          );
        }
      },
      input: { strategy: plan.canary, kinds: walked ? ["canary"] : ["rolling", "recreate"] },
    });
    super(TYPE, name, release, opts);

    const strategy = { ...(release.strategy as CanaryStrategy) };
    delete (strategy as { headerRoute?: unknown }).headerRoute;
    const enabledCount = layout.filter((g) => g.enabled).length;
    const slots: Slot[] = layout.map((g, i) => ({
      slot: String(i),
      version: g.version,
      percent: g.enabled ? 100 / enabledCount : 0,
    }));
    // A batch's groups wait for the previous batch's endpoints (or origins); see the header.
    let layerBuilt: (weighted: Record<string, pulumi.Resource>) => void = () => {};
    const weightedBySlot = new Promise<Record<string, pulumi.Resource>>((resolve) => {
      layerBuilt = resolve;
    });
    const batchOf = (i: number) => Math.floor(i / plan.perStep);
    const groups = slots.map((slot, i) => {
      const previous = slots.filter((_, j) => batchOf(j) === batchOf(i) - 1).map((s) => s.slot);
      const after =
        kind === "rolling" && previous.length > 0
          ? weightedBySlot.then((w) => previous.map((s) => w[s] as pulumi.Resource))
          : undefined;
      return { slot, group: createGroup(this, name, args, release, kind, slot, after) };
    });
    // Serving groups first, so the metrics target of each version is a group that serves it.
    const ordered = [...groups].sort((a, b) => Number(b.slot.percent > 0) - Number(a.slot.percent > 0));
    let layer: BuiltLayer;
    try {
      layer = buildLayer(this, name, args, release, ordered);
    } catch (e) {
      layerBuilt({}); // so no group waits forever
      throw e;
    }
    const weighted = layer.weighted;
    layerBuilt(Object.fromEntries(ordered.map((g, i) => [g.slot.slot, weighted[i] as pulumi.Resource])));
    this.groups = pulumi.output(layout);
    this.groupsPerStep = pulumi.output(plan.perStep);
    this.strategy = pulumi.output(strategy);
    const rollingStrategy = resolveStrategy(args.strategy ?? Strategy.rolling(), "strategy", []);
    this.registerRelease({
      service: dnsLabel(name),
      endpoint: layer.endpoint,
      router: layer.router,
      metrics: layer.metrics,
      trafficResources: layer.weighted,
      // Validated as the generated canary steps; released as a rolling (or recreate) update.
      overrides: { kind, strategy },
      outputs: { groups: this.groups, groupsPerStep: this.groupsPerStep, rollingStrategy },
    });
  }
}
