// Where each thing the driver keeps lives in a store, one layout for every backend: a folder store
// has exactly the files the driver always wrote (`releases/<project>/<stack>/<service>.json`, its
// `.lock`, `stack-step.mutex`, `reports/...`, `flags/...`), and an object store has objects at the
// same keys.
import { createHash } from "node:crypto";

/** A project, stack or service name as one key segment (at most 200 characters; a hash keeps longer ones apart). */
export function segment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_");
  const named = safe === "." || safe === ".." || safe === "" ? `_${safe}` : safe;
  if (named.length <= 200) return named;
  return `${named.slice(0, 183)}-${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
}

/** One service of one stack of one project. */
export interface ServiceRef {
  readonly project: string;
  readonly stack: string;
  readonly service: string;
}

/** The journal of a service's current (or last) release. */
export function journalKey(r: ServiceRef): string {
  return `releases/${segment(r.project)}/${segment(r.stack)}/${segment(r.service)}.json`;
}

/** The lease a release of a service holds from its preflight to its end. */
export function serviceLeaseKey(r: ServiceRef): string {
  return `releases/${segment(r.project)}/${segment(r.stack)}/${segment(r.service)}.lock`;
}

/** The lease a step holds on the whole stack, from reading `progressive:traffic` to the end of its `up`. */
export function stackStepLeaseKey(project: string, stack: string): string {
  return `releases/${segment(project)}/${segment(stack)}/stack-step.mutex`;
}

/** Keys of the journals of a stack's services start with this. */
export function journalsPrefix(project: string, stack: string): string {
  return `releases/${segment(project)}/${segment(stack)}/`;
}

/** A release's history records (object stores; the folder store keeps one JSON-lines file per stack). */
export function historyKey(stackKey: string, releaseId: string): string {
  return `${historyPrefix(stackKey)}${segment(releaseId)}.json`;
}

/** Every history record of a stack (`<project>/<stack>`), or of every stack when undefined. */
export function historyPrefix(stackKey?: string): string {
  return stackKey === undefined ? "history/" : `history/${stackKey.split("/").map(segment).join("/")}/`;
}

/** A release's report files. */
export function reportKey(stackKey: string, releaseId: string, ext: "md" | "json" | "svg"): string {
  return `reports/${stackKey.split("/").map(segment).join("/")}/${segment(releaseId)}.${ext}`;
}

/** The kill switch's index of a flag. */
export function flagIndexKey(project: string, stack: string, flag: string): string {
  return `flags/${segment(project)}/${segment(stack)}/${segment(flag)}.json`;
}
