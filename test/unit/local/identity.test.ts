import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { currentOwner, ownerAlive } from "../../../automation/driver/journal";
import {
  HAS_PROC,
  isAlive,
  isRunning,
  processRef,
  refOf,
  startTimeOf,
} from "../../../components/process/identity";
import { requireProc } from "./helpers";

/** The ids of this process's other threads (Node always runs a few: libuv's pool, V8's workers). */
function threadIds(pid: number): number[] {
  return fs
    .readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .filter((tid) => tid !== pid);
}

/** Resolves with the first line `child` prints. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
    });
    child.once("exit", () => reject(new Error(`exited before printing a line: ${out}`)));
  });
}

describe("local runtime: a process is its pid and its start time", () => {
  before(function () {
    requireProc(this);
  });

  it("records this process with the start time of /proc/<pid>/stat field 22", () => {
    const ref = processRef(process.pid);
    const stat = fs.readFileSync(`/proc/${process.pid}/stat`, "utf8");
    const field22 = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    assert.deepEqual(ref, { pid: process.pid, startTime: field22 });
    assert.equal(isAlive(process.pid), true);
    assert.equal(isRunning(ref), true);
    assert.equal(
      isRunning(ref, "no-such-marker-in-this-command-line"),
      false,
      "the command line must hold every marker",
    );
  });

  it("does not take a thread id for a process, though kill(2) and /proc accept it", () => {
    const [tid] = threadIds(process.pid);
    assert.ok(tid !== undefined, "this process has another thread");
    process.kill(tid, 0); // what made a thread id look alive
    assert.ok(fs.existsSync(`/proc/${tid}/cmdline`), "and /proc shows the process's command line for it");
    assert.equal(isAlive(tid), false);
    assert.equal(startTimeOf(tid), undefined);
    assert.deepEqual(processRef(tid), { pid: tid });
    assert.equal(isRunning({ pid: tid }), false, "a legacy ref (no start time) naming a thread");
    assert.equal(isRunning({ pid: tid, startTime: startTimeOf(process.pid) ?? 0 }), false);
  });

  it("takes a pid with another start time for another process (a reused pid)", () => {
    const ref = processRef(process.pid);
    assert.ok(ref.startTime !== undefined);
    assert.equal(isRunning({ pid: process.pid, startTime: ref.startTime + 1 }), false);
    assert.equal(isRunning({ pid: process.pid, startTime: ref.startTime - 1 }), false);
    assert.equal(isRunning({ pid: process.pid }), true, "without a start time only the pid can be checked");
  });

  it("does not count a zombie as running, but still knows its start time", async () => {
    // `sh` forks a short sleep, prints its pid and becomes `sleep 30`, which never reaps it.
    const parent = spawn("sh", ["-c", "sleep 0.05 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const zombie = Number(await firstLine(parent));
      const deadline = Date.now() + 5_000;
      const stateOf = () => fs.readFileSync(`/proc/${zombie}/stat`, "utf8").split(") ")[1]?.[0];
      while (stateOf() !== "Z" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(stateOf(), "Z", "the child exited and was not reaped");
      process.kill(zombie, 0); // a zombie still answers kill(2)
      assert.equal(isAlive(zombie), false);
      const ref = processRef(zombie);
      assert.ok(ref.startTime !== undefined, "a zombie is still the process that was started");
      assert.equal(isRunning(ref), false);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("tells the driver a journal owner whose pid now names another process or a thread is gone", async () => {
    // `abort` sends SIGINT to the owner it finds alive: a reused pid must not be taken for it.
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await new Promise((resolve) => child.once("spawn", resolve));
      const pid = child.pid ?? 0;
      const { startTime } = processRef(pid);
      assert.ok(startTime !== undefined);
      const owner = { pid, startTime, host: os.hostname(), startedAt: new Date().toISOString() };
      assert.equal(ownerAlive(owner), true);
      assert.equal(
        ownerAlive({ ...owner, startTime: startTime + 1 }),
        false,
        "another process with that pid",
      );
      const { startTime: _s, ...older } = owner;
      assert.equal(ownerAlive(older), true, "a journal of an older version: the pid alone");
      const [tid] = threadIds(process.pid);
      assert.equal(ownerAlive({ ...older, pid: tid ?? 0 }), false, "a thread id");
      assert.equal(currentOwner().startTime, processRef(process.pid).startTime);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("is false for pids that cannot exist, and reads refs from state fields", () => {
    for (const pid of [0, -1, 1.5, Number.NaN, 2 ** 31]) assert.equal(isAlive(pid), false, String(pid));
    assert.deepEqual(refOf(12, 34), { pid: 12, startTime: 34 });
    assert.deepEqual(refOf(12, undefined), { pid: 12 });
    assert.deepEqual(refOf(12, null), { pid: 12 });
    assert.equal(refOf(null, 34), undefined);
    assert.equal(refOf("12", 34), undefined);
    assert.equal(HAS_PROC, true);
  });
});
