// A request's database access: one transaction per call on the authenticator's pool, with
// role memvault_user and app.user_hash set for that transaction only (set_config(..., true)),
// so nothing survives in a pooled connection.
import type pg from "pg";
import type { InTenant } from "../rerank/searchWaiter.ts";

export function tenantTransactions(pool: pg.Pool, userHash: string): InTenant {
  return async (fn) => {
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("select pg_catalog.set_config('role', 'memvault_user', true), pg_catalog.set_config('app.user_hash', $1::text, true)", [userHash]);
      const result = await fn(client);
      await client.query("commit");
      return result;
    } catch (err) {
      await client.query("rollback").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
}
