// What an ECS-managed release (ecs-release.ts) runs on and with: the host's journal and events, the
// stack and service, and its timing and clients, with the defaults that suit AWS.

import type { ReleaseSettings } from "../../driver/settings";
import type { StackHandle, StackService } from "../../driver/stack";
import type { AnalysisRunner, ReleaseModeHost } from "../../driver/types";
import type { EcsDeployments, EcsDeploymentsOptions } from "../../routers/aws/ecs-deployment";

/** What ReleaseRun shares with an ECS-managed release: its journal, events and history (the checks come in the options). */
export type EcsReleaseHost = Omit<ReleaseModeHost, "runAnalysis">;

/** The stack, service and settings an ECS-managed release runs on (a ReleaseTarget fits). */
export interface EcsReleaseTarget {
  readonly stack: Pick<StackHandle, "name" | "workDir" | "writeTraffic" | "up" | "service">;
  readonly service: StackService;
  readonly settings: ReleaseSettings;
}

/** Timing and clients of an ECS-managed release; the defaults suit AWS. */
export interface EcsReleaseOptions extends EcsDeploymentsOptions {
  /** The deployment calls; tests pass their own. @default built from the router descriptor */
  readonly deployments?: EcsDeployments;
  /** Between two reads of the deployment. @default 15000 */
  readonly pollMs?: number;
  /** How long `up`'s deployment may take to appear in ListServiceDeployments. @default 180000 */
  readonly findTimeoutMs?: number;
  /** How long a deployment may run. @default the strategy's pauses, checks and bake, its progress deadline, plus 10 minutes */
  readonly deploymentTimeoutMs?: number;
  /** How long a rollback may take to read ROLLBACK_SUCCESSFUL. @default 1800000 */
  readonly rollbackTimeoutMs?: number;
  /** Allowed difference between this machine's clock and AWS's when matching `up` to its deployment. @default 30000 */
  readonly clockSkewMs?: number;
  /** Consecutive failed reads of the deployment tolerated while watching. @default 3 */
  readonly readErrorLimit?: number;
  /** Runs one round of checks: the host's (the driver's analysis); tests pass their own. */
  readonly runAnalysis: AnalysisRunner;
}

/** Defaults of {@link EcsReleaseOptions}. */
export const ECS_RELEASE_DEFAULTS = {
  pollMs: 15_000,
  findTimeoutMs: 180_000,
  rollbackTimeoutMs: 30 * 60_000,
  clockSkewMs: 30_000,
  readErrorLimit: 3,
  marginSeconds: 600,
} as const;
