// The ObjectStore contract as one mocha suite, run against every backend: the folder in the unit
// tier, S3 on moto, Azure Blob on Azurite and Google Cloud Storage on fake-gcs-server in the
// engine tier, the Kubernetes API in the cluster tier. Each test gets a fresh, empty store. What a
// backend's emulator does not honour is declared as a gap: its test then asserts the gap (so a
// fixed emulator shows up), and the README's verification table says so.
import * as assert from "node:assert/strict";
import {
  CONFLICT,
  MAX_KEY_LENGTH,
  type ObjectStore,
  StoreError,
  type StoreFailure,
} from "../../../automation/store/object-store";

/** A store that must fail check(), with the failure kind and what its message must name. */
export interface FailingStore {
  readonly label: string;
  readonly open: () => Promise<ObjectStore>;
  readonly failure: StoreFailure;
  /** Besides the store's URL, which every message names. */
  readonly mentions: readonly RegExp[];
}

/** What the conformance suite runs against. */
export interface ConformanceTarget {
  /** A fresh, empty store for one test; lists at most `pageSize` keys a page. */
  readonly fresh: () => Promise<ObjectStore>;
  /** The page size `fresh` stores list with (the pagination test writes more than a page). */
  readonly pageSize: number;
  /** Emulator gaps: the reason a guarantee cannot be shown against this server. */
  readonly gaps?: { readonly conditionalDelete?: string };
  readonly failing?: () => readonly FailingStore[];
}

/** Writers racing in the concurrency tests, and how many times each race is run. */
export const RACERS = 8;
export const REPEATS = 5;

const won = (r: { version: string } | typeof CONFLICT): r is { version: string } => r !== CONFLICT;

/** Every character keys allow, and one key of the maximum length (segments at their maximum). */
const LONG_KEY = (() => {
  const seg = (c: string) => c.repeat(200);
  const key = `${seg("a")}/${seg("B")}/${"0123456789._-".repeat(10)}`;
  return key.slice(0, MAX_KEY_LENGTH);
})();

const UNICODE_BODY = `{"note":"héllo wörld — 漢字かな — עברית — 🚀🧪 — e\u0301 — \\u0000 escaped"}\r\n\ttab`;

export function describeConformance(name: string, target: () => ConformanceTarget): void {
  describe(`${name}: the ObjectStore contract`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await target().fresh();
    });

    it("check() passes on a usable store and leaves nothing behind", async () => {
      await store.check();
      assert.deepEqual(await store.list(""), []);
    });

    it("get of a missing key is undefined", async () => {
      assert.equal(await store.get("nothing/here.json"), undefined);
    });

    it("create-if-absent: the first write wins, the second is a conflict and changes nothing", async () => {
      const first = await store.put("a/b.json", "one", { ifAbsent: true });
      assert.ok(won(first));
      assert.equal(await store.put("a/b.json", "two", { ifAbsent: true }), CONFLICT);
      assert.deepEqual(await store.get("a/b.json"), { body: "one", version: first.version });
    });

    it("replace at a version: the current one wins, a stale one and a missing key are conflicts", async () => {
      const v1 = await store.put("k.json", "one", { ifAbsent: true });
      assert.ok(won(v1));
      const v2 = await store.put("k.json", "two", { ifVersion: v1.version });
      assert.ok(won(v2));
      assert.notEqual(v2.version, v1.version);
      assert.equal(await store.put("k.json", "three", { ifVersion: v1.version }), CONFLICT);
      assert.deepEqual(await store.get("k.json"), { body: "two", version: v2.version });
      assert.equal(await store.put("missing.json", "x", { ifVersion: v2.version }), CONFLICT);
      assert.equal(await store.get("missing.json"), undefined);
    });

    it("an unconditional put creates and overwrites", async () => {
      const v1 = await store.put("u.json", "one");
      assert.ok(won(v1));
      const v2 = await store.put("u.json", "two");
      assert.ok(won(v2));
      assert.equal((await store.get("u.json"))?.body, "two");
    });

    it("delete: a stale version is a conflict, the current one deletes, a missing key is absent", async () => {
      const v1 = await store.put("d.json", "one", { ifAbsent: true });
      assert.ok(won(v1));
      const v2 = await store.put("d.json", "two", { ifVersion: v1.version });
      assert.ok(won(v2));
      const gap = target().gaps?.conditionalDelete;
      if (gap) {
        // The emulator deletes regardless of the version: assert the gap, so a fix shows up here.
        const g = await store.put("gap.json", "one", { ifAbsent: true });
        assert.ok(won(g));
        assert.ok(won(await store.put("gap.json", "two", { ifVersion: g.version })));
        assert.equal(await store.delete("gap.json", { ifVersion: g.version }), "deleted", gap);
        console.log(`      gap: ${gap}`);
      } else {
        assert.equal(await store.delete("d.json", { ifVersion: v1.version }), CONFLICT);
        assert.equal((await store.get("d.json"))?.body, "two");
      }
      assert.equal(await store.delete("d.json", { ifVersion: v2.version }), "deleted");
      assert.equal(await store.get("d.json"), undefined);
      assert.equal(await store.delete("d.json", { ifVersion: v2.version }), "absent");
      assert.equal(await store.delete("d.json"), "absent");
      assert.ok(won(await store.put("d.json", "three")));
      assert.equal(await store.delete("d.json"), "deleted");
      assert.equal(await store.get("d.json"), undefined);
    });

    it("list returns every key under a prefix, sorted, and nothing of a longer sibling prefix", async () => {
      for (const key of ["b/5.json", "a/2.json", "ab/4.json", "a/b/3.json", "a/1.json"])
        assert.ok(won(await store.put(key, key)));
      assert.deepEqual(await store.list("a/"), ["a/1.json", "a/2.json", "a/b/3.json"]);
      assert.deepEqual(await store.list("a/b/"), ["a/b/3.json"]);
      assert.deepEqual(await store.list(""), ["a/1.json", "a/2.json", "a/b/3.json", "ab/4.json", "b/5.json"]);
      assert.deepEqual(await store.list("zz/"), []);
      await assert.rejects(
        store.list("a"),
        (e: unknown) => e instanceof StoreError && e.failure === "badUrl",
      );
    });

    it("list follows pages to the end", async () => {
      const n = target().pageSize * 2 + 1;
      const keys = Array.from({ length: n }, (_, i) => `p/${String(i).padStart(3, "0")}.json`);
      await Promise.all(keys.map((k) => store.put(k, k, { ifAbsent: true })));
      assert.deepEqual(await store.list("p/"), keys);
    });

    it("bodies are UTF-8 text kept exactly, up to 512 KiB", async () => {
      const v = await store.put("unicode.json", UNICODE_BODY, { ifAbsent: true });
      assert.ok(won(v));
      assert.deepEqual(await store.get("unicode.json"), { body: UNICODE_BODY, version: v.version });
      const big = `${"x".repeat(512 * 1024 - Buffer.byteLength("🚀"))}🚀`;
      assert.equal(Buffer.byteLength(big), 512 * 1024);
      assert.ok(won(await store.put("big.json", big)));
      assert.equal((await store.get("big.json"))?.body, big);
      assert.ok(won(await store.put("empty.json", "")));
      assert.equal((await store.get("empty.json"))?.body, "");
    });

    it("keys at the limits: the longest key, every allowed character, case kept apart", async () => {
      assert.equal(LONG_KEY.length, MAX_KEY_LENGTH);
      assert.ok(won(await store.put(LONG_KEY, "long", { ifAbsent: true })));
      assert.equal((await store.get(LONG_KEY))?.body, "long");
      assert.ok(won(await store.put("Case/Key.json", "upper", { ifAbsent: true })));
      assert.ok(won(await store.put("case/key.json", "lower", { ifAbsent: true })));
      assert.equal((await store.get("Case/Key.json"))?.body, "upper");
      assert.deepEqual(await store.list(""), ["Case/Key.json", LONG_KEY, "case/key.json"].sort());
      assert.equal(await store.delete(LONG_KEY), "deleted");
    });

    it("refuses a key outside the syntax before calling the service", async () => {
      const bad = ["", "/a", "a/", "a//b", "../x", "a/./b", "a b", "ä", "a~lock", "x".repeat(201)];
      bad.push(`${"a/".repeat(256)}a`.slice(0, MAX_KEY_LENGTH + 1));
      for (const key of bad) {
        await assert.rejects(
          store.put(key, "x"),
          (e: unknown) =>
            e instanceof StoreError && e.failure === "badUrl" && e.message.includes("store key"),
          `put ${JSON.stringify(key)}`,
        );
        await assert.rejects(store.get(key), StoreError);
      }
    });

    it(`${RACERS} writers racing create-if-absent on one key: exactly one wins (x${REPEATS})`, async () => {
      for (let round = 0; round < REPEATS; round++) {
        const key = `race/create-${round}.json`;
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, i) => store.put(key, `writer ${i}`, { ifAbsent: true })),
        );
        const winners = results.flatMap((r, i) => (won(r) ? [{ i, version: r.version }] : []));
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        const [w] = winners as [{ i: number; version: string }];
        assert.deepEqual(await store.get(key), { body: `writer ${w.i}`, version: w.version });
      }
    });

    it(`${RACERS} writers racing a replace from the same read: exactly one wins (x${REPEATS})`, async () => {
      for (let round = 0; round < REPEATS; round++) {
        const key = `race/replace-${round}.json`;
        const base = await store.put(key, "base", { ifAbsent: true });
        assert.ok(won(base));
        const read = await store.get(key);
        assert.equal(read?.version, base.version);
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, i) =>
            store.put(key, `writer ${i}`, { ifVersion: read?.version ?? "" }),
          ),
        );
        const winners = results.flatMap((r, i) => (won(r) ? [{ i, version: r.version }] : []));
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        const [w] = winners as [{ i: number; version: string }];
        assert.deepEqual(await store.get(key), { body: `writer ${w.i}`, version: w.version });
      }
    });

    it(`${RACERS} deleters racing at the same version: exactly one deletes (x${REPEATS})`, async () => {
      const gap = target().gaps?.conditionalDelete;
      for (let round = 0; round < REPEATS; round++) {
        const key = `race/delete-${round}.json`;
        const v = await store.put(key, "doomed", { ifAbsent: true });
        assert.ok(won(v));
        const results = await Promise.all(
          Array.from({ length: RACERS }, () => store.delete(key, { ifVersion: v.version })),
        );
        const deleted = results.filter((r) => r === "deleted").length;
        if (gap) assert.ok(deleted >= 1, `round ${round}: none deleted`);
        else assert.equal(deleted, 1, `round ${round}: ${deleted} deletes (${results.join(", ")})`);
        assert.equal(await store.get(key), undefined);
      }
    });
  });

  describe(`${name}: check() says what is wrong and how to fix it`, () => {
    it("fails with the failure kind, naming the store's URL and the fix", async function () {
      const cases = target().failing?.() ?? [];
      if (cases.length === 0) this.skip();
      for (const c of cases) {
        const failing = await c.open();
        await assert.rejects(
          failing.check(),
          (e: unknown) => {
            assert.ok(e instanceof StoreError, `${c.label}: ${String(e)}`);
            assert.equal(e.failure, c.failure, `${c.label}: ${e.message}`);
            assert.ok(e.message.includes(failing.url), `${c.label}: no URL in ${e.message}`);
            for (const m of c.mentions) assert.match(e.message, m, `${c.label}: ${e.message}`);
            return true;
          },
          c.label,
        );
      }
    });
  });
}
