// `npm run demo`: the main job, on this machine, with no cloud account.
//   1. deploy v1 of the sample app (examples/local-app) on the local platform, behind the proxy;
//   2. release v2 as a canary through its steps and checks, under steady traffic: it promotes;
//   3. release v3, deliberately bad (half its responses are 500s): it is reverted automatically;
//   4. print the progress, the load figures and where the reports are; then tear down
//      (or, with --keep, leave it running and print how to stop it).
// The stack is `demo` on a file backend under the state folder; its passphrase is "demo".
import * as fs from "node:fs";
import * as path from "node:path";
import { formatEvent } from "../automation/cli";
import { releaseCommand } from "../automation/driver/commands";
import { StackHandle } from "../automation/driver/stack";
import { defaultStateDir } from "../automation/history";
import { configJson, fastCanaryValues } from "../harness/demo-config";
import { LoadGenerator } from "../harness/load";

const engineTools: typeof import("./engine/engine.js") = require("./engine/engine.js");

const root = path.resolve(__dirname, "..");
const keep = process.argv.includes("--keep");
const stateDir = defaultStateDir();
const backendDir = path.join(stateDir, "demo-backend");
const STACK = "demo";
const env = {
  PULUMI_BACKEND_URL: `file://${backendDir}`,
  PULUMI_CONFIG_PASSPHRASE: "demo",
  PROGRESSIVE_STATE_DIR: stateDir,
  PROGRESSIVE_LOCAL_DIR: stateDir,
  // As `npm run pulumi`: the local platform needs no provider plugin, but this repo's package.json
  // lists the cloud SDKs (for the other platforms' tests), and without this the engine tries to
  // download their plugins before every `up` (2.5 s per step where Pulumi's downloads are not
  // reachable, gigabytes where they are).
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  PULUMI_SKIP_UPDATE_CHECK: "true",
};

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  log("== pulumi-progressive-delivery demo: local platform, canary releases with automatic revert ==");
  const engine = engineTools.ensure();
  log(`engine: pulumi ${engine.version} (${engine.pulumi})`);
  fs.mkdirSync(backendDir, { recursive: true });
  process.env.PROGRESSIVE_STATE_DIR = stateDir;
  process.env.PROGRESSIVE_LOCAL_DIR = stateDir;
  process.env.PATH = [...engine.pathDirs, process.env.PATH ?? ""].join(path.delimiter);

  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  const ws = await LocalWorkspace.create({ workDir: root, envVars: env });
  if (!(await ws.listStacks()).some((s) => s.name === STACK)) await ws.createStack(STACK);
  const handle = await StackHandle.open({ workDir: root, stackName: STACK, env });
  await handle.stack.workspace.setAllConfigJson(STACK, configJson(handle.project, fastCanaryValues()));

  log("\n[1/3] deploy v1");
  const first = await handle.up();
  const endpoint = String(first.outputs.endpoint ?? "");
  log(`      v1 serves ${endpoint}`);

  const load = new LoadGenerator(endpoint, { ratePerSecond: 40 });
  load.start();
  const onEvent = (e: Parameters<typeof formatEvent>[0]) => {
    const line = formatEvent(e);
    if (line) log(line);
  };
  try {
    log("\n[2/3] release v2 (good) as a canary: 10% -> analysis -> 50% -> analysis -> 100%");
    const good = await releaseCommand({ workDir: root, stackName: STACK, env }, "v2", { onEvent, stateDir });
    log(`      outcome: ${good.outcome}; load so far: ${load.summary()}`);

    log("\n[3/3] release v3 (bad: 50% of its responses are 500s); the analysis must revert it");
    const bad = await releaseCommand({ workDir: root, stackName: STACK, env }, "v3", { onEvent, stateDir });
    log(`      outcome: ${bad.outcome}; ${bad.reason ?? ""}`);

    const after = await load.probe(200);
    log(`\nafter the revert, 200 requests answered by: ${JSON.stringify(after)} (all must be v2)`);
    log(`load during the demo: ${load.summary()}`);
    log(`reports: ${good.reports?.markdown ?? "-"}\n         ${bad.reports?.markdown ?? "-"}`);
    const ok =
      good.outcome === "promoted" && bad.outcome === "reverted" && Object.keys(after).join() === "v2";
    log(ok ? "\ndemo OK" : "\ndemo did NOT go as expected (see above)");
    return ok ? 0 : 1;
  } finally {
    await load.stop();
    if (keep) {
      log(`\nleft running at ${endpoint}. Stop it with:`);
      log(
        `  PULUMI_BACKEND_URL=file://${backendDir} PULUMI_CONFIG_PASSPHRASE=demo npm run pulumi -- destroy --yes --stack ${STACK}`,
      );
    } else {
      log("\ntearing down (destroy, remove the stack)...");
      await handle.stack.destroy();
      await handle.stack.workspace.removeStack(STACK);
      log("done: destroy stopped every process it started and checked their ports are free");
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
