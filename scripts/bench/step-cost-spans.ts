// The engine's own account of one `up` (its OpenTelemetry spans, `--otel-traces`) for the
// step-cost benchmark (step-cost.ts): where the process's time went, and medians over runs.
import * as fs from "node:fs";

/** One CLI call the wrapper logged: start and end (ms since the epoch), exit code, command words, trace file. */
export interface Call {
  readonly start: number;
  readonly end: number;
  readonly rc: number;
  readonly command: string;
  readonly trace?: string;
}

/** The median of `values`; NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds as a whole number. */
export const round = (n: number) => Math.round(n);

interface Span {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

function readSpans(file: string): Span[] {
  if (!fs.existsSync(file)) return [];
  const spans: Span[] = [];
  const text = fs.readFileSync(file, "utf8");
  // One JSON document, or one per line when the exporter wrote several batches.
  const docs = text.trim().startsWith("{") && !text.trim().includes("}\n{") ? [text] : text.split("\n");
  for (const doc of docs) {
    if (!doc.trim()) continue;
    const j = JSON.parse(doc) as {
      resourceSpans?: {
        scopeSpans?: { spans?: { name: string; startTimeUnixNano: string; endTimeUnixNano: string }[] }[];
      }[];
    };
    for (const rs of j.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          spans.push({
            name: s.name,
            start: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000,
            end: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000,
          });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Milliseconds covered by at least one of the spans. */
function covered(spans: readonly Span[]): number {
  let total = 0;
  let until = Number.NEGATIVE_INFINITY;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.end <= until) continue;
    total += s.end - Math.max(s.start, until);
    until = s.end;
  }
  return total;
}

/** Where one `up` process went, from its spans (ms). */
export interface UpBreakdown {
  /** The `up` process, start to exit. */
  process: number;
  /** Process start to the plan: CLI init, stack and config load, the language host's first start (plugin info). */
  engineStart: number;
  /** Plan start to the stack's registration: language host start, Node, the SDK's runtime. */
  programStart: number;
  /** Stack registration to the program's first own registration: loading the program's modules (TypeScript transpiled by ts-node) and running it up to its first resource. */
  programModules: number;
  /** The program's first own registration to the end of its run: provider start, Check/Diff/Update, the program awaiting outputs. */
  resourceOperations: number;
  /** Of which provider plugins starting (not the language host). */
  providerStart: number;
  /** Of which time covered by provider RPCs (ResourceProvider/*). */
  providerRpc: number;
  /** End of the program's run to process exit: snapshot written, plugins shut down, exit. */
  engineFinish: number;
  /** Language host starts (the engine starts it twice per up). */
  languageHostStarts: number;
  registrations: number;
  providerCalls: Record<string, number>;
}

/** The breakdown of `call`, or undefined when its trace lacks the spans. */
export function breakdown(call: Call): UpBreakdown | undefined {
  const spans = call.trace ? readSpans(call.trace) : [];
  const plan = spans.find((s) => s.name === "pulumi-plan");
  const run = spans.find((s) => s.name === "pulumirpc.LanguageRuntime/Run");
  const regs = spans.filter((s) => s.name === "pulumirpc.ResourceMonitor/RegisterResource");
  // The first registration is the stack itself (the SDK makes it before it loads the program).
  const stackReg = regs[0];
  const firstReg = regs[1] ?? regs[0];
  if (!plan || !run || !stackReg || !firstReg) return undefined;
  const plugins = spans.filter((s) => s.name === "newPlugin");
  // A language host start is the newPlugin just before a GetPluginInfo/Run of the LanguageRuntime.
  const langStarts = plugins.filter((p) =>
    spans.some(
      (s) => s.name.startsWith("pulumirpc.LanguageRuntime/") && s.start >= p.end && s.start - p.end < 5,
    ),
  );
  const providerPlugins = plugins.filter((p) => !langStarts.includes(p) && p.start >= firstReg.start);
  const rpc = spans.filter((s) => s.name.startsWith("pulumirpc.ResourceProvider/"));
  const providerCalls: Record<string, number> = {};
  for (const s of rpc) {
    const op = s.name.slice("pulumirpc.ResourceProvider/".length);
    providerCalls[op] = (providerCalls[op] ?? 0) + 1;
  }
  return {
    process: call.end - call.start,
    engineStart: plan.start - call.start,
    programStart: stackReg.start - plan.start,
    programModules: firstReg.start - stackReg.start,
    resourceOperations: run.end - firstReg.start,
    providerStart: covered(providerPlugins),
    providerRpc: covered(rpc.filter((s) => s.start >= firstReg.start && s.end <= run.end)),
    engineFinish: call.end - run.end,
    languageHostStarts: covered(langStarts),
    registrations: regs.length,
    providerCalls,
  };
}

/** The median of each figure over `items`. */
export function medianBreakdown(items: readonly UpBreakdown[]): UpBreakdown | undefined {
  if (items.length === 0) return undefined;
  return {
    ...medianFields(items, [
      "process",
      "engineStart",
      "programStart",
      "programModules",
      "resourceOperations",
      "providerStart",
      "providerRpc",
      "engineFinish",
      "languageHostStarts",
      "registrations",
    ]),
    providerCalls: medianCounts(items.map((b) => b.providerCalls)),
  };
}

/** The keys of `T` whose values are numbers. */
type NumberKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];

/** The median (rounded) of each field `keys` over `items`, in the order of `keys`. */
export function medianFields<T, K extends NumberKey<T>>(items: readonly T[], keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, round(median(items.map((i) => i[k] as number)))])) as Pick<
    T,
    K
  >;
}

/** The median (rounded) of each count over `items`, a count missing from an item being 0; keys sorted. */
export function medianCounts(items: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const keys = [...new Set(items.flatMap((c) => Object.keys(c)))].sort();
  return Object.fromEntries(keys.map((k) => [k, round(median(items.map((c) => c[k] ?? 0)))]));
}
