// Start failures of a supervisor, with messages that name the command and say what to do.
import { tailFile } from "./files";
import type { SupervisorErrorCode } from "./supervisor-config";

/** Why the supervisor could not bring its instances up. */
export class StartFailure extends Error {
  readonly code: SupervisorErrorCode;

  constructor(code: SupervisorErrorCode, message: string) {
    super(message);
    this.name = "StartFailure";
    this.code = code;
  }
}

/** The argv as a readable command line (arguments with spaces or quotes are JSON-quoted). */
export function commandText(command: readonly string[]): string {
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/** The failure for a `spawn` error (program not found, not executable, ...). */
export function spawnFailure(command: readonly string[], err: NodeJS.ErrnoException): StartFailure {
  const program = command[0] ?? "";
  if (err.code === "ENOENT") {
    const hint = program.includes(" ")
      ? '; command is an argv array, so put each argument in its own element, e.g. ["node", "server.js"]'
      : "; check the program name and PATH, or give an absolute path";
    return new StartFailure("COMMAND_NOT_FOUND", `command not found: "${program}"${hint}`);
  }
  if (err.code === "EACCES") {
    return new StartFailure("COMMAND_NOT_EXECUTABLE", `command "${program}" is not executable (EACCES)`);
  }
  return new StartFailure("SPAWN_FAILED", `could not start "${program}": ${err.message}`);
}

/** The failure for an instance that exited before the supervisor was ready, with its output's tail. */
export function exitedAtStart(
  command: readonly string[],
  index: number,
  how: string,
  logFile: string,
  logOffset: number,
): StartFailure {
  const tail = tailFile(logFile, 15, 16_384, logOffset) || "(no output)";
  return new StartFailure(
    "EXITED_AT_START",
    `command ${commandText(command)} (instance ${index}) ${how} during start-up; ` +
      `last lines of its output (${logFile}):\n${tail}`,
  );
}
