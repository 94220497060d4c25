// What the driver adds to an `up`: the Node options of a weight-only step, the outputs the event
// log reports as registered, and the run method the Automation API uses but does not declare.
import * as fs from "node:fs";
import type { OutputMap } from "@pulumi/pulumi/automation";

/**
 * NODE_OPTIONS of a weight-only (targeted) step: the program's with `--stack-trace-limit=0`
 * added, or undefined when the program's options already set a limit (the user's choice stands).
 *
 * The Node SDK captures a stack trace for every promise it makes (four per property of every
 * resource, kept for its promise-leak report), and the TypeScript runtime formats each through
 * source maps: about 0.3 ms each, some 40 ms per local service and a second per step in a stack
 * of 20 services (`npm run bench:step`). A weight step runs the program the last `up` ran, with
 * only the traffic entry changed; what the limit removes is the frames of errors thrown in it (the
 * message stays). The source positions the SDK records for resources are unaffected: it lifts
 * the limit itself while it reads them.
 */
export function stepNodeOptions(current: string | undefined): string | undefined {
  if (current !== undefined && /(^|\s)--stack-trace-limit(=|\s|$)/.test(current)) return undefined;
  return current?.trim() ? `${current.trim()} --stack-trace-limit=0` : "--stack-trace-limit=0";
}

/** Outputs registered during an `up`, by URN, as its event log reports them (secrets masked). */
export type StepOutputs = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/** The outputs each resource registered, from an engine event log (one JSON event per line). */
export function registeredOutputs(eventLog: string): StepOutputs {
  const out = new Map<string, Record<string, unknown>>();
  let text = "";
  try {
    text = fs.readFileSync(eventLog, "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    if (!line.includes('"resOutputsEvent"')) continue;
    try {
      const e = JSON.parse(line) as {
        resOutputsEvent?: { metadata?: { urn?: string; new?: { outputs?: Record<string, unknown> } } };
      };
      const md = e.resOutputsEvent?.metadata;
      if (md?.urn && md.new?.outputs) out.set(md.urn, md.new.outputs);
    } catch {
      // a line cut short: ignore it
    }
  }
  return out;
}

/** `PulumiCommand.run`, which the Automation API uses for every command but does not declare. */
export interface InternalRun {
  run(
    args: string[],
    cwd: string,
    env: Record<string, string>,
    onOutput?: (s: string) => void,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
}

/** Output values without their secret flags. */
export function plain(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}
