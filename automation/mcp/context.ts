// What every tool call works with: the project, the release store, the guard and the redactor, and
// per call the caller's signal, a progress channel and a way to ask the user.
import { formatValue } from "../../components/core";
import { parseSettings, type RawConfigValue, type ReleaseSettings } from "../driver/settings";
import { StackHandle, type StackService, type StackTarget } from "../driver/stack";
import type { StoreOptions } from "../driver/state";
import { Guard } from "./guard";
import { InputError, Redactor } from "./results";

/** Where the server works and how it was started. */
export interface McpServerOptions {
  /** Folder of the Pulumi project (holds Pulumi.yaml). @default the current directory */
  readonly workDir?: string;
  /** Extra environment for every pulumi command. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** The `pulumi` binary. @default pulumi on PATH, else ~/.pulumi/bin/pulumi */
  readonly pulumiPath?: string;
  /** The release store, as the CLI's --state-dir / --state-store. @default the driver's choice */
  readonly store?: StoreOptions;
  /** Allow the tools that move traffic or change settings. @default false: read-only */
  readonly allowChanges?: boolean;
  /** Only these stacks may be named. @default every stack of the project */
  readonly stacks?: readonly string[];
  /** Changes to production-marked stacks without a confirmation when the client cannot be asked. @default false */
  readonly allowProduction?: boolean;
  /** Who the releases are recorded as started by. @default "mcp:<client name>" */
  readonly actor?: string;
}

/** One tool call: its abort signal, progress and the user. */
export interface Call {
  readonly signal: AbortSignal;
  /** Sends a progress notification (when the client asked for them). */
  progress(message: string): void;
  /** Asks the user a yes/no question; undefined when the client cannot be asked. */
  readonly ask: ((message: string) => Promise<boolean>) | undefined;
  /** Who started the call, for history. */
  readonly actor: string;
}

const STACK_NAME = /^(?:[A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;

/** An opened stack: its handle, raw config, services (from the state) and validated settings. */
export interface Opened {
  readonly stack: StackHandle;
  readonly config: Readonly<Record<string, RawConfigValue>>;
  readonly services: readonly StackService[];
  readonly settings: ReleaseSettings;
}

/** The server's state shared by every call. */
export class ToolContext {
  readonly guard: Guard;
  readonly redact = new Redactor();

  constructor(readonly options: McpServerOptions) {
    this.guard = new Guard(options);
  }

  get store(): StoreOptions {
    return this.options.store ?? {};
  }

  /** A stack target, after the stack name's shape and the allowed list are checked. */
  target(stack: string, service?: string, field = "stack"): StackTarget {
    if (!STACK_NAME.test(stack))
      throw new InputError(
        field,
        formatValue(stack),
        "is not a stack name",
        'use letters, digits, "-", "_" and "." (or org/project/stack), e.g. dev',
      );
    this.guard.checkStack(stack, field);
    const o = this.options;
    return {
      stackName: stack,
      ...(o.workDir ? { workDir: o.workDir } : {}),
      ...(o.env ? { env: o.env } : {}),
      ...(o.pulumiPath ? { pulumiPath: o.pulumiPath } : {}),
      ...(service ? { service } : {}),
    };
  }

  /**
   * Opens a stack and learns its secret values (secret config, the services' release secrets) so
   * that no result or notification carries them; returns the handle and its settings.
   */
  async open(target: StackTarget): Promise<Opened> {
    const stack = await StackHandle.open(target);
    // One read of the config serves the redaction and the settings; one export the services.
    const config = (await stack.stack.getAllConfig()) as Record<string, RawConfigValue>;
    this.redact.add(
      Object.values(config)
        .filter((c) => c.secret)
        .map((c) => c.value),
    );
    const services = await stack.services();
    for (const service of services) this.redact.add(Object.values(service.secrets));
    return { stack, config, services, settings: parseSettings(config, stack.name) };
  }

  /** Opens a stack for a change: the server must allow changes and a production stack needs a yes. */
  async openForChange(
    tool: string,
    target: StackTarget,
    what: string,
    call: Call,
  ): Promise<Opened & { confirmed: boolean }> {
    this.guard.checkWritable(tool);
    const opened = await this.open(target);
    const confirmed = await this.guard.confirmChange(target.stackName, opened.settings, what, call.ask);
    return { ...opened, confirmed };
  }
}
