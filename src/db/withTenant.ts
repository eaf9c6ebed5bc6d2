// Running as a tenant: the one place that says how. A transaction with app.user_hash (and,
// for the API, the role memvault_user) set for that transaction only, so nothing outlives
// it on a pooled connection; Postgres's RLS then decides what exists. On Citus the same
// statements reach the worker nodes too (see withLocalSettings).
import type pg from "pg";

export interface Tenant {
  userHash: string;
  /** Role for the transaction (the API's authenticator becomes memvault_user); default: the login's. */
  role?: string;
}

/** Runs fn in a pool-bound tenant transaction: what request and job code is handed. */
export type WithTenant = <T>(fn: (tx: pg.ClientBase) => Promise<T>) => Promise<T>;

const SETTING_NAME = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

/**
 * The transaction's settings as SET LOCAL statements, values quoted by the driver's
 * escapeLiteral (names are memvault's own, checked). SET LOCAL rather than set_config():
 * Citus forwards SET LOCAL (never set_config) to every worker node the transaction
 * touches once citus.propagate_set_commands is 'local', so the policies and hnsw.*
 * settings that run on the shards see this tenant. Without Citus that first SET only
 * sets an unused placeholder for the transaction: the same statements everywhere.
 */
export function tenantSettingStatements(client: Pick<pg.ClientBase, "escapeLiteral" | "escapeIdentifier">, settings: Record<string, string>, role?: string): string[] {
  return [
    ...Object.entries(settings).map(([name, value]) => {
      if (!SETTING_NAME.test(name)) throw new Error(`not a custom setting name: ${name}`);
      return `set local ${name} = ${client.escapeLiteral(value)}`;
    }),
    ...(role ? [`set local role ${client.escapeIdentifier(role)}`] : []),
  ];
}

const BEGIN = "begin; set local citus.propagate_set_commands = 'local'";
/** Whether each connection's server runs Citus; learnt on its first transaction. */
const citusServer = new WeakMap<pg.ClientBase, boolean>();

/**
 * BEGIN and the settings. Without Citus, one simple-protocol round trip (a search is then
 * four round trips, not five). With Citus each SET LOCAL goes alone: Citus replays a
 * propagated SET's whole query text on the worker nodes, and that text must not carry
 * the BEGIN or the other statements.
 */
async function beginWithSettings(client: pg.ClientBase, statements: string[]): Promise<void> {
  let citus = citusServer.get(client);
  if (citus === undefined) {
    const results = (await client.query(`${BEGIN}; select pg_catalog.current_setting('citus.version', true) is not null as citus`)) as unknown as pg.QueryResult[];
    citus = results.at(-1)!.rows[0].citus === true;
    citusServer.set(client, citus);
    if (!citus) {
      if (statements.length) await client.query(statements.join("; "));
      return;
    }
  } else if (!citus) {
    await client.query([BEGIN, ...statements].join("; "));
    return;
  } else {
    await client.query(BEGIN);
  }
  for (const statement of statements) await client.query(statement);
}

/** One transaction with transaction-local settings; rolls back on error. */
async function withLocalSettings<T>(client: pg.ClientBase, settings: Record<string, string>, role: string | undefined, fn: (tx: pg.ClientBase) => Promise<T>): Promise<T> {
  try {
    await beginWithSettings(client, tenantSettingStatements(client, settings, role));
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
  return withLocalSettings(client, { "app.user_hash": tenant.userHash }, tenant.role, fn);
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
  return onPoolClient(pool, (client) => withLocalSettings(client, {}, role, fn));
}
