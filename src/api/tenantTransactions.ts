// A request's database access: one transaction per call on the authenticator's pool, as
// memvault_user with app.user_hash set for that transaction only.
import type pg from "pg";
import { withLocalSettings } from "../db/withLocalSettings.ts";
import type { InTenant } from "../rerank/searchWaiter.ts";

export function tenantTransactions(pool: pg.Pool, userHash: string): InTenant {
  return async (fn) => {
    const client = await pool.connect();
    try {
      return await withLocalSettings(client, { role: "memvault_user", "app.user_hash": userHash }, fn);
    } finally {
      client.release();
    }
  };
}
