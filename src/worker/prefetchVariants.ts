// Loads the variants tenants can be served (the active rollout's arms, the default) in the
// background: at start, and when a rollout changes (NOTIFY memvault_rollout). Loading stays
// once per variant and on demand, but a rollout's first requests no longer wait for a model
// to load inside their budget, where the wait would count against the arm that paid it.
import type { Logger } from "pino";
import type pg from "pg";
import { createNotificationHub } from "../db/notificationHub.ts";
import type { VariantRerankers } from "../rerank/variantRerankers.ts";
import { selectServedVariants } from "../sql/selectServedVariants.ts";

export const ROLLOUT_CHANNEL = "memvault_rollout";

export async function startVariantPrefetch(opts: { pool: pg.Pool; connectionString: string; rerankers: VariantRerankers; logger: Logger }): Promise<{ stop(): Promise<void> }> {
  let running: Promise<void> | undefined;
  const prefetch = () =>
    (running ??= (async () => {
      try {
        await Promise.all((await selectServedVariants(opts.pool)).map((v) => opts.rerankers.forVariant(v)));
      } catch (err) {
        // Only a hint: a request loads what it needs anyway.
        opts.logger.warn({ code: (err as { code?: string }).code ?? "INTERNAL" }, "could not prefetch rerank variants");
      } finally {
        running = undefined;
      }
    })());
  const hub = await createNotificationHub(opts.connectionString, [ROLLOUT_CHANNEL]);
  const off = hub.on(ROLLOUT_CHANNEL, () => void prefetch());
  void prefetch();
  return {
    async stop() {
      off();
      await hub.close();
      await running;
    },
  };
}
