import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isAlive, readState, supervisorPaths } from "../../../components/local/runtime";
import { reapOrphans } from "../../../components/local/runtime/reap";
import { Started, tempStateDir } from "./helpers";

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

    const result = await reapOrphans(path.join(stateDir, "web"), new Set([known.pid]));
    assert.deepEqual(result.stopped, [orphan.pid]);
    assert.deepEqual(result.removed, [orphanPaths.config]);
    assert.equal(isAlive(orphan.pid), false, "the orphan supervisor is gone");
    for (const pid of instancePids) assert.equal(pid !== null && isAlive(pid), false, "its instances too");
    assert.equal(fs.existsSync(orphanPaths.config), false, "no config file with secret env remains");
    assert.equal(isAlive(known.pid), true, "the known supervisor keeps running");
    assert.equal(fs.existsSync(supervisorPaths(stateDir, "web", "v1").config), true);

    const again = await reapOrphans(path.join(stateDir, "web"), new Set([known.pid]));
    assert.deepEqual(again, { stopped: [], removed: [] }, "a second pass finds nothing");
  });

  it("does nothing for a service folder that does not exist", async () => {
    assert.deepEqual(await reapOrphans(path.join(stateDir, "nothing-here"), new Set()), {
      stopped: [],
      removed: [],
    });
  });
});
