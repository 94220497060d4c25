import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { acquireLock, lockFile, stackStepLockFile, waitForLock } from "../../../automation/driver/journal";

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

  it("serializes the steps of drivers of one stack: read-modify-write of one value loses nothing", async () => {
    // Each driver adds its own entries to one JSON value (as each adds its service's entry to
    // progressive:traffic), reading and writing it with a pause in between, under the step lock.
    const file = stackStepLockFile(dir, "shop", "dev");
    const value = path.join(dir, "traffic.json");
    fs.writeFileSync(value, "{}");
    const script = (name: string) => `
      const fs = require("node:fs");
      const { waitForLock } = require(${JSON.stringify(path.resolve(__dirname, "../../../automation/driver/journal"))});
      (async () => {
        for (let i = 0; i < 8; i++) {
          const lock = await waitForLock(${JSON.stringify(file)}, "step of ${name}", { timeoutMs: 60000, pollMs: 5 });
          if (!("release" in lock)) throw new Error("not taken");
          const all = JSON.parse(fs.readFileSync(${JSON.stringify(value)}, "utf8"));
          await new Promise((r) => setTimeout(r, 10));
          all["${name}-" + i] = i;
          fs.writeFileSync(${JSON.stringify(value)}, JSON.stringify(all));
          lock.release();
        }
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const codes = await Promise.all(
      ["web", "api", "worker"].map(
        (name) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(
              process.execPath,
              ["--require", require.resolve("tsx/cjs"), "-e", script(name)],
              {
                stdio: ["ignore", "ignore", "inherit"],
              },
            );
            child.on("close", resolve);
          }),
      ),
    );
    assert.deepEqual(codes, [0, 0, 0]);
    assert.equal(Object.keys(JSON.parse(fs.readFileSync(value, "utf8"))).length, 24, "every write kept");
    assert.equal(fs.existsSync(file), false, "the lock is given back");
  });

  it("waits while a live holder has the step lock, and gives up with the holder after the timeout", async () => {
    const file = stackStepLockFile(dir, "shop", "dev");
    const held = acquireLock(file, "step of web");
    assert.ok("release" in held);
    const told: string[] = [];
    const timedOut = await waitForLock(file, "step of api", {
      timeoutMs: 300,
      pollMs: 20,
      onWait: (h) => told.push(h.what),
    });
    assert.ok("heldBy" in timedOut);
    assert.equal(timedOut.heldBy.what, "step of web");
    assert.deepEqual(told, ["step of web"]);
    setTimeout(() => held.release(), 100);
    const later = await waitForLock(file, "step of api", { timeoutMs: 5_000, pollMs: 20 });
    assert.ok("release" in later, "taken once the holder gave it back");
    later.release();
  });
});
