// `controller: "ecs"` as strategies: the strategy model translated into ECS's own BLUE_GREEN,
// CANARY and LINEAR deployment configurations where ECS can express it (one canary weight, or equal
// linear steps with equal bakes, each bake within ECS's 24 hours), and refused with field, value
// and fix where it cannot. The resources of the mode are in ecsNative.ts.

import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type BlueGreenStrategy,
  type CanaryStrategy,
  checksSeconds,
  formatDuration,
  type Problem,
  problem,
} from "../core";
import type { EcsServiceArgs } from "./args";

/** Who shifts traffic: this project's release driver, or ECS's own deployment strategies. */
export type EcsController = "driver" | "ecs";

/** Extra args of the ECS-managed mode. */
export interface EcsNativeArgs {
  /** CloudWatch alarms that make ECS roll a deployment back. @default none */
  readonly ecsAlarms?: readonly pulumi.Input<string>[];
  /** Role ECS assumes to rewrite the listener rules. @default one created with AmazonECSInfrastructureRolePolicyForLoadBalancers */
  readonly ecsInfrastructureRoleArn?: pulumi.Input<string>;
}

/** Longest bake ECS takes (bakeTimeInMinutes, canaryBakeTimeInMinutes, stepBakeTimeInMinutes). */
export const MAX_BAKE_MINUTES = 1440;

function checkBake(seconds: number, what: string, path: string, problems: Problem[]): void {
  if (Math.ceil(seconds / 60) <= MAX_BAKE_MINUTES) return;
  problems.push(
    problem(
      path,
      formatDuration(seconds),
      `makes ${what} longer than the ${MAX_BAKE_MINUTES} minutes (24h) ECS bakes at most`,
      'keep each pause (with the checks of an analysis step) within 24h, or use controller: "driver"',
    ),
  );
}

/** ECS's deployment configuration for a canary strategy, or undefined with the problems pushed. */
export function ecsCanaryConfiguration(
  strategy: CanaryStrategy,
  problems: Problem[],
): aws.types.input.ecs.ServiceDeploymentConfiguration | undefined {
  const before = problems.length;
  const weights: number[] = [];
  const bakes: number[] = [0];
  strategy.steps.forEach((step, i) => {
    const at = `strategy.steps[${i}]`;
    if (step.kind === "setWeight") {
      weights.push(step.weight);
      bakes.push(0);
    } else if (step.kind === "pause") {
      if (step.durationSeconds === undefined) {
        problems.push(
          problem(
            `${at}.pause`,
            "manual",
            "cannot wait for a manual promote under ECS: a PAUSE lifecycle hook can hold a deployment only before or after a traffic shift, never at a canary weight, and the release driver does not answer PAUSE hooks yet",
            'give the pause a duration such as "10m", or use controller: "driver"',
          ),
        );
      } else bakes[bakes.length - 1] = (bakes[bakes.length - 1] as number) + step.durationSeconds;
    } else {
      // The driver runs the checks while ECS holds the weight: hold it at least as long.
      const checks =
        step.checks.length === 0
          ? strategy.checks
          : strategy.checks.filter((c) => step.checks.includes(c.name));
      bakes[bakes.length - 1] = (bakes[bakes.length - 1] as number) + checksSeconds(checks);
    }
  });
  // bakes[k] is the pause after the k-th weight (bakes[0]: before any weight, ignored).
  const minutes = (s: number) => String(Math.ceil(s / 60));
  bakes.slice(1).forEach((seconds, k) => {
    checkBake(seconds, `the hold after weight ${weights[k]}%`, "strategy.steps", problems);
  });
  const first = weights[0] as number;
  if (weights.length === 2) {
    if (problems.length > before) return undefined;
    return {
      strategy: "CANARY",
      canaryConfiguration: { canaryPercent: first, canaryBakeTimeInMinutes: minutes(bakes[1] as number) },
      bakeTimeInMinutes: minutes(bakes[2] as number),
    };
  }
  const equal = weights.every((w, i) => w === Math.min(100, first * (i + 1)));
  const stepBakes = bakes.slice(1, weights.length);
  if (!equal || first < 3 || new Set(stepBakes).size > 1) {
    const shown = weights.join(", ");
    const why = !equal
      ? `goes ${shown}: ECS CANARY takes one canary weight and LINEAR equal steps`
      : first < 3
        ? `steps by ${first}%: ECS LINEAR steps are at least 3%`
        : `pauses ${stepBakes.map(formatDuration).join(", ")} between steps: ECS LINEAR bakes the same time after each step`;
    problems.push(
      problem(
        "strategy.steps",
        shown,
        why,
        'use [setWeight p, pause, setWeight 100] (CANARY) or equal steps with equal pauses (LINEAR), or use controller: "driver"',
      ),
    );
    return undefined;
  }
  if (problems.length > before) return undefined;
  return {
    strategy: "LINEAR",
    linearConfiguration: { stepPercent: first, stepBakeTimeInMinutes: minutes(stepBakes[0] ?? 0) },
    bakeTimeInMinutes: minutes(bakes[weights.length] as number),
  };
}

/** ECS's deployment configuration for a blue-green strategy, or undefined with the problems pushed. */
export function ecsBlueGreenConfiguration(
  strategy: BlueGreenStrategy,
  problems: Problem[],
): aws.types.input.ecs.ServiceDeploymentConfiguration | undefined {
  const before = problems.length;
  // Pre- and post-promotion checks are the driver's: it runs them on the test rule while ECS
  // tests the new colour, and on production after the switch (during the bake).
  if (!strategy.autoPromote) {
    problems.push(
      problem(
        "strategy.autoPromote",
        false,
        "cannot wait for a manual promote under ECS yet: ECS can hold a BLUE_GREEN deployment before the switch (a PAUSE lifecycle hook resumed by ContinueServiceDeployment), but the release driver does not answer PAUSE hooks",
        'set autoPromote: true, or use controller: "driver"',
      ),
    );
  }
  checkBake(
    strategy.scaleDownDelaySeconds,
    "the bake before the old colour stops",
    "strategy.scaleDownDelay",
    problems,
  );
  if (problems.length > before) return undefined;
  return {
    strategy: "BLUE_GREEN",
    bakeTimeInMinutes: String(Math.ceil(strategy.scaleDownDelaySeconds / 60)),
  };
}

/** Problems of `controller` for a strategy (only "driver" and "ecs" exist; ECS must express the strategy). */
export function checkController(
  controller: unknown,
  strategy: CanaryStrategy | BlueGreenStrategy,
  args: EcsServiceArgs & EcsNativeArgs,
  candidateWeight: number | undefined,
  problems: Problem[],
): void {
  if (controller === undefined || controller === "driver") return;
  if (controller !== "ecs") {
    problems.push(
      problem("controller", controller, 'must be "driver" or "ecs"', 'use "driver" (the default) or "ecs"'),
    );
    return;
  }
  if (candidateWeight !== undefined && candidateWeight > 0) {
    problems.push(
      problem(
        "traffic.candidateWeight",
        candidateWeight,
        'is set by ECS itself with controller "ecs"',
        "set candidateWeight to 0 and let the ECS deployment shift traffic",
      ),
    );
  }
  if (strategy.kind === "canary") ecsCanaryConfiguration(strategy, problems);
  else ecsBlueGreenConfiguration(strategy, problems);
  if (args.autoscaling) {
    problems.push(
      problem(
        "autoscaling",
        args.autoscaling,
        'is not supported with controller "ecs" yet',
        'remove it, or use controller: "driver"',
      ),
    );
  }
}

/** Every argument name of {@link EcsNativeArgs}, for the components' `ArgNames`. */
export const ECS_NATIVE_ARG_NAMES = {
  ecsAlarms: true,
  ecsInfrastructureRoleArn: true,
} as const satisfies ArgNames<EcsNativeArgs>;
