// The history survives its writer being killed: every record whose append resolved is on disk.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReleaseHistory } from "../../../automation/history";

describe("automation/history crash", () => {
  it("keeps every acknowledged record when the writing process is killed", async function () {
    this.timeout(20_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-history-crash-"));
    const script = path.join(dir, "writer.ts");
    const modulePath = path.resolve(__dirname, "../../../automation/history");
    fs.writeFileSync(
      script,
      `const { ReleaseHistory } = require(${JSON.stringify(modulePath)});
const h = new ReleaseHistory({ stateDir: ${JSON.stringify(dir)} });
(async () => {
  for (let i = 0; ; i++) {
    await h.append({ v: 1, type: "started", releaseId: "r" + i, stack: "prod", version: "v" + i, actor: "crash", at: new Date().toISOString() });
    process.stdout.write("ack " + i + "\\n");
  }
})();
`,
    );
    const child = spawn(process.execPath, ["--require", "tsx/cjs", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let acked = -1;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error("writer acknowledged fewer than 30 records in 15 s")),
          15_000,
        );
        child.stdout.on("data", (chunk: Buffer) => {
          for (const m of chunk.toString().matchAll(/ack (\d+)/g)) acked = Math.max(acked, Number(m[1]));
          if (acked >= 30) {
            clearTimeout(timer);
            child.kill("SIGKILL");
            resolve();
          }
        });
        child.on("exit", () => {
          clearTimeout(timer);
          if (acked < 30) reject(new Error("writer exited early"));
        });
      });
      await new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode !== null
          ? resolve()
          : child.once("exit", () => resolve()),
      );
      const read = await new ReleaseHistory({ stateDir: dir }).read("prod");
      const ids = new Set(read.records.map((r) => r.releaseId));
      for (let i = 0; i <= acked; i++) assert.ok(ids.has(`r${i}`), `acknowledged record r${i} is missing`);
      assert.ok(
        read.skipped.every((s) => s.reason.startsWith("incomplete last line")),
        JSON.stringify(read.skipped),
      );
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
