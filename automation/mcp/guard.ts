// What an agent may do through the MCP server, decided before any driver code runs: the server is
// read-only unless started to allow changes, may be limited to named stacks, and a change to a
// production-marked stack needs a human's yes (elicitation) or a server started to allow it.
// The driver's own locks, gates, windows, approvals and policy apply after this, unchanged.
import type { ReleaseSettings } from "../driver/settings";
import { ToolError } from "./results";

/** How the server was started. */
export interface McpAccess {
  /** Allow the tools that move traffic or change settings. @default false: read-only */
  readonly allowChanges?: boolean;
  /** Only these stacks may be named. @default every stack of the project */
  readonly stacks?: readonly string[];
  /**
   * A change to a production-marked stack goes ahead without a confirmation when the client cannot
   * be asked (no elicitation). The stack's approval gate still needs a human. @default false
   */
  readonly allowProduction?: boolean;
}

/** A refusal: what was asked, why not, and what would allow it. */
export class Refusal extends ToolError {
  readonly kind = "refused";
  constructor(field: string, value: string, fix: string, message: string) {
    super(field, value, fix, message);
    this.name = "Refusal";
  }
}

/**
 * Whether a stack is production-marked: its `progressive:environment` is `prod` or `production`
 * (alone or before a `-` suffix, e.g. `prod-eu`), or its releases need an approval.
 */
export function productionReason(settings: ReleaseSettings): string | undefined {
  if (/^prod(uction)?(-|$)/.test(settings.environment)) return `its environment is ${settings.environment}`;
  if (settings.release.gates.approval)
    return "its releases need an approval (progressive:release.gates.approval)";
  return undefined;
}

/** The server's access rules. */
export class Guard {
  constructor(private readonly access: McpAccess) {}

  get readOnly(): boolean {
    return this.access.allowChanges !== true;
  }

  get allowedStacks(): readonly string[] | undefined {
    return this.access.stacks;
  }

  /** Refuses a stack outside the allowed list. */
  checkStack(stack: string, field = "stack"): void {
    const allowed = this.access.stacks;
    if (!allowed || allowed.includes(stack)) return;
    throw new Refusal(
      field,
      stack,
      `name one of ${allowed.join(", ")}, or restart the server with --stacks including ${stack}`,
      `${field} (${JSON.stringify(stack)}): this server may act only on ${allowed.join(", ")}`,
    );
  }

  /** Refuses a change on a read-only server. */
  checkWritable(tool: string): void {
    if (!this.readOnly) return;
    throw new Refusal(
      "tool",
      tool,
      "restart the server with --allow-changes (progressive mcp --allow-changes) to let an agent change traffic and settings",
      `${tool} changes traffic or settings, and this server is read-only; nothing was changed`,
    );
  }

  /**
   * What a change on a stack needs: nothing (not production), or a confirmation. `ask` asks the
   * human through the client (undefined when the client cannot be asked); it returns whether they
   * said yes. Returns whether a human confirmed (then the stack's approval gate counts as given).
   */
  async confirmChange(
    stack: string,
    settings: ReleaseSettings,
    what: string,
    ask: ((message: string) => Promise<boolean>) | undefined,
  ): Promise<boolean> {
    const why = productionReason(settings);
    if (!why) return false;
    if (ask) {
      if (await ask(`${what} on stack ${stack}, marked production (${why}). Go ahead?`)) return true;
      throw new Refusal(
        "stack",
        stack,
        "ask again when the change is wanted",
        `${what} on ${stack} was declined by the user; nothing was changed`,
      );
    }
    if (this.access.allowProduction) return false;
    throw new Refusal(
      "stack",
      stack,
      "use a client that supports elicitation (the user confirms there), or restart the server with --allow-production",
      `${stack} is marked production (${why}): ${what} needs the user's confirmation, and this client cannot be asked; nothing was changed`,
    );
  }
}
