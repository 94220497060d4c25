// File helpers for daemons that are controlled through files: atomic JSON writes and log tails.
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Writes `value` as JSON so that readers see either the old or the new file, never a half-written
 * one (write to a temporary file in the same folder, then rename over the target).
 */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  fs.renameSync(tmp, file);
}

/** Parsed JSON of `file`, or undefined when it does not exist. Throws when it is not valid JSON. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return JSON.parse(text);
}

/**
 * The last `maxLines` non-empty lines of a text file, read from its last `maxBytes` bytes
 * (after `fromByte` when given). Returns "" when the file does not exist.
 */
export function tailFile(file: string, maxLines = 15, maxBytes = 16_384, fromByte = 0): string {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(fromByte, size - maxBytes);
    if (start >= size) return "";
    const buffer = Buffer.alloc(size - start);
    fs.readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer
      .toString("utf8")
      .split(/\r?\n/)
      .filter((l) => l.trim().length > 0);
    return lines.slice(-maxLines).join("\n");
  } finally {
    fs.closeSync(fd);
  }
}

/** Size of a file in bytes, 0 when it does not exist. */
export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
