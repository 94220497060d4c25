// JSON documents in a store, read with their version and written with a compare-and-swap: the
// driver's journals and flag indexes. A write that loses the swap re-reads and lets the caller
// decide again; nothing here ever overwrites a version it did not read.
import { CONFLICT, type ObjectStore } from "./object-store";

/** A document as read, with the version the next write must name. */
export interface Versioned<T> {
  readonly value: T;
  readonly version: string;
}

/** Reads the document at `key`; undefined when there is none or `parse` refuses it. */
export async function readDocument<T>(
  objects: ObjectStore,
  key: string,
  parse: (v: unknown) => T | undefined,
  signal?: AbortSignal,
): Promise<Versioned<T> | undefined> {
  const o = await objects.get(key, signal);
  if (!o) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(o.body);
  } catch {
    return undefined;
  }
  const value = parse(json);
  return value === undefined ? undefined : { value, version: o.version };
}

/**
 * Writes `value` at `key` if the document is still at `expected` (null: only if there is none;
 * undefined: whatever is there, for documents only this driver writes). Resolves with the new
 * version, or CONFLICT when someone else wrote it in between.
 */
export async function writeDocument(
  objects: ObjectStore,
  key: string,
  value: unknown,
  expected: string | null | undefined,
  signal?: AbortSignal,
): Promise<string | typeof CONFLICT> {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  const r = await objects.put(
    key,
    body,
    expected === undefined ? undefined : expected === null ? { ifAbsent: true } : { ifVersion: expected },
    signal,
  );
  return r === CONFLICT ? CONFLICT : r.version;
}
