// moto's AWS API emulator for the engine tier (harness/emulators.ts): `moto_server` (installed by
// scripts/ensure-moto.sh into a virtual environment outside the repository) started on a free
// 127.0.0.1 port per suite, waited for, and stopped by its PID. Under CI=true a missing moto fails
// the suite; locally the suite is skipped with the reason (as requireEngine does for the Pulumi CLI).
import { launchMoto, type ServerProcess } from "../../harness/emulators";
import { requireEmulator } from "./emulators";

export { findMotoServer, motoVenv } from "../../harness/emulators";

/** A running moto server; `endpoint` is `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL and the clients' `endpoint`. */
export type Moto = ServerProcess;

/** Credentials and region the SDK needs to sign requests; moto accepts any. */
export const MOTO_ENV = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_SESSION_TOKEN: "testing",
  AWS_REGION: "us-east-1",
} as const;

/**
 * Starts moto for a suite, or stops the suite: fails under CI=true when moto is missing, skips
 * with the reason otherwise. Call from `before`; stop the result in `after`. `env` is added to the
 * server's environment (e.g. INITIAL_NO_AUTH_ACTION_COUNT=0 makes moto check credentials).
 */
export function startMoto(ctx: Mocha.Context, env: Record<string, string> = {}): Promise<Moto> {
  return requireEmulator(ctx, "AWS emulator tests", () => launchMoto(env));
}
