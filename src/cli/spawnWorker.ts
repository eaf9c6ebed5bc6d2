// The worker as a child process of `memvault start`: its sealing, tokenising and job
// polling never share the API's event loop (on two cores the API's tail latency under load
// halved when they stopped sharing one). The child stops when asked (SIGTERM), and by
// itself when its parent goes away (MEMVAULT_PARENT_PID), so it is never orphaned.
import { spawn } from "node:child_process";
import path from "node:path";

export interface WorkerProcess {
  pid: number;
  /** The child's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const MAIN = path.join(import.meta.dirname, "main.ts");

export function spawnWorkerProcess(env: Record<string, string>, stopTimeoutMs = 30_000): WorkerProcess {
  // Its own process group: a terminal's Ctrl-C reaches the parent only, which then stops
  // the child exactly once (SIGTERM: the worker drains its jobs).
  const child = spawn(process.execPath, [...process.execArgv, MAIN, "worker"], {
    env: { ...process.env, ...env, MEMVAULT_PARENT_PID: String(process.pid) },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
