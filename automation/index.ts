// The release driver's library API: `import { release } from "pulumi-progressive-delivery/automation"`.
// Each operation works on one service of one stack, found in the stack's state by the release
// contract (components/core/contract.ts); release settings come from the `progressive:` config
// namespace. Pass `onEvent` for typed progress events and `signal` to abort (the release reverts).

export {
  type Dashboard,
  type DashboardOptions,
  type DashboardState,
  startDashboard,
  TOKEN_ENV as DASHBOARD_TOKEN_ENV,
} from "./dashboard";
export {
  abortCommand as abort,
  type CommandOptions,
  historyCommand as history,
  openTarget,
  planCommand as plan,
  promoteCommand as promote,
  promoteEnvironmentCommand as promoteEnvironment,
  releaseCommand as release,
  resumeCommand as resume,
  rollbackCommand as rollback,
  type ServiceStatus,
  type StatusReport,
  statusCommand as status,
} from "./driver/commands";
export { EXIT_CODES, ReleaseError, type ReleaseErrorKind } from "./driver/errors";
export type { CheckMeasurement, DriverEvent } from "./driver/events";
export {
  FLAG_ROUTER_KINDS,
  type FlagOffResult,
  flagOffCommand,
  isFlag,
  releaseFlagCommand,
} from "./driver/flags";
export type { Journal, ReleasePhase } from "./driver/journal";
export { type PlanAction, type ReleasePlan, renderPlan } from "./driver/plan";
export type { PreflightCheck, PreflightOptions } from "./driver/preflight";
export type { DriverOptions, ReleaseResult } from "./driver/release";
export { parseSettings, type ReleaseSettings, SETTINGS_KEYS } from "./driver/settings";
export { type StackService, type StackTarget, servicesOf, type TrafficEntry } from "./driver/stack";
export * from "./pipeline";
export type { RouterControl, RouterReading } from "./routers/types";
