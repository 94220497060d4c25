// Azurite's Blob service (the `azurite` devDependency) for the engine tier: started with the
// running Node on a free 127.0.0.1 port, in memory (nothing written to disk), without telemetry,
// in a temporary working folder; stopped by PID. Under CI=true a missing Azurite fails the suite;
// locally it is skipped with the reason.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../harness/net";
import { cannotRun, type ServerProcess, startServer } from "./server";

/** Azurite's well-known development account and key (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite Blob service. */
export interface Azurite extends ServerProcess {
  /** The blob service URL of the development account, `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly endpoint: string;
  readonly version: string;
}

/** Starts Azurite for a suite, or stops the suite. Call from `before`; stop the result in `after`. */
export async function startAzurite(ctx: Mocha.Context): Promise<Azurite> {
  let main: string;
  let version: string;
  try {
    main = require.resolve("azurite/dist/src/blob/main.js");
    version = (require("azurite/package.json") as { version: string }).version;
  } catch {
    cannotRun(ctx, "Azure Blob emulator tests", "the azurite package is not installed; run `npm ci`");
  }
  const port = await freePort();
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "azurite-"));
  const args = [
    main,
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(port),
    "--inMemoryPersistence",
    "--extentMemoryLimit",
    "256",
    "--disableTelemetry",
    "--disableProductStyleUrl",
    "--skipApiVersionCheck",
    "--silent",
  ];
  try {
    const server = await startServer("azurite-blob", process.execPath, args, `http://127.0.0.1:${port}/`, {
      cwd,
    });
    const stop = async () => {
      await server.stop();
      fs.rmSync(cwd, { recursive: true, force: true });
    };
    return { pid: server.pid, stop, endpoint: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`, version };
  } catch (err) {
    fs.rmSync(cwd, { recursive: true, force: true });
    throw err;
  }
}
