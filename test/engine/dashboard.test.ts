// The release dashboard end to end: `progressive dashboard` as a child process (the library's
// startDashboard in this process for the read-only case) on the repo's program
// on the local platform, with a real engine, real processes and real HTTP traffic, and its page
// driven by a real headless Chromium (the system's, through playwright-core). A release pauses at
// its weight and is aborted from the page with the token; a bad release reverts, and the page
// shows it within a second of the journal's revert record; both end in the history on the page.
import * as assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import { startDashboard } from "../../automation/dashboard";
import { releaseCommand, statusCommand } from "../../automation/driver/commands";
import { type Journal, journalFile } from "../../automation/driver/journal";
import type { ReleaseResult } from "../../automation/driver/release";
import type { Json } from "../../harness/demo-config";
import { LoadGenerator } from "../../harness/load";
import { requireChromium } from "../support/chromium";
import { type DriverStack, PROJECT, withDriverStack } from "../support/driver-stack";
import { type EngineInfo, requireEngine } from "../support/engine";

/** Where screenshots go: $TEST_ARTIFACTS, else a new temporary folder (printed either way). */
function artifactsDir(): string {
  const dir = process.env.TEST_ARTIFACTS
    ? path.join(process.env.TEST_ARTIFACTS, "dashboard")
    : fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-artifacts-"));
  fs.mkdirSync(dir, { recursive: true });
  console.log(`      screenshots: ${dir}`);
  return dir;
}

interface Answer {
  status: number;
  body: { ok?: boolean; error?: { field?: string; value?: string; fix?: string; message: string } };
}

/** Where a dashboard answers. */
interface Served {
  readonly url: string;
}

const root = path.resolve(__dirname, "..", "..");
const exec = promisify(execFile);
const CLI = ["--require", require.resolve("tsx/cjs"), path.join(root, "automation", "cli.ts")];

/** `progressive dashboard <flags>` on the stack's project: its address and token, as it prints them. */
async function startCli(
  s: DriverStack,
  flags: string[],
): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(
    process.execPath,
    [...CLI, "dashboard", "--cwd", s.target.workDir, "--state-dir", s.stateDir, ...flags],
    { env: { ...process.env, ...s.env }, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  const printed = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`progressive dashboard printed no address in 2 minutes: ${out}`));
    }, 120_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve(m);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`progressive dashboard exited (${code}): ${out}`));
    });
  });
  return { child, url: printed[1] as string, token: printed[2] as string };
}

/** Stops the CLI as Ctrl-C would, and waits for it to exit. */
async function stopCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  await exited;
}

async function request(d: Served, p: string, init: RequestInit = {}): Promise<Answer> {
  const r = await fetch(new URL(p, d.url), init);
  return { status: r.status, body: (await r.json()) as Answer["body"] };
}

const post = (d: Served, p: string, token?: string, body = "{}") =>
  request(d, p, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });

/** The first journal record of `version` in phase reverting (or reverted), read every 20 ms. */
function watchRevert(file: string, version: string): { found: Promise<Journal>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const found = new Promise<Journal>((resolve) => {
    timer = setInterval(() => {
      let j: Journal | undefined;
      try {
        j = JSON.parse(fs.readFileSync(file, "utf8")) as Journal;
      } catch {
        return; // not written yet, or caught between write and rename
      }
      if (j.version === version && (j.phase === "reverting" || j.phase === "reverted")) {
        clearInterval(timer);
        resolve(j);
      }
    }, 20);
  });
  return { found, stop: () => clearInterval(timer) };
}

/**
 * Asks the page to note (as body[data-revert-shown-at]) when it first shows a revert of `version`.
 * The page's CSP allows no eval, so the test waits for that attribute, not for a function.
 */
async function noteRevertShown(page: Page, version: string): Promise<void> {
  // A string: the test is compiled without the DOM's types; this runs in the page.
  await page.evaluate(`(() => {
    const check = () => {
      const phase = document.querySelector('[data-live][data-version="${version}"]')?.getAttribute("data-phase");
      if (!document.body.hasAttribute("data-revert-shown-at") && (phase === "reverting" || phase === "reverted"))
        document.body.setAttribute("data-revert-shown-at", String(Date.now()));
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true });
  })()`);
}

describe("Dashboard (engine tier, local platform, headless Chromium)", function () {
  this.timeout(900_000);
  let engine: EngineInfo;
  let executablePath: string;

  before(function () {
    engine = requireEngine(this);
    executablePath = requireChromium(this);
  });

  it("refuses bad input with field, value and fix and changes nothing; shows a paused release at its weight, aborts it from the page with the token, shows a revert within a second, then both releases in history", async () => {
    const steps: Json[] = [{ setWeight: 30 }, { analysis: {} }, { pause: {} }, { setWeight: 100 }];
    await withDriverStack(engine, { steps }, async (s: DriverStack) => {
      const artifacts = artifactsDir();
      const base = { workDir: s.target.workDir, env: s.env, store: { stateDir: s.stateDir } };
      const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 }).start();
      const cli = await startCli(s, ["--stacks", `${s.name},ghost`, "--allow-changes"]);
      const dash = { url: cli.url };
      let browser: Browser | undefined;
      try {
        const token = cli.token;
        const service = (await statusCommand(s.target, { stateDir: s.stateDir })).services[0]?.name as string;
        const svc = `/api/stacks/${s.name}/services/${service}`;

        // Bad input: 4xx JSON naming the field, the value and the fix.
        const readOnly = await startDashboard(base);
        try {
          const r = await post(readOnly, `${svc}/abort`, token);
          assert.equal(r.status, 403);
          assert.equal(r.body.error?.field, "allow-changes");
          assert.match(r.body.error?.fix ?? "", /--allow-changes/);
          const unknown = await request(readOnly, "/api/stacks/nope-stack");
          assert.equal(unknown.status, 404);
          assert.deepEqual([unknown.body.error?.field, unknown.body.error?.value], ["stack", "nope-stack"]);
        } finally {
          await readOnly.close();
        }
        const cases: Array<[string, string | undefined, string, number, string]> = [
          [`${svc}/promote`, undefined, "{}", 401, "token"],
          [`${svc}/promote`, "not-the-token-at-all", "{}", 401, "token"],
          [`/api/stacks/someone-elses/services/${service}/abort`, token, "{}", 403, "stack"],
          [`/api/stacks/ghost/services/${service}/abort`, token, "{}", 404, "stack"],
          [`/api/stacks/${s.name}/services/nope/abort`, token, "{}", 404, "service"],
          [`${svc}/promote`, token, '{"full":"yes"}', 400, "full"],
          [`${svc}/promote`, token, "[1]", 400, "body"],
          [`${svc}/delete`, token, "{}", 404, "action"],
        ];
        for (const [p, t, body, status, field] of cases) {
          const r = await post(dash, p, t, body);
          const what = `${p} ${body} (token ${t ? "given" : "missing"}): ${JSON.stringify(r.body)}`;
          assert.equal(r.status, status, what);
          assert.equal(r.body.ok, false, what);
          assert.equal(r.body.error?.field, field, what);
          assert.ok(r.body.error?.value && r.body.error.fix && r.body.error.message, what);
        }
        const untouched = (await statusCommand(s.target, { stateDir: s.stateDir })).services[0];
        assert.deepEqual(untouched?.traffic, { stableVersion: "v1", candidateWeight: 0 });
        assert.equal(untouched?.journal, undefined, "no release was started");

        browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        await page.goto(`${dash.url}#token=${token}`);
        await page.waitForSelector(`[data-stack="${s.name}"] tr[data-service="${service}"]`);

        // A release that pauses for a decision at 30 %: the page shows it there, read back.
        // Released by the CLI, which exits at the pause: only then may another process (the
        // dashboard) take the release over (a live owner process counts as a running driver).
        const { stdout } = await exec(
          process.execPath,
          [
            ...CLI,
            "release",
            "v2",
            "--stack",
            s.name,
            "--cwd",
            s.target.workDir,
            "--state-dir",
            s.stateDir,
            "--json",
            "--quiet",
          ],
          { env: { ...process.env, ...s.env }, maxBuffer: 16 * 1024 * 1024 },
        );
        const paused = (JSON.parse(stdout.trim().split("\n").pop() as string) as { result: ReleaseResult })
          .result;
        assert.equal(paused.outcome, "paused");
        await page.waitForSelector('[data-live][data-version="v2"][data-phase="paused"][data-weight="30"]');
        await page.waitForSelector(`tr[data-service="${service}"] td[data-router-weight="30"]`, {
          timeout: 60_000,
        });
        await page.screenshot({ path: path.join(artifacts, "1-paused.png"), fullPage: true });

        // Aborted from the page: the button, with the token from the address; the page says so.
        // (An abort is one traffic change; a promotion is three `up`s, kept out of the test's time.)
        await page.click('[data-live][data-version="v2"] button[data-action="abort"]');
        await page.waitForSelector('[data-live][data-version="v2"][data-phase="reverted"][data-weight="0"]', {
          timeout: 300_000,
        });
        await page.waitForSelector("#message.ok");
        assert.match(
          (await page.textContent("#message")) ?? "",
          new RegExp(`^abort ${service}: (aborted|reverted)$`),
        );

        // A bad version: its check fails at 30 %, it reverts; the page shows it within a second.
        await noteRevertShown(page, "v3");
        const watch = watchRevert(journalFile(s.stateDir, PROJECT, s.name, service), "v3");
        const bad = releaseCommand({ ...s.target, service }, "v3", {
          stateDir: s.stateDir,
          actor: "engine-test",
        });
        const revert = await watch.found;
        await page.waitForSelector("body[data-revert-shown-at]", { timeout: 30_000 });
        const shownAt = Number(await page.getAttribute("body", "data-revert-shown-at"));
        const lag = shownAt - Date.parse(revert.updatedAt);
        console.log(`      revert shown ${lag} ms after the journal's revert record (${revert.phase})`);
        assert.ok(lag < 1000, `the page showed the revert ${lag} ms after the journal recorded it`);
        await page.screenshot({ path: path.join(artifacts, "2-reverting.png"), fullPage: true });
        const r3 = await bad;
        assert.equal(r3.outcome, "reverted");

        // Both releases in history, with the report linked.
        await page.waitForSelector(`tr[data-history-row="${r3.releaseId}"][data-outcome="reverted"]`);
        const first = `tr[data-history-row="${paused.releaseId}"]`;
        await page.waitForSelector(`${first}[data-outcome="aborted"], ${first}[data-outcome="reverted"]`);
        await page.waitForSelector('[data-live][data-version="v3"][data-phase="reverted"]');
        await page.screenshot({ path: path.join(artifacts, "3-history.png"), fullPage: true });
        // The stack alone (the README's picture, docs/dashboard.png, is one of these).
        await page
          .locator(`[data-stack="${s.name}"]`)
          .screenshot({ path: path.join(artifacts, "4-stack.png") });
        const href = await page.getAttribute(`tr[data-history-row="${r3.releaseId}"] a`, "href");
        const report = await fetch(new URL(href as string, dash.url));
        assert.equal(report.status, 200);
        assert.match(await report.text(), new RegExp(r3.releaseId));
        watch.stop();
      } finally {
        await browser?.close();
        await stopCli(cli.child);
        await load.stop();
      }
    });
  });
});
