// Google Cloud Run components: BlueGreenService, CanaryService and RollingService, each one Cloud
// Run service whose versions are immutable revisions and whose releases move traffic between them.

export * from "./args";
export * from "./blueGreenService";
export * from "./canaryService";
export * from "./featureFlag";
export {
  blueGreenTargets,
  CANDIDATE_TAG,
  canaryTargets,
  LEDGER_ANNOTATION,
  LEDGER_LIMIT,
  parseLedger,
  planRevisions,
  REVISION_TARGET,
  type RevisionLedger,
  type RevisionPlan,
  type RevisionPlanInput,
  revisionName,
  stableJson,
  type TrafficTarget,
} from "./revisions";
export { rollingAsCanary, rollingStepPercent, rollingWeights } from "./rolling";
export * from "./rollingService";
export { ALL_USERS, accountIdFor, INVOKER_ROLE, imageFor, probeFor, SECRET_ACCESSOR_ROLE } from "./service";
