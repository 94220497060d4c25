// moto's AWS API emulator for the engine tier: `moto_server` (installed by scripts/ensure-moto.sh
// into a virtual environment outside the repository) started on a free 127.0.0.1 port per suite,
// waited for, and stopped by its PID. Under CI=true a missing moto fails the suite; locally the
// suite is skipped with the reason (as requireEngine does for the Pulumi CLI).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../harness/net";
import { cannotRun, startServer } from "./server";

/** Where scripts/ensure-moto.sh puts the environment unless MOTO_VENV says otherwise. */
export function motoVenv(): string {
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  return process.env.MOTO_VENV ?? path.join(cache, "pulumi-progressive-delivery", "moto-venv");
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The `moto_server` binary: $MOTO_SERVER, the venv of ensure-moto.sh, or PATH. */
export function findMotoServer(): string | undefined {
  const candidates = [
    process.env.MOTO_SERVER,
    path.join(motoVenv(), "bin", "moto_server"),
    ...(process.env.PATH ?? "")
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.join(d, "moto_server")),
  ];
  return candidates.find((c): c is string => c !== undefined && executable(c));
}

/** A running moto server. */
export interface Moto {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL and the clients' `endpoint`. */
  readonly endpoint: string;
  readonly pid: number;
  /** Stops the server (by PID) and waits for it to exit. */
  stop(): Promise<void>;
}

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
export async function startMoto(ctx: Mocha.Context, env: Record<string, string> = {}): Promise<Moto> {
  const bin = findMotoServer();
  if (!bin)
    cannotRun(
      ctx,
      "AWS emulator tests",
      `no moto_server found ($MOTO_SERVER, ${motoVenv()}, PATH); run \`bash scripts/ensure-moto.sh\``,
    );
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = await startServer(
    "moto_server",
    bin,
    ["-H", "127.0.0.1", "-p", String(port)],
    `${endpoint}/moto-api/`,
    { env },
  );
  return { endpoint, ...server };
}
