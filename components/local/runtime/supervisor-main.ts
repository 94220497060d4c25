// Daemon entry of the instance supervisor: `node supervisor-main.js <config.json>`.
// Writes its state to supervisor.state.json next to the config; stops its instances on SIGTERM/SIGINT.
import { readJsonFile, writeJsonAtomic } from "./files";
import { StartFailure } from "./start-failure";
import { Supervisor } from "./supervisor";
import { supervisorPaths, validateSupervisorConfig } from "./supervisor-config";

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} supervisor[${process.pid}] ${message}\n`);
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error("usage: supervisor-main <config.json>");
  const config = validateSupervisorConfig(readJsonFile(configFile));
  const paths = supervisorPaths(config.stateDir, config.service, config.version);
  const supervisor = new Supervisor(config, (state) => writeJsonAtomic(paths.state, state), log);
  let stopping: Promise<void> | undefined;
  const stop = (sig: string): void => {
    if (stopping) return;
    log(`${sig}: stopping instances (grace ${config.stopGraceMs} ms)`);
    stopping = supervisor.stop().then(
      () => {
        log("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log(`stop failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  log(`starting ${config.instances} instance(s) of ${config.service}/${config.version}`);
  try {
    await supervisor.start();
  } catch (err) {
    if (stopping) return;
    stopping = Promise.resolve();
    const code = err instanceof StartFailure ? err.code : "SPAWN_FAILED";
    log(`start failed (${code}): ${(err as Error).message}`);
    await supervisor.stop();
    supervisor.markFailed(err);
    process.exit(1);
  }
  log("all instances ready");
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${new Date().toISOString()} supervisor[${process.pid}] fatal: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
});
