// Running as a tenant: the one place that says how. A transaction with app.user_hash (and,
// for the API, the role memvault_user) set for that transaction only, so nothing outlives
// it on a pooled connection; Postgres's RLS then decides what exists. The Citus issue
// changes how the tenant is set here and nowhere else.
import type pg from "pg";

export interface Tenant {
  userHash: string;
  /** Role for the transaction (the API's authenticator becomes memvault_user); default: the login's. */
  role?: string;
}

/** Runs fn in a pool-bound tenant transaction: what request and job code is handed. */
export type WithTenant = <T>(fn: (tx: pg.ClientBase) => Promise<T>) => Promise<T>;

/** One transaction on `client` as `tenant`; rolls back on error. */
export async function withTenant<T>(client: pg.ClientBase, tenant: Tenant, fn: (tx: pg.ClientBase) => Promise<T>): Promise<T> {
  const settings: Record<string, string> = { "app.user_hash": tenant.userHash, ...(tenant.role ? { role: tenant.role } : {}) };
  await client.query("begin");
  try {
    await client.query("select pg_catalog.set_config(k, v, true) from unnest($1::text[], $2::text[]) as s(k, v)", [
      Object.keys(settings),
      Object.values(settings),
    ]);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}

/** Each call: a connection from the pool, one tenant transaction, the connection back. */
export function withTenantFrom(pool: pg.Pool, tenant: Tenant): WithTenant {
  return async (fn) => {
    const client = await pool.connect();
    try {
      return await withTenant(client, tenant, fn);
    } finally {
      client.release();
    }
  };
}
