// The instance supervisor: runs N instances of a command on their own loopback ports, waits for
// them to be ready, restarts crashed ones with exponential backoff, and stops them gracefully.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { SELF, startTimeOf } from "../../process/identity";
import { fileSize } from "./files";
import { findFreePort, isPortFree, signal, sleep } from "./processes";
import { describeProbe, waitUntilReady } from "./readiness";
import { commandText, exitedAtStart, StartFailure, spawnFailure } from "./start-failure";
import {
  type InstanceState,
  type SupervisorConfig,
  type SupervisorState,
  supervisorPaths,
} from "./supervisor-config";

interface Slot {
  index: number;
  port: number;
  state: InstanceState;
  child: ChildProcess | undefined;
  spawnError: NodeJS.ErrnoException | undefined;
  run: number;
  consecutiveFailures: number;
  timer: NodeJS.Timeout | undefined;
  logOffset: number;
  readyAtMs: number;
}

const BASE_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "SYSTEMROOT"];

/** The supervisor, in process. `supervisor-main.ts` runs it as a daemon. */
export class Supervisor {
  private readonly config: SupervisorConfig;
  private readonly save: (state: SupervisorState) => void;
  private readonly log: (message: string) => void;
  private readonly paths;
  private phase: "starting" | "running" | "stopping" = "starting";
  private slots: Slot[] = [];
  private state: SupervisorState;
  private rejectStart: ((err: StartFailure) => void) | undefined;

  constructor(config: SupervisorConfig, save: (s: SupervisorState) => void, log: (m: string) => void) {
    this.config = config;
    this.save = save;
    this.log = log;
    this.paths = supervisorPaths(config.stateDir, config.service, config.version);
    const now = new Date().toISOString();
    this.state = {
      pid: process.pid,
      ...(SELF.startTime !== undefined ? { startTime: SELF.startTime } : {}),
      service: config.service,
      version: config.version,
      status: "starting",
      startedAt: now,
      updatedAt: now,
      error: null,
      errorCode: null,
      instances: [],
    };
  }

  /** Starts every instance and resolves once all are ready; rejects with a {@link StartFailure}. */
  async start(): Promise<void> {
    const { config } = this;
    if (!fs.statSync(config.cwd, { throwIfNoEntry: false })?.isDirectory()) {
      throw new StartFailure("SPAWN_FAILED", `cwd "${config.cwd}" is not a directory; create it or fix cwd`);
    }
    const ports = await this.assignPorts();
    this.slots = ports.map((port, index) => ({
      index,
      port,
      state: {
        index,
        pid: null,
        startTime: null,
        port,
        status: "starting",
        restarts: 0,
        startedAt: null,
        readyAt: null,
        lastExit: null,
        lastError: null,
        log: this.paths.instanceLog(index),
      },
      child: undefined,
      spawnError: undefined,
      run: 0,
      consecutiveFailures: 0,
      timer: undefined,
      logOffset: 0,
      readyAtMs: 0,
    }));
    await new Promise<void>((resolve, reject) => {
      this.rejectStart = reject;
      let ready = 0;
      for (const slot of this.slots) this.launch(slot, () => ++ready === this.slots.length && resolve());
    });
    this.rejectStart = undefined;
    this.phase = "running";
    this.flush();
  }

  /** Stops all instances (SIGTERM, `stopGraceMs`, then SIGKILL) and resolves when they are gone. */
  async stop(): Promise<void> {
    this.phase = "stopping";
    this.state.status = "stopping";
    const running = this.slots.filter((s) => s.child?.pid !== undefined);
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.state.status = slot.child ? "stopping" : "stopped";
    }
    this.flush();
    for (const slot of running) this.kill(slot, "SIGTERM");
    if (!(await this.waitGone(running, this.config.stopGraceMs))) {
      for (const slot of running) if (slot.child) this.kill(slot, "SIGKILL");
      await this.waitGone(running, 5_000);
    }
    for (const slot of this.slots)
      Object.assign(slot.state, { status: "stopped", pid: null, startTime: null });
    this.state.status = "stopped";
    this.flush();
  }

  /** Records a start failure in the state (after {@link stop}). */
  markFailed(err: unknown): void {
    this.state.status = "failed";
    this.state.error = err instanceof Error ? err.message : String(err);
    this.state.errorCode = err instanceof StartFailure ? err.code : "SPAWN_FAILED";
    this.flush();
  }

  private flush(): void {
    if (this.phase === "running") {
      this.state.status = this.slots.every((s) => s.state.status === "ready") ? "ready" : "degraded";
    }
    this.state.instances = this.slots.map((s) => ({ ...s.state }));
    this.state.updatedAt = new Date().toISOString();
    this.save(this.state);
  }

  private fail(err: StartFailure): void {
    const reject = this.rejectStart;
    this.rejectStart = undefined;
    reject?.(err);
  }

  private kill(slot: Slot, sig: NodeJS.Signals): void {
    const pid = slot.child?.pid;
    if (pid !== undefined && !signal(-pid, sig)) signal(pid, sig);
  }

  private async waitGone(slots: readonly Slot[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (slots.some((s) => s.child !== undefined) && Date.now() < deadline) await sleep(20);
    return slots.every((s) => s.child === undefined);
  }

  private async assignPorts(): Promise<number[]> {
    const given = this.config.ports;
    if (given) {
      for (const [i, port] of given.entries()) {
        if (!(await isPortFree(port))) {
          throw new StartFailure(
            "PORT_IN_USE",
            `port ${port} (instance ${i}) is already in use on 127.0.0.1; stop what listens there, choose another port, or leave ports out to pick free ones`,
          );
        }
      }
      return given;
    }
    const ports: number[] = [];
    while (ports.length < this.config.instances) {
      const port = await findFreePort();
      if (!ports.includes(port)) ports.push(port);
    }
    return ports;
  }

  private instanceEnv(slot: Slot): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    if (this.config.inheritEnv) Object.assign(env, process.env);
    else for (const k of BASE_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
    return {
      ...env,
      SERVICE_NAME: this.config.service,
      SERVICE_VERSION: this.config.version,
      INSTANCE: String(slot.index),
      ...this.config.env,
      PORT: String(slot.port),
      HOST: "127.0.0.1",
    };
  }

  private launch(slot: Slot, onReady?: () => void): void {
    const { command, cwd, readiness } = this.config;
    const run = ++slot.run;
    const logFile = slot.state.log;
    const now = new Date().toISOString();
    fs.appendFileSync(
      logFile,
      `--- ${now} instance ${slot.index} run ${run} port ${slot.port}: ${commandText(command)}\n`,
    );
    slot.logOffset = fileSize(logFile);
    slot.spawnError = undefined;
    slot.readyAtMs = 0;
    const fd = fs.openSync(logFile, "a", 0o600);
    let child: ChildProcess;
    try {
      const [program = "", ...args] = command;
      child = spawn(program, args, {
        cwd,
        env: this.instanceEnv(slot),
        stdio: ["ignore", fd, fd],
        detached: true,
      });
    } catch (err) {
      this.fail(
        new StartFailure(
          "SPAWN_FAILED",
          `could not start ${commandText(command)}: ${(err as Error).message}`,
        ),
      );
      return;
    } finally {
      fs.closeSync(fd);
    }
    slot.child = child;
    const started = {
      pid: child.pid ?? null,
      startTime: startTimeOf(child.pid ?? 0) ?? null,
      startedAt: now,
    };
    Object.assign(slot.state, { ...started, status: "starting", readyAt: null });
    child.once("error", (err: NodeJS.ErrnoException) => {
      slot.spawnError = err;
    });
    child.once("close", (code, sig) => this.onExit(slot, run, code, sig));
    this.flush();
    if (child.pid === undefined) return;
    this.log(`instance ${slot.index} started, pid ${child.pid}, port ${slot.port}`);
    const startedAtMs = Date.now();
    const cancelled = (): boolean => slot.run !== run || slot.child !== child || this.phase === "stopping";
    void waitUntilReady(slot.port, readiness, startedAtMs, cancelled).then((outcome) => {
      if (outcome.ready) {
        slot.readyAtMs = Date.now();
        Object.assign(slot.state, { status: "ready", readyAt: new Date().toISOString(), lastError: null });
        this.log(`instance ${slot.index} ready after ${slot.readyAtMs - startedAtMs} ms`);
        this.flush();
        onReady?.();
        return;
      }
      if (outcome.reason === "cancelled") return;
      const message =
        `instance ${slot.index} of ${this.config.service}/${this.config.version} (port ${slot.port}) was not ready ` +
        `within ${readiness.deadlineMs} ms: GET ${readiness.path} expected ${readiness.expectStatus}, ${describeProbe(outcome.last)}`;
      if (this.phase === "starting") return this.fail(new StartFailure("READINESS_DEADLINE", message));
      slot.state.lastError = message;
      this.log(message);
      this.kill(slot, "SIGKILL");
    });
  }

  private onExit(slot: Slot, run: number, code: number | null, sig: NodeJS.Signals | null): void {
    if (slot.run !== run) return;
    const pid = slot.child?.pid;
    slot.child = undefined;
    if (pid !== undefined) signal(-pid, "SIGKILL"); // leftovers of its process group would hold the port
    const spawnError = slot.spawnError;
    const how = spawnError
      ? `failed to start (${spawnError.code})`
      : sig
        ? `was killed by ${sig}`
        : `exited with code ${code}`;
    slot.state.pid = null;
    slot.state.startTime = null;
    if (!spawnError) slot.state.lastExit = { code, signal: sig, at: new Date().toISOString() };
    this.log(`instance ${slot.index} (pid ${pid ?? "-"}) ${how}`);
    if (this.phase === "stopping") {
      slot.state.status = "stopped";
      this.flush();
      return;
    }
    if (this.phase === "starting") {
      this.fail(
        spawnError
          ? spawnFailure(this.config.command, spawnError)
          : exitedAtStart(this.config.command, slot.index, how, slot.state.log, slot.logOffset),
      );
      return;
    }
    const { initialBackoffMs, maxBackoffMs, resetAfterMs } = this.config.restart;
    if (slot.readyAtMs > 0 && Date.now() - slot.readyAtMs >= resetAfterMs) slot.consecutiveFailures = 0;
    const delay = Math.min(initialBackoffMs * 2 ** slot.consecutiveFailures, maxBackoffMs);
    slot.consecutiveFailures++;
    slot.state.status = "backoff";
    slot.state.lastError = `${spawnError ? spawnFailure(this.config.command, spawnError).message : how}; restarting in ${delay} ms`;
    this.log(`instance ${slot.index}: restart ${slot.state.restarts + 1} in ${delay} ms`);
    this.flush();
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.phase !== "running") return;
      slot.state.restarts++;
      this.launch(slot);
    }, delay);
  }
}
