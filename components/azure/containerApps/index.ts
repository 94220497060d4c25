// Azure Container Apps: BlueGreenService, CanaryService and RollingService on one app in Multiple
// revision mode, traffic split by revision.

export { canonicalJson, KEY_VAULT_SECRETS_USER, probeFor, secretName } from "./app";
export * from "./args";
export * from "./blueGreenService";
export * from "./canaryService";
export { type LedgerInputs, type LedgerState, nextLedger } from "./ledger";
export { REVISION_LEDGER_TYPE, RevisionLedger } from "./ledgerResource";
export * from "./revisions";
export * from "./rollingService";
