// A promotion pipeline end to end on the local platform: five stacks of the repo's program (dev;
// staging with a soak; prod-a, prod-b, prod-c as a wave of at most two, behind an approval) on one
// temporary file backend, each version taken through the normal release of each stack.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { statusCommand } from "../../automation/driver/commands";
import { ReleaseError } from "../../automation/driver/errors";
import {
  type PipelineEvent,
  PipelineState,
  pipelineApprove,
  pipelinePromote,
  pipelineStatusCommand,
} from "../../automation/pipeline";
import { folderStore } from "../../automation/store/release-store";
import { configJson, fastCanaryValues } from "../../harness/demo-config";
import { PROJECT } from "../support/driver-stack";
import { createBackend, type EngineInfo, requireEngine, shadowProject } from "../support/engine";

const root = path.resolve(__dirname, "..", "..");
const SOAK_SECONDS = 4;
const STACKS = ["pl-dev", "pl-staging", "pl-prod-a", "pl-prod-b", "pl-prod-c"] as const;

const PIPELINE = `# the test's pipeline
name: web
stages:
  - name: dev
    stacks: [pl-dev]
  - name: staging
    stacks: [pl-staging]
    soak: ${SOAK_SECONDS}s
  - name: prod
    stacks: [pl-prod-a, pl-prod-b, pl-prod-c]
    maxParallel: 2
    approval: true
`;

/** Short plans; prod-b alone analyses the candidate under load, and v3 answers 50 % 500s only there. */
function stackConfig(name: string): string {
  const analysed = name === "pl-prod-b";
  return configJson(
    PROJECT,
    fastCanaryValues({
      intervalSeconds: 1,
      // prod-b's pause lets prod-a, in its batch, take v3 first: its rollback is what the test sees.
      steps: analysed
        ? [{ setWeight: 50 }, { pause: { duration: "15s" } }, { analysis: {} }, { setWeight: 100 }]
        : [{ setWeight: 100 }],
      versionEnv: analysed ? { v3: { ERROR_RATE: "0.5" } } : {},
      extra: { "progressive:release": { drift: "off", load: analysed } },
    }),
  );
}

/** The most stacks of a stage whose releases ran at once, from the pipeline's own events. */
function maxConcurrent(events: readonly PipelineEvent[], version: string, stage: string): number {
  let now = 0;
  let max = 0;
  for (const e of events.filter((x) => x.version === version && x.stage === stage)) {
    if (e.type === "stackStarted") max = Math.max(max, ++now);
    if (e.type === "stackEnded" && !/^(rolledBack|kept|rollbackFailed):/.test(e.detail ?? "")) now--;
  }
  return max;
}

function at(events: readonly PipelineEvent[], match: (e: PipelineEvent) => boolean): number {
  const e = events.find(match);
  assert.ok(e, "the event was recorded");
  return Date.parse(e.at);
}

describe("promotion pipeline (engine tier, local platform)", function () {
  this.timeout(900_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("takes a good version through five stacks with soak, wave limit and approval; stops a bad one at prod-b", async () => {
    const backend = createBackend(engine);
    const project = shadowProject(root);
    const workDir = project.workDir;
    const stateDir = path.join(backend.dir, "progressive");
    const env = { ...backend.envVars, PROGRESSIVE_LOCAL_DIR: stateDir };
    const pulumiCommand = await PulumiCommand.get({
      root: path.dirname(path.dirname(engine.pulumi)),
      skipVersionCheck: true,
    });
    const stacks: Stack[] = [];
    const o = { workDir, env, stateDir };
    const traffic = async (name: string) =>
      (await statusCommand({ workDir, env, stackName: name }, { stateDir })).services[0]?.traffic
        .stableVersion;
    try {
      fs.writeFileSync(path.join(workDir, "progressive.pipeline.yaml"), PIPELINE);
      // Deployed at v1 two at a time (the machine's two cores).
      const deploy = async (names: readonly string[]) => {
        for (const name of names) {
          const stack = await LocalWorkspace.createStack(
            { stackName: name, workDir },
            { envVars: env, pulumiCommand },
          );
          stacks.push(stack);
          await stack.workspace.setAllConfigJson(name, stackConfig(name));
          await stack.up();
        }
      };
      await Promise.all([deploy(STACKS.slice(0, 3)), deploy(STACKS.slice(3))]);
      const state = new PipelineState(folderStore(stateDir).objects, PROJECT, "web");

      // v2: dev, then staging; prod waits for its approval, after staging's soak.
      const first = await pipelinePromote("v2", o);
      assert.equal(first.outcome, "waiting", JSON.stringify(first));
      assert.equal(first.stage, "prod");
      assert.match(first.reason ?? "", /pipeline approve v2 --stage prod/);
      let events = (await state.read()).events;
      assert.ok(
        !events.some((e) => e.stage === "prod" && e.type === "stackStarted"),
        "prod untouched before approval",
      );
      assert.equal(await traffic("pl-prod-a"), "v1");
      const waiting = await pipelineStatusCommand(o);
      assert.deepEqual(waiting.stages.find((s) => s.stage === "prod")?.awaitingApproval, ["v2"]);

      await pipelineApprove("v2", "prod", { ...o, actor: "release-manager" });
      const second = await pipelinePromote("v2", o);
      assert.equal(second.outcome, "promoted", JSON.stringify(second));
      for (const name of STACKS) assert.equal(await traffic(name), "v2", `${name} runs v2`);
      events = (await state.read()).events;
      const soaked =
        at(events, (e) => e.version === "v2" && e.stage === "prod" && e.type === "stageStarted") -
        at(events, (e) => e.version === "v2" && e.stage === "staging" && e.type === "stageEnded");
      assert.ok(soaked >= SOAK_SECONDS * 1000, `prod started ${soaked} ms after staging ended`);
      assert.equal(maxConcurrent(events, "v2", "prod"), 2, "two prod stacks at once, never three");

      // v3: bad only in prod-b (its checks revert it); prod-a rolled back, prod-c never touched.
      const third = await pipelinePromote("v3", o);
      assert.equal(third.outcome, "waiting", JSON.stringify(third));
      await pipelineApprove("v3", "prod", o);
      const fourth = await pipelinePromote("v3", o);
      assert.equal(fourth.outcome, "failed", JSON.stringify(fourth));
      assert.match(fourth.reason ?? "", /pl-prod-b: web reverted/);
      const doc = await state.read();
      const prod = doc.runs.v3?.stages.prod;
      assert.equal(prod?.stacks["pl-prod-b"]?.status, "failed");
      assert.equal(
        prod?.stacks["pl-prod-a"]?.status,
        "rolledBack",
        JSON.stringify(prod?.stacks["pl-prod-a"]),
      );
      assert.equal(prod?.stacks["pl-prod-c"], undefined, "prod-c never started");
      assert.match(doc.rejected.v3?.reason ?? "", /reverted by its checks on pl-prod-b/);
      for (const name of ["pl-prod-a", "pl-prod-b", "pl-prod-c"])
        assert.equal(await traffic(name), "v2", name);
      assert.equal(await traffic("pl-staging"), "v3", "stages before the failed one keep v3");
      const after = await pipelineStatusCommand(o);
      const stage = (name: string) => after.stages.find((x) => x.stage === name);
      assert.equal(stage("staging")?.version, "v3");
      assert.equal(stage("prod")?.version, "v2", "prod's last version taken whole is v2");
      assert.deepEqual(
        stage("prod")?.stacks.map((k) => [k.stack, k.version, k.last?.version, k.last?.status]),
        [
          ["pl-prod-a", "v2", "v3", "rolledBack"],
          ["pl-prod-b", "v2", "v3", "failed"],
          ["pl-prod-c", "v2", "v2", "promoted"],
        ],
      );
      assert.match(after.rejected.v3?.reason ?? "", /pl-prod-b/);

      await assert.rejects(
        pipelinePromote("v3", o),
        (e: unknown) =>
          e instanceof ReleaseError &&
          e.kind === "rejected" &&
          e.exitCode === 7 &&
          /v3 was rejected/.test(e.message),
      );
    } finally {
      for (const stack of stacks) {
        await stack
          .destroy()
          .catch((err: unknown) => console.log(`      destroy failed: ${String(err).split("\n")[0]}`));
      }
      backend.dispose();
      project.dispose();
    }
  });
});
