// Identity switching as the house style asks: transaction-local role and tenant.
import { createHash } from "node:crypto";
import type pg from "pg";

/** A well-formed user_hash for tests (not the app's HMAC: the schema only checks the format). */
export const tenantHash = (name: string) => createHash("sha256").update(`test tenant ${name}`).digest("hex");

export interface Identity {
  role: string;
  /** undefined: app.user_hash is never set in the transaction. */
  userHash?: string;
}

/** Runs fn in a transaction as the given role and tenant, then rolls back unless commit is set. */
export async function asIdentity<T>(
  pool: pg.Pool,
  who: Identity,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: { commit?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select set_config('role', $1::text, true)", [who.role]);
    if (who.userHash !== undefined) {
      await client.query("select set_config('app.user_hash', $1::text, true)", [who.userHash]);
    }
    const result = await fn(client);
    await client.query(opts.commit ? "commit" : "rollback");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
