// fake-gcs-server (a Google Cloud Storage emulator built by scripts/ensure-fake-gcs.sh into a cache
// outside the repository) for the engine tier: started on a free 127.0.0.1 port with the memory
// backend, stopped by PID. Under CI=true a missing binary fails the suite; locally it is skipped
// with the reason.
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../harness/net";
import { cannotRun, type ServerProcess, startServer } from "./server";

const {
  isExecutable,
}: typeof import("../../scripts/lib/tool-cache.js") = require("../../scripts/lib/tool-cache.js");

export const FAKE_GCS_VERSION = "1.56.1";

/** The binary: $FAKE_GCS_SERVER, the build of ensure-fake-gcs.sh, or PATH. */
export function findFakeGcs(): string | undefined {
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  const root = process.env.FAKE_GCS_DIR ?? path.join(cache, "pulumi-progressive-delivery", "fake-gcs");
  const candidates = [
    process.env.FAKE_GCS_SERVER,
    path.join(root, `v${FAKE_GCS_VERSION}`, "bin", "fake-gcs-server"),
    ...(process.env.PATH ?? "")
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.join(d, "fake-gcs-server")),
  ];
  return candidates.find((c): c is string => c !== undefined && isExecutable(c));
}

/** A running fake-gcs-server. */
export interface FakeGcs extends ServerProcess {
  /** `http://127.0.0.1:<port>`, the JSON API endpoint. */
  readonly endpoint: string;
  /** Creates a bucket (through the JSON API, as `gcloud storage buckets create` would). */
  createBucket(name: string): Promise<void>;
}

/** Starts fake-gcs-server for a suite, or stops the suite. Call from `before`; stop it in `after`. */
export async function startFakeGcs(ctx: Mocha.Context): Promise<FakeGcs> {
  const bin = findFakeGcs();
  if (!bin)
    cannotRun(
      ctx,
      "Cloud Storage emulator tests",
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
