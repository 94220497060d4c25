// What one call to each release store backend costs on this machine (`npm run bench:store`, and
// `benchStores()` for `npm run bench`): the median of RUNS (default 30) reads, conditional replaces
// (a read's version), creates-if-absent and lists of a 20-key prefix, per backend:
//   folder (a temporary folder), S3 (moto), Azure Blob (Azurite), Cloud Storage (fake-gcs-server),
//   Kubernetes (the cluster tier's API server, started for the run; KUBERNETES=0 skips it).
// Emulators run on 127.0.0.1 and the cluster in a temporary folder, all stopped by PID at the end;
// a backend whose emulator is missing is reported as skipped with the command that installs it.
// These are loopback figures: a cloud store adds the network's round trip to each call.
// Writes bench-results/store.json.
// Rerun: npm run bench:store   (RUNS=50 KUBERNETES=0 npm run bench:store)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { currentOwner, type Journal } from "../../automation/driver/journal";
import { StackState } from "../../automation/driver/state";
import { type Backend, CONFLICT } from "../../automation/store/object-store";
import { openBackend } from "../../automation/store/open";
import { sharedStore } from "../../automation/store/release-store";
import { clusterTools, startCluster } from "../../harness/cluster";
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  EmulatorMissing,
  launchAzurite,
  launchFakeGcs,
  launchMoto,
} from "../../harness/emulators";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "bench-results", "store.json");

/** Median milliseconds of each kind of call on one backend, or why it was not measured. */
export interface StoreFigures {
  readonly store: string;
  readonly getMs?: number;
  readonly replaceMs?: number;
  readonly createMs?: number;
  readonly listMs?: number;
  /**
   * What a weight step asks of the store, end to end: the journal written before and after the
   * step's `up` (compare-and-swaps), the stack's step lease taken and given back, and the three
   * journal reads of the abort watch (one a second) during a step of about 3 s.
   */
  readonly stepMs?: number;
  readonly skipped?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : Math.round((s[Math.floor((s.length - 1) / 2)] as number) * 100) / 100;
};

async function timed(runs: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  await call(-1); // warm the connection and the SDK's lazy parts
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await call(i);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** Measures one opened store (which must be empty). */
/** One weight step's store work (see StoreFigures.stepMs), through the driver's own store code. */
async function stepWork(backend: Backend, runs: number): Promise<number> {
  const state = new StackState(sharedStore(backend), "shop", "dev");
  const now = new Date().toISOString();
  const journal: Journal = {
    v: 1,
    releaseId: "20261206T150000Z-bench0",
    project: "shop",
    stack: "dev",
    service: "bench",
    version: "v2",
    previousVersion: "v1",
    strategy: "canary",
    actor: "bench",
    phase: "stepping",
    stepIndex: 2,
    lastGood: { stableVersion: "v1", candidateWeight: 0 },
    owner: currentOwner(),
    startedAt: now,
    updatedAt: now,
  };
  let version: string | null = (await state.journal("bench"))?.version ?? null;
  const write = async (patch: Partial<Journal>) => {
    const r = await state.writeJournal(
      { ...journal, ...patch, updatedAt: new Date().toISOString() },
      version,
    );
    if (r === CONFLICT) throw new Error("a journal write at its own version answered conflict");
    version = r;
  };
  return timed(runs, async (i) => {
    await write({ intended: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: i % 100 } });
    const got = await state.take(state.stepLease, "bench step");
    if (!("lease" in got)) throw new Error("the step lease is held");
    await got.lease.release();
    for (let r = 0; r < 3; r++) await state.journal("bench");
    await write({ applied: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: i % 100 } });
  });
}

async function measure(label: string, backendOf: Backend, runs: number): Promise<StoreFigures> {
  const store = backendOf.objects;
  await store.check();
  for (let i = 0; i < 20; i++) await store.put(`releases/shop/dev/svc-${i}.json`, `{"n":${i}}`);
  const key = "releases/shop/dev/web.json";
  let current = await store.put(key, '{"phase":"paused","weight":10}');
  if (current === CONFLICT) throw new Error(`${label}: an unconditional put answered conflict`);
  const getMs = await timed(runs, () => store.get(key));
  const replaceMs = await timed(runs, async (i) => {
    const r = await store.put(key, `{"phase":"stepping","weight":${i}}`, {
      ifVersion: (current as { version: string }).version,
    });
    if (r === CONFLICT) throw new Error(`${label}: a replace at the current version answered conflict`);
    current = r;
  });
  const createMs = await timed(runs, (i) =>
    store.put(`history/shop/dev/r-${i + 1}.json`, "{}", { ifAbsent: true }),
  );
  const listMs = await timed(runs, () => store.list("releases/shop/dev/"));
  const stepMs = await stepWork(backendOf, runs);
  return { store: label, getMs, replaceMs, createMs, listMs, stepMs };
}

/** Runs `open` (which starts what it needs and returns a store and a stop), or records why not. */
async function backend(
  label: string,
  runs: number,
  open: () => Promise<{ store: Backend; stop(): Promise<void> }>,
): Promise<StoreFigures> {
  let opened: { store: Backend; stop(): Promise<void> } | undefined;
  try {
    opened = await open();
    return await measure(label, opened.store, runs);
  } catch (err) {
    if (err instanceof EmulatorMissing) return { store: label, skipped: err.message };
    // One backend that fails (a port taken meanwhile, a slow start) does not lose the others' figures.
    return {
      store: label,
      skipped: `failed: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`,
    };
  } finally {
    await opened?.stop();
  }
}

/** Measures every backend that can run here; see the top of this file. */
export async function benchStores(runs = Number(process.env.RUNS ?? 30)): Promise<StoreFigures[]> {
  const saved = { ...process.env };
  const results: StoreFigures[] = [];
  try {
    results.push(
      await backend("folder", runs, async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-store-"));
        return {
          store: await openBackend(dir, { create: true }),
          stop: async () => fs.rmSync(dir, { recursive: true, force: true }),
        };
      }),
    );
    results.push(
      await backend("s3 (moto)", runs, async () => {
        const moto = await launchMoto();
        Object.assign(process.env, {
          AWS_ACCESS_KEY_ID: "bench",
          AWS_SECRET_ACCESS_KEY: "bench",
          AWS_REGION: "us-east-1",
        });
        await new S3Client({ endpoint: moto.endpoint, forcePathStyle: true }).send(
          new CreateBucketCommand({ Bucket: "bench" }),
        );
        return {
          store: await openBackend(`s3://bench/state?endpoint=${moto.endpoint}`),
          stop: moto.stop,
        };
      }),
    );
    results.push(
      await backend("azure blob (azurite)", runs, async () => {
        const azurite = await launchAzurite();
        process.env.AZURE_STORAGE_KEY = AZURITE_KEY;
        const service = new BlobServiceClient(
          azurite.endpoint,
          new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
        );
        await service.getContainerClient("bench").create();
        const url = `azblob://${AZURITE_ACCOUNT}/bench/state?endpoint=${azurite.endpoint}`;
        return { store: await openBackend(url), stop: azurite.stop };
      }),
    );
    results.push(
      await backend("cloud storage (fake-gcs-server)", runs, async () => {
        const gcs = await launchFakeGcs();
        await gcs.createBucket("bench");
        return {
          store: await openBackend(`gs://bench/state?endpoint=${gcs.endpoint}`),
          stop: gcs.stop,
        };
      }),
    );
    if (process.env.KUBERNETES === "0") results.push({ store: "kubernetes", skipped: "KUBERNETES=0" });
    else if (clusterTools.missing().length > 0)
      results.push({
        store: "kubernetes",
        skipped: `the cluster tools are not built; run \`bash scripts/ensure-cluster.sh\``,
      });
    else
      results.push(
        await backend("kubernetes (API server)", runs, async () => {
          const cluster = await startCluster();
          await cluster.createNamespace("bench");
          const url = `k8s://bench?kubeconfig=${cluster.kubeconfigPath}`;
          return { store: await openBackend(url), stop: cluster.stop };
        }),
      );
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  return results;
}

/** The weight step's own median (bench:step's one-service step), else the README's figure. */
export function weightStepMs(): { ms: number; source: string } {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(ROOT, "bench-results", "step-cost.json"), "utf8")) as {
      oneService?: { durationMs?: number };
    };
    const ms = r.oneService?.durationMs;
    if (typeof ms === "number") return { ms, source: "bench-results/step-cost.json (npm run bench:step)" };
  } catch {
    // not measured on this machine yet
  }
  return { ms: 2920, source: "the README's bench:step figure" };
}

/** The figures as lines of a table, each store's step work beside the weight step itself. */
export function renderStoreFigures(results: readonly StoreFigures[]): string[] {
  const cell = (v: number | undefined) => (v === undefined ? "" : `${v.toFixed(1)} ms`).padStart(10);
  const step = weightStepMs();
  const share = (v: number | undefined) =>
    (v === undefined ? "" : `${((100 * v) / step.ms).toFixed(2)} %`).padStart(10);
  const lines = [
    `${"store".padEnd(34)}${["get", "replace", "create", "list 20", "per step", "of step"].map((h) => h.padStart(10)).join("")}`,
  ];
  for (const r of results)
    lines.push(
      r.skipped
        ? `${r.store.padEnd(34)}skipped: ${r.skipped}`
        : `${r.store.padEnd(34)}${cell(r.getMs)}${cell(r.replaceMs)}${cell(r.createMs)}${cell(r.listMs)}${cell(r.stepMs)}${share(r.stepMs)}`,
    );
  lines.push(
    `(a weight step takes ${(step.ms / 1000).toFixed(2)} s, from ${step.source}; goal: the store at most 5 % of it)`,
  );
  return lines;
}

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 30);
  const results = await benchStores(runs);
  console.log(`Release store calls, median of ${runs} on ${os.cpus().length} cores (loopback emulators):`);
  for (const line of renderStoreFigures(results)) console.log(`  ${line}`);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify({ runs, results }, null, 2)}\n`);
  console.log(
    `\nwrote ${path.relative(ROOT, OUT)}; rerun: npm run bench:store   (RUNS=50 KUBERNETES=0 npm run bench:store)`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
