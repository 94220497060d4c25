// Engine-tier helpers for mocha: the shared ones (harness/engine.ts) and the hook that finds the
// engine or stops the suite.
import { type EngineInfo, engineTools } from "../../harness/engine";

export * from "../../harness/engine";

let announced = false;

/**
 * Returns the engine, or stops the suite: under CI=true a missing engine fails the suite;
 * locally the suite is reported as skipped with the reason. Call from a `before` hook.
 */
export function requireEngine(ctx: Mocha.Context): EngineInfo {
  const engine = engineTools.findEngine();
  if (!engine) {
    const reason =
      "no Pulumi CLI found (PATH, ~/.pulumi/versions, build cache); run `bash scripts/ensure-pulumi.sh`";
    if (process.env.CI === "true") throw new Error(`engine tier cannot run: ${reason}`);
    console.log(`      skipped: ${reason}`);
    ctx.skip();
  }
  if (!announced) {
    announced = true;
    console.log(`      engine: pulumi ${engine.version} at ${engine.pulumi}`);
    console.log(`      language host: ${engine.languageHost}`);
  }
  return engine;
}
