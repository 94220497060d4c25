// The folder store: the ObjectStore contract, then what only a folder has to get right: writers
// in separate processes (the folder may be a volume several machines mount), a mutex left by a
// writer that died, readers that never see half a write, and a folder left with only objects.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FolderObjectStore } from "../../../automation/store/backends/folder";
import { CONFLICT, StoreError } from "../../../automation/store/object-store";
import { describeConformance } from "./conformance";

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "store-folder-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describeConformance("folder", () => ({
  fresh: async () => new FolderObjectStore(tempDir()),
  pageSize: 3,
  failing: () => {
    const file = path.join(tempDir(), "a-file");
    fs.writeFileSync(file, "");
    return [
      {
        label: "a folder that does not exist",
        open: async () => new FolderObjectStore(path.join(tempDir(), "not-mounted"), { create: false }),
        failure: "notFound",
        mentions: [/does not exist/, /mkdir -p .*not-mounted/],
      },
      {
        label: "a file where the folder should be",
        open: async () => new FolderObjectStore(file),
        failure: "badUrl",
        mentions: [/is not a folder/],
      },
    ];
  },
}));

describe("folder store", () => {
  it("creates its folder, private to the user, unless told not to", async () => {
    const root = path.join(tempDir(), "state", "nested");
    await assert.rejects(
      new FolderObjectStore(root, { create: false }).check(),
      (e: unknown) => e instanceof StoreError && e.failure === "notFound",
    );
    assert.equal(fs.existsSync(root), false);
    const store = new FolderObjectStore(root);
    await store.check();
    assert.equal(fs.statSync(root).mode & 0o777, 0o700);
    await store.put("a/b.json", "{}");
    assert.equal(fs.statSync(path.join(root, "a")).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(root, "a/b.json")).mode & 0o777, 0o600);
  });

  it("keeps objects at their keys' paths, and nothing else once calls are done", async () => {
    const root = tempDir();
    const store = new FolderObjectStore(root);
    const v = await store.put("releases/shop/dev/web.json", "{}", { ifAbsent: true });
    assert.ok(v !== CONFLICT);
    assert.equal(await store.put("releases/shop/dev/web.json", "{}", { ifAbsent: true }), CONFLICT);
    assert.ok(
      (await store.put("releases/shop/dev/web.json", '{"a":1}', { ifVersion: v.version })) !== CONFLICT,
    );
    assert.equal(fs.readFileSync(path.join(root, "releases/shop/dev/web.json"), "utf8"), '{"a":1}');
    assert.ok((await store.put("history/shop/dev.jsonl", "x")) !== CONFLICT);
    assert.equal(await store.delete("history/shop/dev.jsonl"), "deleted");
    assert.deepEqual(filesUnder(root), ["releases/shop/dev/web.json"]);
  });

  it("rewriting equal content is a new version", async () => {
    const store = new FolderObjectStore(tempDir());
    const v1 = await store.put("k.json", "same");
    const v2 = await store.put("k.json", "same");
    assert.ok(v1 !== CONFLICT && v2 !== CONFLICT);
    assert.notEqual(v1.version, v2.version);
    assert.equal(await store.put("k.json", "other", { ifVersion: v1.version }), CONFLICT);
  });

  it("refuses a key that is both an object and a folder of others, naming both", async () => {
    const store = new FolderObjectStore(tempDir());
    await store.put("a/b", "x");
    await assert.rejects(
      store.put("a/b/c", "y"),
      (e: unknown) => e instanceof StoreError && /both "a\/b" and "a\/b\/c"/.test(e.message),
    );
    assert.equal(await store.get("a/b/c"), undefined);
  });

  it("takes over a mutex left by a writer that died, once it has not changed for mutexStaleMs", async () => {
    const root = tempDir();
    const store = new FolderObjectStore(root, { mutexStaleMs: 300 });
    const v = await store.put("lease.json", "one", { ifAbsent: true });
    assert.ok(v !== CONFLICT);
    fs.writeFileSync(path.join(root, "lease.json~lock"), "a writer that died");
    const replaced = await store.put("lease.json", "two", { ifVersion: v.version });
    assert.ok(replaced !== CONFLICT);
    assert.equal((await store.get("lease.json"))?.body, "two");
    assert.deepEqual(filesUnder(root), ["lease.json"]);
  });

  it("waits for a mutex that its holder keeps fresh", async () => {
    const root = tempDir();
    const store = new FolderObjectStore(root, { mutexStaleMs: 300 });
    await store.put("k.json", "one");
    const mutex = path.join(root, "k.json~lock");
    fs.writeFileSync(mutex, "a slow writer");
    // The holder rewrites its mutex (a new mtime) faster than mutexStaleMs: it must not be taken.
    let settled = false;
    const put = store.put("k.json", "two").finally(() => {
      settled = true;
    });
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 100));
      fs.writeFileSync(mutex, `a slow writer, still working (${i})`);
    }
    assert.equal(settled, false, "the put went ahead while the mutex was held");
    assert.equal((await store.get("k.json"))?.body, "one");
    fs.rmSync(mutex);
    assert.ok((await put) !== CONFLICT);
    assert.equal((await store.get("k.json"))?.body, "two");
  });

  it("readers never see half a write", async () => {
    const store = new FolderObjectStore(tempDir());
    const bodies = ["a", "b", "c"].map((c) => c.repeat(256 * 1024));
    await store.put("big.json", bodies[0] as string);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await store.put("big.json", bodies[i % 3] as string);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const got = await store.get("big.json");
      assert.ok(got && bodies.includes(got.body), `read ${got?.body.length} characters that no writer wrote`);
      reads++;
    }
    await writer;
    assert.ok(reads > 0);
  });

  it("writers in separate processes: exactly one create and one replace win each round", async function () {
    this.timeout(60_000);
    const root = tempDir();
    const store = new FolderObjectStore(root);
    const processes = 4;
    const rounds = 5;
    for (let r = 0; r < rounds; r++) await store.put(`replace-${r}.json`, "base");
    const bases = await Promise.all(
      Array.from({ length: rounds }, async (_, r) => (await store.get(`replace-${r}.json`))?.version ?? ""),
    );
    const child = path.join(__dirname, "folder-racer.ts");
    const racers = Array.from({ length: processes }, (_, i) => {
      const p = spawn(
        process.execPath,
        ["--require", "tsx/cjs", child, root, String(i), JSON.stringify(bases)],
        {
          stdio: ["pipe", "pipe", "inherit"],
        },
      );
      let out = "";
      let onReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        onReady = resolve;
      });
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.startsWith("ready\n")) onReady();
      });
      const done = new Promise<string>((resolve, reject) => {
        p.on("error", reject);
        p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`racer ${i} exited ${code}`))));
      });
      return { p, ready, done };
    });
    // Started together: each racer loads its modules first and waits for the word.
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.p.stdin.end("go\n");
    const outputs = await Promise.all(racers.map((r) => r.done));
    const wins = outputs.flatMap((o) => o.trim().split("\n")).filter((l) => l.startsWith("won "));
    for (let r = 0; r < rounds; r++) {
      const created = wins.filter((w) => w.startsWith(`won create-${r} `));
      const replaced = wins.filter((w) => w.startsWith(`won replace-${r} `));
      assert.equal(created.length, 1, `round ${r}: ${created.join(", ")}`);
      assert.equal(replaced.length, 1, `round ${r}: ${replaced.join(", ")}`);
      assert.equal((await store.get(`create-${r}.json`))?.body, created[0]?.split(" ")[2]);
      assert.equal((await store.get(`replace-${r}.json`))?.body, replaced[0]?.split(" ")[2]);
    }
    assert.ok(
      filesUnder(root).every((f) => !f.includes("~")),
      filesUnder(root).join(", "),
    );
  });
});
