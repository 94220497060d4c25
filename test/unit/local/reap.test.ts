import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  isAlive,
  processRef,
  readState,
  type SupervisorState,
  stopSupervisor,
  supervisorPaths,
  supervisorRef,
} from "../../../components/local/runtime";
import { reapOrphans } from "../../../components/local/runtime/reap";
import { requireProc, Started, tempStateDir } from "./helpers";

describe("local runtime: orphans a crash left behind", function () {
  this.timeout(30_000);
  const stateDir = tempStateDir("reap-test");
  const started = new Started();

  after(async function () {
    this.timeout(20_000);
    await started.stopAll().catch(() => {});
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("stops the supervisors the state does not know, removes their config, and leaves the known ones", async () => {
    const known = await started.app(stateDir, "v1", {
      instances: 1,
      env: { VERSION: "v1", TOKEN: "s3cr3t" },
    });
    const orphan = await started.app(stateDir, "v2", {
      instances: 2,
      env: { VERSION: "v2", TOKEN: "s3cr3t" },
    });
    const orphanPaths = supervisorPaths(stateDir, "web", "v2");
    const instancePids = readState(orphanPaths.state)?.instances.map((i) => i.pid) ?? [];
    assert.equal(fs.existsSync(orphanPaths.config), true);

    const result = await reapOrphans(path.join(stateDir, "web"), [supervisorRef(known)]);
    assert.deepEqual(result.stopped, [orphan.pid]);
    assert.deepEqual(result.removed, [orphanPaths.config]);
    assert.equal(isAlive(orphan.pid), false, "the orphan supervisor is gone");
    for (const pid of instancePids) assert.equal(pid !== null && isAlive(pid), false, "its instances too");
    assert.equal(fs.existsSync(orphanPaths.config), false, "no config file with secret env remains");
    assert.equal(isAlive(known.pid), true, "the known supervisor keeps running");
    assert.equal(fs.existsSync(supervisorPaths(stateDir, "web", "v1").config), true);

    const again = await reapOrphans(path.join(stateDir, "web"), [known.pid]);
    assert.deepEqual(
      again,
      { stopped: [], removed: [] },
      "a second pass (bare pids: older outputs) finds nothing",
    );
  });

  describe("an old folder whose pid now names a live process", () => {
    // A service of its own: the supervisors of the test above are not known here.
    const SVC = "svc";
    let live: SupervisorState;
    let oldDir: string;
    const serviceDir = () => path.join(stateDir, SVC);

    before(async function () {
      requireProc(this);
      live = await started.app(stateDir, "live", { service: SVC, instances: 2 });
      // A stopped version's folder, as a promotion leaves it: its state says stopped, its pid is free.
      const old = await started.app(stateDir, "old", { service: SVC, instances: 1 });
      await stopSupervisor(old.pid, 2_000, { stateFile: supervisorPaths(stateDir, SVC, "old").state });
      oldDir = supervisorPaths(stateDir, SVC, "old").dir;
    });

    /** Rewrites the old folder's state and config as a crash and pid reuse would have left them. */
    function forge(patch: (s: SupervisorState) => Record<string, unknown>): void {
      const paths = supervisorPaths(stateDir, SVC, "old");
      const state = readState(paths.state);
      assert.ok(state, "the old folder has its state");
      fs.writeFileSync(paths.state, JSON.stringify(patch(state)));
      fs.writeFileSync(paths.config, "{}", { mode: 0o600 });
    }

    function assertLiveUntouched(configRemoved = true): void {
      assert.equal(isAlive(live.pid), true, "the live supervisor runs");
      const now = readState(supervisorPaths(stateDir, SVC, "live").state);
      assert.equal(now?.status, "ready");
      for (const i of live.instances)
        assert.equal(i.pid !== null && isAlive(i.pid), true, `instance ${i.pid} runs`);
      if (configRemoved)
        assert.equal(
          fs.existsSync(path.join(oldDir, "supervisor.config.json")),
          false,
          "the old config is removed",
        );
    }

    it("never signals a thread of the live supervisor named by an old file without a start time", async () => {
      const [tid] = fs
        .readdirSync(`/proc/${live.pid}/task`)
        .map(Number)
        .filter((t) => t !== live.pid);
      assert.ok(tid, "the live supervisor has threads");
      forge(({ startTime: _s, ...s }) => ({ ...s, pid: tid, status: "ready" }));
      const result = await reapOrphans(serviceDir(), [supervisorRef(live)]);
      assert.deepEqual(result.stopped, []);
      assertLiveUntouched();
    });

    it("takes a known pid with another start time for a process that is gone, and leaves the live one", async () => {
      const ref = supervisorRef(live);
      const startTime = ref.startTime;
      assert.ok(startTime !== undefined);
      forge((s) => ({ ...s, pid: live.pid, startTime: startTime - 7, status: "ready" }));
      assert.deepEqual((await reapOrphans(serviceDir(), [ref])).stopped, []);
      assertLiveUntouched();
      forge((s) => ({ ...s, pid: live.pid, startTime: startTime - 7, status: "ready" }));
      // Known by pid only (outputs of older versions): every folder with that pid counts as known.
      assert.deepEqual((await reapOrphans(serviceDir(), [live.pid])).stopped, []);
      assertLiveUntouched(false);
    });

    it("never kills the process group of a live instance named by an old file's instance", async () => {
      const victim = live.instances[0];
      assert.ok(victim?.pid);
      assert.equal(
        victim.startTime,
        processRef(victim.pid).startTime,
        "instances are recorded with their start time",
      );
      // A dead supervisor whose instance pid was reused by a live instance: without a start time
      // (an older file) and with another one.
      forge(({ startTime: _s, ...s }) => ({
        ...s,
        pid: 999_999,
        instances: [{ ...s.instances[0], pid: victim.pid, startTime: undefined, status: "ready" }],
      }));
      await reapOrphans(serviceDir(), [supervisorRef(live)]);
      assertLiveUntouched();
      // Not protected by a known state, a stop still checks each instance it was told of: another
      // start time, or (no start time) a PORT in its environment that is not the recorded one.
      const stop = await stopSupervisor(999_999, 1_000, {
        pids: [
          { pid: victim.pid, startTime: (victim.startTime ?? 0) + 3, port: victim.port },
          { pid: victim.pid, port: victim.port + 1 },
        ],
      });
      assert.deepEqual([stop.signalled, stop.forced], [false, false]);
      assertLiveUntouched(false);
    });

    it("still stops a real orphan whose file has no start time (written by an older version)", async () => {
      const orphan = await started.app(stateDir, "legacy", { service: SVC, instances: 1 });
      const paths = supervisorPaths(stateDir, SVC, "legacy");
      const { startTime: _s, ...legacy } = readState(paths.state) as SupervisorState;
      fs.writeFileSync(paths.state, JSON.stringify(legacy));
      const result = await reapOrphans(serviceDir(), [supervisorRef(live)]);
      assert.deepEqual(result.stopped, [orphan.pid]);
      assert.equal(isAlive(orphan.pid), false);
      assertLiveUntouched();
    });
  });

  it("does nothing for a service folder that does not exist", async () => {
    assert.deepEqual(await reapOrphans(path.join(stateDir, "nothing-here"), []), {
      stopped: [],
      removed: [],
    });
  });
});
