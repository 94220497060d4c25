// `progressive dashboard`: starts the dashboard, prints where it is (and the token, when changes are
// allowed), and serves until the command is interrupted.
import type { Invocation } from "../cli/args";
import { TOKEN_ENV } from "./access";
import { startDashboard } from "./server";

/** Serves until `signal` fires; returns the exit code. */
export async function serveDashboard(
  run: Extract<Invocation, { command: "dashboard" }>,
  out: (line: string) => void,
  signal: AbortSignal,
): Promise<number> {
  const dashboard = await startDashboard({
    ...(run.workDir ? { workDir: run.workDir } : {}),
    ...(run.pulumiPath ? { pulumiPath: run.pulumiPath } : {}),
    store: {
      ...(run.stateDir ? { stateDir: run.stateDir } : {}),
      ...(run.stateStore ? { stateStore: run.stateStore } : {}),
    },
    ...(run.stacks ? { stacks: run.stacks } : {}),
    port: run.port,
    host: run.host,
    allowChanges: run.allowChanges,
    ...(run.token ? { token: run.token } : {}),
  });
  const token = dashboard.token;
  const made = token !== undefined && token !== (run.token ?? process.env[TOKEN_ENV]);
  // The token rides in the fragment, which the browser keeps to itself: it reaches the server only
  // in the Authorization header of a change.
  out(`dashboard: ${dashboard.url}${made ? `#token=${token}` : ""}`);
  out(
    token
      ? `  changes allowed with the token${made ? " above (also: Authorization: Bearer <token>)" : ` given (${run.token ? "--token" : TOKEN_ENV})`}`
      : "  read-only (start with --allow-changes to promote and abort from the page)",
  );
  if (!signal.aborted) await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
  await dashboard.close();
  return 0;
}
