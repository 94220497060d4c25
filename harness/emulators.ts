// The cloud emulators the engine tier and the store benchmark run: moto (AWS, installed by
// scripts/ensure-moto.sh), Azurite (Azure Blob, the `azurite` devDependency) and fake-gcs-server
// (Cloud Storage, built by scripts/ensure-fake-gcs.sh). Each is started on a free 127.0.0.1 port,
// waited for until it answers HTTP, and stopped by its PID; nothing is left on disk.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./net";

const {
  isExecutable,
}: typeof import("../scripts/lib/tool-cache.js") = require("../scripts/lib/tool-cache.js");

/** A running server process. */
export interface ServerProcess {
  readonly pid: number;
  /** `http://127.0.0.1:<port>` (Azurite: the development account's blob service URL). */
  readonly endpoint: string;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** An emulator that is not installed here; the message says how to get it. */
export class EmulatorMissing extends Error {
  override readonly name = "EmulatorMissing";
}

/** True when `url` answers HTTP with a status below 500 within a second. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(1000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Starts `bin args` and waits until `probeUrl` answers (30 s at most); throws with its stderr otherwise. */
async function startServer(
  name: string,
  bin: string,
  args: readonly string[],
  probeUrl: string,
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ pid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(bin, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...opts.env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(
        () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"),
        5000,
      );
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 30_000;
  while (!(await answers(probeUrl))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start on ${probeUrl}: ${stderr.trim() || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid as number, stop };
}

const cacheDir = () =>
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-progressive-delivery");

/** The first executable among `candidates`, then `name` on PATH. */
function findBinary(name: string, candidates: (string | undefined)[]): string | undefined {
  const onPath = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((d) => path.join(d, name));
  return [...candidates, ...onPath].find((c): c is string => c !== undefined && isExecutable(c));
}

/** Where scripts/ensure-moto.sh puts the environment unless MOTO_VENV says otherwise. */
export function motoVenv(): string {
  return process.env.MOTO_VENV ?? path.join(cacheDir(), "moto-venv");
}

/** The `moto_server` binary: $MOTO_SERVER, the venv of ensure-moto.sh, or PATH. */
export function findMotoServer(): string | undefined {
  return findBinary("moto_server", [process.env.MOTO_SERVER, path.join(motoVenv(), "bin", "moto_server")]);
}

/** Starts moto; `env` is added to its environment (INITIAL_NO_AUTH_ACTION_COUNT=0 makes it check credentials). */
export async function launchMoto(env: Record<string, string> = {}): Promise<ServerProcess> {
  const bin = findMotoServer();
  if (!bin)
    throw new EmulatorMissing(
      `no moto_server found ($MOTO_SERVER, ${motoVenv()}, PATH); run \`bash scripts/ensure-moto.sh\``,
    );
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const port = new URL(endpoint).port;
  const server = await startServer(
    "moto_server",
    bin,
    ["-H", "127.0.0.1", "-p", port],
    `${endpoint}/moto-api/`,
    {
      env,
    },
  );
  return { ...server, endpoint };
}

/** Azurite's well-known development account and key (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** Azurite's Blob service with the running Node: in memory, without telemetry, in a temporary working folder. */
export async function launchAzurite(): Promise<ServerProcess & { readonly version: string }> {
  let main: string;
  let version: string;
  try {
    main = require.resolve("azurite/dist/src/blob/main.js");
    version = (require("azurite/package.json") as { version: string }).version;
  } catch {
    throw new EmulatorMissing("the azurite package is not installed; run `npm ci`");
  }
  const port = await freePort();
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "azurite-"));
  const args = [main, "--blobHost", "127.0.0.1", "--blobPort", String(port), "--inMemoryPersistence"];
  args.push(
    "--extentMemoryLimit",
    "256",
    "--disableTelemetry",
    "--disableProductStyleUrl",
    "--skipApiVersionCheck",
    "--silent",
  );
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

export const FAKE_GCS_VERSION = "1.56.1";

/** The fake-gcs-server binary: $FAKE_GCS_SERVER, the build of ensure-fake-gcs.sh, or PATH. */
export function findFakeGcs(): string | undefined {
  const root = process.env.FAKE_GCS_DIR ?? path.join(cacheDir(), "fake-gcs");
  const built = path.join(root, `v${FAKE_GCS_VERSION}`, "bin", "fake-gcs-server");
  return findBinary("fake-gcs-server", [process.env.FAKE_GCS_SERVER, built]);
}

/** fake-gcs-server on the memory backend, with a way to create buckets (its JSON API, as gcloud would). */
export async function launchFakeGcs(): Promise<
  ServerProcess & { createBucket(name: string): Promise<void> }
> {
  const bin = findFakeGcs();
  if (!bin)
    throw new EmulatorMissing(
      "no fake-gcs-server found ($FAKE_GCS_SERVER, the ensure-fake-gcs.sh cache, PATH); run `bash scripts/ensure-fake-gcs.sh`",
    );
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ["-scheme", "http", "-host", "127.0.0.1", "-port", String(port), "-backend", "memory"];
  const server = await startServer(
    "fake-gcs-server",
    bin,
    [...args, "-log-level", "error"],
    `${endpoint}/storage/v1/b`,
  );
  const createBucket = async (name: string) => {
    const res = await fetch(`${endpoint}/storage/v1/b?project=test`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    if (!res.ok)
      throw new Error(`fake-gcs-server did not create the bucket ${name}: ${res.status} ${await res.text()}`);
  };
  return { ...server, endpoint, createBucket };
}
