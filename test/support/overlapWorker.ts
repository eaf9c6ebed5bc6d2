// A worker process for one test file, reranking with the generated overlap model (a
// query's words decide the order); stopped, and its model removed, after the file.
import { afterAll, beforeAll } from "vitest";
import type { KeyringDatabase } from "./keyringDatabase.ts";
import { makeModelDirs } from "./testModelDirs.ts";
import { startWorker, type WorkerProcess } from "./workerProcess.ts";

export interface OverlapWorker {
  readonly process: WorkerProcess;
  /** Starts it again (after a test stopped it to see memories wait). */
  start(): Promise<void>;
}

export function useOverlapWorker(fx: KeyringDatabase): OverlapWorker {
  let models: ReturnType<typeof makeModelDirs>;
  const handle = {
    process: undefined as unknown as WorkerProcess,
    async start() {
      handle.process = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, RERANK_MODEL_DIR: models.dir("overlap") }, { scope: "file" });
    },
  };
  beforeAll(async () => {
    models = makeModelDirs(["overlap"]);
    await handle.start();
  });
  afterAll(async () => {
    await handle.process.stop();
    models.remove();
  });
  return handle;
}
