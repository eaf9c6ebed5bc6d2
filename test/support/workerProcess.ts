// A real `memvault worker` process against a test database.
import { kekEnv } from "./kekEnv.ts";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import type { KeyringDocument } from "../../src/crypto/keyring.ts";
import { track, untrack } from "./openResources.ts";
import type { TestDatabase } from "./testDatabase.ts";
import { waitFor } from "./waitFor.ts";

export interface WorkerProcess {
  child: ChildProcess;
  logs(): string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** kill -9: no drain, no cleanup. */
  crash(): Promise<void>;
}

/** Writes a keyring file (0600) in a fresh temporary directory. */
export function writeKeyringFile(doc: KeyringDocument): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvk-"));
  const file = path.join(dir, "keyring.json");
  fs.writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
  return file;
}

export async function startWorker(
  db: TestDatabase,
  env: Record<string, string>,
  opts: { waitReady?: boolean; scope?: "test" | "file" } = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "worker"], {
    env: {
      PATH: process.env.PATH,
      ...kekEnv(),
      WORKER_DATABASE_URL: db.url("worker"),
      METRICS_PORT: "0",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  // Whatever happens to the test (a timeout, a crash of the test process), the worker dies with it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      process.off("exit", killOnExit);
      resolve(code);
    }),
  );
  const resource = track({
    label: `worker process ${child.pid}`,
    scope: opts.scope ?? "test",
    close: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  });
  const worker: WorkerProcess = {
    child,
    logs: () => output,
    async stop() {
      child.kill("SIGTERM");
      const code = await exited;
      untrack(resource);
      return code;
    },
    async crash() {
      child.kill("SIGKILL");
      await exited;
      untrack(resource);
    },
  };
  if (opts.waitReady !== false) {
    await waitFor("the worker to start", () => {
      if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${output}`);
      return output.includes('"worker started"');
    }, 120_000);
  }
  return worker;
}
