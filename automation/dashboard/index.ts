// The release dashboard's library API (`progressive dashboard` on the command line).
export { TOKEN_ENV } from "./access";
export { type Dashboard, type DashboardOptions, startDashboard } from "./server";
export type { DashboardState, EventView, HistoryRow, LiveView, PlanStepView, StackView } from "./view";
