import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { acquireLock, lockFile } from "../../../automation/driver/journal";

describe("driver: the release lock", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-lock-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is taken once, refused to a second taker with the holder named, and given back", () => {
    const file = lockFile(path.join(dir, "web.json"));
    const first = acquireLock(file, "release v2");
    assert.ok("release" in first);
    const second = acquireLock(file, "release v3");
    assert.ok("heldBy" in second);
    assert.equal(second.heldBy.pid, process.pid);
    assert.equal(second.heldBy.what, "release v2");
    first.release();
    assert.equal(fs.existsSync(file), false);
    const third = acquireLock(file, "release v3");
    assert.ok("release" in third);
    third.release();
  });

  it("takes over a lock whose holder died, and treats a young unreadable lock as held", () => {
    const file = lockFile(path.join(dir, "web.json"));
    fs.writeFileSync(
      file,
      JSON.stringify({
        pid: 2 ** 22 + 17,
        host: os.hostname(),
        startedAt: "2026-01-01T00:00:00Z",
        what: "x",
      }),
    );
    const taken = acquireLock(file, "release v2");
    assert.ok("release" in taken, "a dead holder's lock is taken over");
    taken.release();
    fs.writeFileSync(file, "");
    const young = acquireLock(file, "release v2");
    assert.ok("heldBy" in young, "a lock being written by a starting driver is held");
  });

  it("lets exactly one of several drivers started at the same instant through", async () => {
    const file = lockFile(path.join(dir, "web.json"));
    const script = `
      const { acquireLock } = require(${JSON.stringify(path.resolve(__dirname, "../../../automation/driver/journal"))});
      const r = acquireLock(${JSON.stringify(file)}, "release " + process.pid);
      console.log("release" in r ? "got" : "refused");
      setTimeout(() => { if ("release" in r) r.release(); }, 1500);`;
    const runs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), "-e", script]);
            let out = "";
            child.stdout.on("data", (b: Buffer) => (out += b.toString()));
            child.on("close", () => resolve(out.trim()));
          }),
      ),
    );
    assert.equal(runs.filter((r) => r === "got").length, 1, JSON.stringify(runs));
    assert.equal(runs.filter((r) => r === "refused").length, 3, JSON.stringify(runs));
  });
});
