// purge_tenant { userHash, erasureId }: delete what an erased tenant's destroyed keys sealed,
// then sign its receipt (enqueued by memvault.erase_tenant).
import type { Task } from "graphile-worker";
import { erasurePayload } from "../src/worker/payloads.ts";
import { purgeTenant } from "../src/worker/purgeTenant.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash, erasureId } = erasurePayload(payload);
    const { interrupted } = await helpers.withPgClient((client) => purgeTenant(ctx, client, userHash, erasureId, ctx.purge));
    // Draining: the rest goes back to the queue under the same key, as reseal_chunks does.
    if (interrupted) await helpers.addJob("purge_tenant", { userHash, erasureId }, { jobKey: helpers.job.key ?? undefined });
  };
