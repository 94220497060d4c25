// The browser of the dashboard's engine test: Chromium from the system (Debian's package; see
// scripts/ensure-chromium.sh), driven by playwright-core, which downloads nothing.
import { execFileSync } from "node:child_process";

/** The Chromium executable: $CHROMIUM_PATH, else chromium or chromium-browser on PATH. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * Returns Chromium, or stops the suite: under CI=true a missing browser fails it; locally the suite
 * is reported as skipped with the reason. Call from a `before` hook.
 */
export function requireChromium(ctx: Mocha.Context): string {
  const found = findChromium();
  if (found) return found;
  const reason = "no Chromium found (CHROMIUM_PATH, PATH); run `bash scripts/ensure-chromium.sh`";
  if (process.env.CI === "true") throw new Error(`the dashboard test cannot run: ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}
