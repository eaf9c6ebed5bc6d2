// expire_search_requests { userHash }: delete the tenant's search requests past the
// retention period, and come back when the oldest remaining one expires.
import type { Task } from "graphile-worker";
import { deleteExpiredSearchRequests } from "../src/sql/deleteExpiredSearchRequests.ts";
import { tenantPayload } from "../src/worker/payloads.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";
import { withTenant } from "../src/db/withTenant.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash } = tenantPayload(payload);
    const { oldestLeft } = await helpers.withPgClient((client) =>
      withTenant(client, { userHash }, (tx) => deleteExpiredSearchRequests(tx, ctx.searchRetentionSeconds)),
    );
    if (oldestLeft) {
      await helpers.addJob("expire_search_requests", { userHash }, {
        runAt: new Date(oldestLeft.getTime() + ctx.searchRetentionSeconds * 1000),
        jobKey: `expire_search_requests:${userHash}`,
      });
    }
  };
