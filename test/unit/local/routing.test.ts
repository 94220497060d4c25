import * as assert from "node:assert/strict";
import { ConfigError, SmoothWeightedPicker, validateRouteTable } from "../../../components/local/runtime";

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.ok(err.message.startsWith(`${err.field}: `), "the message starts with the field");
    return err.message;
  }
  assert.fail("expected a ConfigError");
}

const two = (a: number, b: number) => ({
  versions: [
    { name: "blue", weight: a, instances: [{ port: 3001 }] },
    { name: "green", weight: b, instances: [{ port: 3002 }] },
  ],
});

describe("local runtime: routing table", () => {
  it("smooth weighted round-robin is exact over any window of 100 picks and spreads picks out", () => {
    const picker = new SmoothWeightedPicker([
      { item: "a", weight: 10 },
      { item: "b", weight: 30 },
      { item: "c", weight: 60 },
      { item: "z", weight: 0 },
    ]);
    const picks = Array.from({ length: 1000 }, () => picker.next());
    for (let start = 0; start + 100 <= picks.length; start += 7) {
      const window = picks.slice(start, start + 100);
      assert.equal(window.filter((p) => p === "a").length, 10);
      assert.equal(window.filter((p) => p === "b").length, 30);
      assert.equal(window.filter((p) => p === "c").length, 60);
    }
    assert.ok(!picks.includes("z"));
    const longestRunOfA = Math.max(
      ...picks
        .join("")
        .split(/[^a]+/)
        .map((r) => r.length),
    );
    assert.ok(longestRunOfA <= 1, "a (10 %) is never picked twice in a row");
  });

  it("fills defaults: host 127.0.0.1, header X-Canary: true", () => {
    const table = validateRouteTable({ ...two(90, 10), headerRoute: { version: "green" } });
    assert.deepEqual(table.versions[0]?.instances, [{ host: "127.0.0.1", port: 3001 }]);
    assert.deepEqual(table.headerRoute, { version: "green", header: "X-Canary", value: "true" });
  });

  it("accepts an empty table (no route) and a zero-weight version without instances", () => {
    assert.deepEqual(validateRouteTable({ versions: [] }).versions, []);
    const t = validateRouteTable({
      versions: [
        { name: "a", weight: 100, instances: [{ port: 1 }] },
        { name: "b", weight: 0 },
      ],
    });
    assert.deepEqual(t.versions[1]?.instances, []);
  });

  it("rejects bad tables with the field, the value and the fix", () => {
    assert.match(
      fieldOf(() => validateRouteTable(two(50, 40))),
      /^routes\.versions: .*add up to 100, got 90 \(blue=50, green=40\)/,
    );
    assert.match(
      fieldOf(() => validateRouteTable(two(50.5, 49.5))),
      /^routes\.versions\[0\]\.weight: .*integer from 0 to 100, got 50\.5/,
    );
    assert.match(
      fieldOf(() => validateRouteTable(two(-10, 110))),
      /^routes\.versions\[0\]\.weight/,
    );
    assert.match(
      fieldOf(() => validateRouteTable({ versions: [{ name: "a", weight: 100, instances: [] }] })),
      /^routes\.versions\[0\]\.instances: .*weight 100 but no instances; add instances or set its weight to 0/,
    );
    assert.match(
      fieldOf(() => validateRouteTable({ versions: [...two(50, 50).versions, { name: "blue", weight: 0 }] })),
      /^routes\.versions\[2\]\.name: .*appears twice/,
    );
    assert.match(
      fieldOf(() => validateRouteTable({ versions: [{ name: "a b", weight: 100 }] })),
      /^routes\.versions\[0\]\.name/,
    );
    assert.match(
      fieldOf(() => validateRouteTable({ ...two(50, 50), weights: {} })),
      /^routes\.weights: unknown field/,
    );
    assert.match(
      fieldOf(() =>
        validateRouteTable({
          versions: [{ name: "a", weight: 100, instances: [{ host: "10.0.0.5", port: 80 }] }],
        }),
      ),
      /^routes\.versions\[0\]\.instances\[0\]\.host: .*not a loopback address/,
    );
    assert.match(
      fieldOf(() => validateRouteTable({ ...two(50, 50), headerRoute: { version: "canary" } })),
      /^routes\.headerRoute\.version: .*"canary", which is not in the table \(versions: blue, green\)/,
    );
    assert.match(
      fieldOf(() =>
        validateRouteTable({
          versions: [...two(50, 50).versions, { name: "c", weight: 0 }],
          previewVersion: "c",
        }),
      ),
      /^routes\.previewVersion: .*"c" has no instances/,
    );
    assert.match(
      fieldOf(() =>
        validateRouteTable({
          versions: [
            { name: "a", weight: 50, instances: [{ port: 3001 }] },
            { name: "b", weight: 50, instances: [{ port: 3001 }] },
          ],
        }),
      ),
      /^routes\.versions\[1\]\.instances\[0\]: 127\.0\.0\.1:3001 is already listed under version "a"/,
    );
  });
});
