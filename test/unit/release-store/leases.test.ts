// Leases over a store: one holder at a time, refused to others with the holder named, free once
// they run out (or at once when the holder on this host is gone), renewed while held, lost when
// another driver takes them, and exactly one winner among drivers racing for one.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FolderObjectStore } from "../../../automation/store/backends/folder";
import { acquireLease, describeHolder, objectLeases, readLease } from "../../../automation/store/leases";
import { MemoryObjectStore } from "../../../automation/store/memory";
import type { LeaseRecord } from "../../../automation/store/object-store";

const NAME = "releases/shop/dev/web.lock";

describe("release store: leases", () => {
  it("is held by one driver at a time, refused to another with the holder named, and given back", async () => {
    const leases = objectLeases(new MemoryObjectStore());
    const first = await acquireLease(leases, NAME, "release v2 of web", { seconds: 30 });
    assert.ok("lease" in first);
    const second = await acquireLease(leases, NAME, "release v3 of web", { seconds: 30 });
    assert.ok("heldBy" in second);
    assert.equal(second.heldBy.free, false);
    assert.equal(second.heldBy.holder.what, "release v2 of web");
    assert.equal(second.heldBy.holder.pid, process.pid);
    assert.match(
      describeHolder(second.heldBy.holder),
      /^release v2 of web \(driver pid \d+ on .+, run r-\d{8}T\d{6}Z-[0-9a-f]{6}, since /,
    );
    await first.lease.release();
    assert.equal(await readLease(leases, NAME), undefined);
    const third = await acquireLease(leases, NAME, "release v3 of web", { seconds: 30 });
    assert.ok("lease" in third);
  });

  it("is taken over once it runs out, or at once when its holder on this host is gone, never while live elsewhere", async () => {
    const objects = new MemoryObjectStore();
    const leases = objectLeases(objects);
    const record = (host: string, pid: number, renewedAt: Date, seconds: number): LeaseRecord => ({
      holder: JSON.stringify({
        host,
        pid,
        runId: "r-other",
        what: "release v9 of web",
        since: renewedAt.toISOString(),
      }),
      holderIdentity: `${host}/${pid}/r-other`,
      acquiredAt: renewedAt.toISOString(),
      renewedAt: renewedAt.toISOString(),
      durationSeconds: seconds,
    });
    // Live on another machine: refused, whatever its pid means here.
    await leases.create(NAME, record("runner-7", 1, new Date(), 60));
    const refused = await acquireLease(leases, NAME, "resume", { seconds: 30 });
    assert.ok("heldBy" in refused && !refused.heldBy.free && refused.heldBy.holder.host === "runner-7");
    // Run out: taken over, and the lease says whose it took.
    await objects.delete(NAME);
    await leases.create(NAME, record("runner-7", 1, new Date(Date.now() - 120_000), 60));
    const taken = await acquireLease(leases, NAME, "resume", { seconds: 30 });
    assert.ok("lease" in taken);
    assert.equal(taken.lease.tookOver?.holder.host, "runner-7");
    await taken.lease.release();
    // A holder on this host whose process is gone: free at once.
    await leases.create(NAME, record(os.hostname(), 2 ** 22 + 17, new Date(), 600));
    const dead = await acquireLease(leases, NAME, "abort", { seconds: 30 });
    assert.ok("lease" in dead, "a dead local holder's lease is taken over");
    await dead.lease.release();
    // An object that is no lease record (an older driver's lock file): taken over.
    await objects.put(NAME, "");
    assert.ok("lease" in (await acquireLease(leases, NAME, "release", { seconds: 30 })));
  });

  it("renews while held, and says it was lost when another driver took it", async () => {
    const objects = new MemoryObjectStore();
    const leases = objectLeases(objects);
    const got = await acquireLease(leases, NAME, "release v2", { seconds: 30 });
    assert.ok("lease" in got);
    const before = got.lease.expiresAt.getTime();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await got.lease.renew(), true);
    assert.ok(got.lease.expiresAt.getTime() > before);
    // Someone else writes the lease (a takeover after it ran out, say).
    const current = await leases.get(NAME);
    assert.ok(current);
    await leases.update(
      NAME,
      {
        ...current.record,
        holder: JSON.stringify({ host: "laptop", pid: 9, runId: "r-x", what: "abort", since: "t" }),
      },
      current.version,
    );
    assert.equal(await got.lease.renew(), false);
    assert.match(got.lease.lost ?? "", /^taken over by abort \(driver pid 9 on laptop/);
  });

  it("is lost when the store stops answering before it could be renewed", async () => {
    const objects = new MemoryObjectStore();
    const got = await acquireLease(objectLeases(objects), NAME, "release v2", { seconds: 5 });
    assert.ok("lease" in got);
    objects.failing = new Error("connect ECONNREFUSED 127.0.0.1:9");
    const lost = await new Promise<string>((resolve) => got.lease.keepAlive(resolve));
    assert.match(lost, /not renewed \(connect ECONNREFUSED 127\.0\.0\.1:9\): it runs out at /);
  });

  it("lets exactly one of several processes racing on a folder store take it", async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-lease-race-"));
    try {
      const script = `
        const { FolderObjectStore } = require(${JSON.stringify(path.resolve(__dirname, "../../../automation/store/backends/folder"))});
        const { acquireLease, objectLeases } = require(${JSON.stringify(path.resolve(__dirname, "../../../automation/store/leases"))});
        acquireLease(objectLeases(new FolderObjectStore(${JSON.stringify(dir)})), ${JSON.stringify(NAME)}, "release " + process.pid, { seconds: 30 })
          .then((r) => { console.log("lease" in r ? "got" : "refused"); setTimeout(() => process.exit(0), 1500); });`;
      for (let round = 0; round < 3; round++) {
        fs.rmSync(path.join(dir, NAME), { force: true });
        const runs = await Promise.all(
          Array.from(
            { length: 4 },
            () =>
              new Promise<string>((resolve) => {
                const child = spawn(
                  process.execPath,
                  ["--require", require.resolve("tsx/cjs"), "-e", script],
                  {
                    env: { ...process.env, PROGRESSIVE_HOST: `machine-${Math.random()}` },
                  },
                );
                let out = "";
                child.stdout.on("data", (b: Buffer) => {
                  out += b.toString();
                });
                child.on("close", () => resolve(out.trim()));
              }),
          ),
        );
        assert.equal(runs.filter((r) => r === "got").length, 1, `round ${round}: ${JSON.stringify(runs)}`);
      }
      // What is left in the folder is the lease file itself, and no temporary or mutex file.
      assert.deepEqual(await new FolderObjectStore(dir).list(""), [NAME]);
      assert.deepEqual(fs.readdirSync(path.dirname(path.join(dir, NAME))), ["web.lock"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
