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

/**
 * One transaction with transaction-local settings (set_config(..., true)); rolls back on error.
 * BEGIN and the settings go in one simple-protocol round trip (a search is then four round
 * trips, not five); the values are quoted by the driver's escapeLiteral, never pasted.
 */
async function withLocalSettings<T>(client: pg.ClientBase, settings: Record<string, string>, fn: (tx: pg.ClientBase) => Promise<T>): Promise<T> {
  const set = Object.entries(settings).map(([k, v]) => `pg_catalog.set_config(${client.escapeLiteral(k)}, ${client.escapeLiteral(v)}, true)`);
  try {
    await client.query(`begin; select ${set.join(", ")}`);
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
  try {
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}

async function onPoolClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

/** One transaction on `client` as `tenant`; rolls back on error. */
export function withTenant<T>(client: pg.ClientBase, tenant: Tenant, fn: (tx: pg.ClientBase) => Promise<T>): Promise<T> {
  return withLocalSettings(client, { "app.user_hash": tenant.userHash, ...(tenant.role ? { role: tenant.role } : {}) }, fn);
}

/** Each call: a connection from the pool, one tenant transaction, the connection back. */
export function withTenantFrom(pool: pg.Pool, tenant: Tenant): WithTenant {
  return (fn) => onPoolClient(pool, (client) => withTenant(client, tenant, fn));
}

/**
 * A transaction as a role, with no tenant (app.user_hash unset: every tenant table shows
 * nothing). For the few calls that are nobody's data, such as reserving seals.
 */
export function withRoleFrom<T>(pool: pg.Pool, role: string, fn: (tx: pg.ClientBase) => Promise<T>): Promise<T> {
  return onPoolClient(pool, (client) => withLocalSettings(client, { role }, fn));
}
