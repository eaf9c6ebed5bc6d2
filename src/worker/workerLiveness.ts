// Heartbeats for this process's workers, and a sweep that unlocks the jobs of workers
// whose heartbeat stopped (a kill -9, a lost host): graphile-worker alone would keep
// them locked for hours.
import os from "node:os";
import type pg from "pg";
import type { Logger } from "pino";
import { deleteWorkerHeartbeat } from "../sql/deleteWorkerHeartbeat.ts";
import { unlockDeadWorkers } from "../sql/unlockDeadWorkers.ts";
import { upsertWorkerHeartbeats } from "../sql/upsertWorkerHeartbeats.ts";

export interface Liveness {
  add(workerId: string): Promise<void>;
  remove(workerId: string): Promise<void>;
  stop(): Promise<void>;
}

export function startLiveness(
  pool: pg.Pool,
  logger: Logger,
  opts: { intervalMs: number; deadAfterSeconds: number; onDead?: (count: number) => void },
): Liveness {
  const processName = `${os.hostname()}:${process.pid}`;
  const workerIds = new Set<string>();
  const beat = async () => {
    if (workerIds.size > 0) await upsertWorkerHeartbeats(pool, [...workerIds], processName);
    const dead = await unlockDeadWorkers(pool, opts.deadAfterSeconds);
    if (dead.length > 0) {
      opts.onDead?.(dead.length);
      logger.warn({ workers: dead }, "unlocked the jobs of dead workers");
    }
  };
  let running = beat().catch((err) => logger.error({ code: err?.code }, "liveness sweep failed"));
  const timer = setInterval(() => {
    running = beat().catch((err) => logger.error({ code: err?.code }, "heartbeat failed"));
  }, opts.intervalMs);
  timer.unref();
  return {
    async add(workerId) {
      workerIds.add(workerId);
      await upsertWorkerHeartbeats(pool, [workerId], processName);
    },
    async remove(workerId) {
      workerIds.delete(workerId);
      await deleteWorkerHeartbeat(pool, workerId);
    },
    async stop() {
      clearInterval(timer);
      await running;
      // A clean stop leaves no heartbeat behind (the pool id has no worker:stop event).
      await Promise.all([...workerIds].map((id) => deleteWorkerHeartbeat(pool, id).catch(() => {})));
      workerIds.clear();
    },
  };
}
