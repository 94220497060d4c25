// The cluster tier's mocha hooks: one cluster for the run, shared by every suite (harness/cluster.ts
// starts it), stopped after the last one.
import { startCluster, type TestCluster } from "../../harness/cluster";

export * from "../../harness/cluster";

let shared: Promise<TestCluster> | undefined;
let announced = false;

/**
 * The run's cluster, started at the first call and stopped after the last suite; or stops the
 * suite: under CI=true a cluster that cannot start fails it, locally it is skipped with the
 * reason. Call from a `before` hook (give it a minute: the start takes seconds).
 */
export async function requireCluster(ctx: Mocha.Context): Promise<TestCluster> {
  shared ??= startCluster();
  try {
    const cluster = await shared;
    if (!announced) {
      announced = true;
      const v = cluster.tools.versions;
      console.log(
        `      cluster: kubernetes v${v.kubernetes}, etcd v${v.etcd}, kwok v${v.kwok}, provider ${v.provider} at ${cluster.server}, started in ${cluster.startSeconds.toFixed(1)} s`,
      );
    }
    return cluster;
  } catch (err) {
    const reason = `the test cluster cannot start: ${err instanceof Error ? err.message : String(err)}`;
    if (process.env.CI === "true") throw new Error(`cluster tier cannot run: ${reason}`);
    console.log(`      skipped: ${reason}`);
    ctx.skip();
  }
}

/** Stops the shared cluster, if one was started; registered as a root hook below. */
export async function stopSharedCluster(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (!running) return;
  const cluster = await running.catch(() => undefined);
  await cluster?.stop();
}

// A root `after` hook: the cluster outlives each suite and stops when the run ends.
if (typeof after === "function") {
  after(async function () {
    this.timeout(120_000);
    await stopSharedCluster();
  });
}
